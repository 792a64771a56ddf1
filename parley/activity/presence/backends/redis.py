"""Presence in Redis sorted sets, scored by the time of the visit (Unix seconds).

Keys, under a prefix (so tests and several boards can share one server):
- `v:<visitor key>`               hash: kind, member id, name, invisible, location, location set
- `all:<m|g|r>`                   everyone in the window by kind: visitor key -> time
- `loc:<kind>:<id>:<m|g>`         members and guests at one location (robots are only counted
                                  board-wide): visitor key -> time
A visit moves its visitor out of the previous location's set (one Lua script, one round trip);
a visit older than the one stored (two workers racing for one visitor) is ignored.
Entries older than the window are trimmed whenever their set is written, and every key expires
a little after the window, so nothing grows without bound; a guest's visit also drops the least
recently seen guests beyond `max_guests(MAX_GUESTS)` (hash and place in a location set too), so
a flood of invented guests is bounded within the window as well.

Visits are buffered in the process and sent by the background flusher once a second, in one
pipelined round trip (a page view never waits on Redis). A block's read (`viewers`, `online`) is
one script as well: the counts, then the members in the window with their names, in one round
trip. If Redis is unreachable, writes are dropped, reads raise PresenceUnavailable (pages leave
the block out), Redis is left alone for RETRY_SECONDS, and the outage is logged once (again at
most every LOG_INTERVAL_SECONDS while it lasts) by `parley.core.breaker`, never once per
request."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import redis

from parley.activity.presence.backends.base import (
    NamedMember,
    OnlineSummary,
    PresenceUnavailable,
    Viewers,
    Visit,
    VisitorRow,
    max_guests,
)
from parley.activity.presence.visitors import GUEST, MEMBER, ROBOT, Visitor
from parley.activity.presence.window import window
from parley.core import flusher, knobs
from parley.core.breaker import CircuitBreaker, Unavailable

log = logging.getLogger(__name__)

SOCKET_TIMEOUT_SECONDS = 0.5  # presence is never worth a slow page
RETRY_SECONDS = 30  # after a failure, Redis is not tried again for this long
LOG_INTERVAL_SECONDS = 300  # one log line per outage, repeated at most this often
TTL_MARGIN_SECONDS = 120  # keys outlive the window a little, then expire by themselves
MAX_GUESTS = knobs.PRESENCE_MAX_GUESTS_REDIS  # tens of MB at most; reads count in O(log n)
MAX_PENDING = 20_000  # visitors buffered between two flushes, at most

_CODES = {MEMBER: "m", GUEST: "g", ROBOT: "r"}

_RECORD = """
local vkey, allkey, lockey = KEYS[1], KEYS[2], KEYS[3]
local who, ts, since, ttl, at_location = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1'
local stored = redis.call('ZSCORE', allkey, who)
if stored and tonumber(stored) > tonumber(ts) then
  return 0
end
local previous = redis.call('HGET', vkey, 'lz')
if previous and previous ~= '' and previous ~= lockey then
  redis.call('ZREM', previous, who)
end
redis.call('HSET', vkey, 'kind', ARGV[6], 'mid', ARGV[7], 'name', ARGV[8], 'inv', ARGV[9],
  'lk', ARGV[10], 'li', ARGV[11], 'lz', at_location and lockey or '')
redis.call('EXPIRE', vkey, ttl)
redis.call('ZADD', allkey, ts, who)
redis.call('ZREMRANGEBYSCORE', allkey, '-inf', '(' .. since)
redis.call('EXPIRE', allkey, ttl)
if at_location then
  redis.call('ZADD', lockey, ts, who)
  redis.call('ZREMRANGEBYSCORE', lockey, '-inf', '(' .. since)
  redis.call('EXPIRE', lockey, ttl)
end
local cap = tonumber(ARGV[12])
if cap > 0 then
  local excess = redis.call('ZCARD', allkey) - cap
  if excess > 0 then
    local gone = redis.call('ZPOPMIN', allkey, excess)
    for i = 1, #gone, 2 do
      local gone_vkey = ARGV[13] .. gone[i]
      local gone_lockey = redis.call('HGET', gone_vkey, 'lz')
      if gone_lockey and gone_lockey ~= '' then
        redis.call('ZREM', gone_lockey, gone[i])
      end
      redis.call('DEL', gone_vkey)
    end
  end
end
return 1
"""

_FORGET = """
local vkey, allkey, who = KEYS[1], KEYS[2], ARGV[1]
local previous = redis.call('HGET', vkey, 'lz')
if previous and previous ~= '' then
  redis.call('ZREM', previous, who)
end
redis.call('ZREM', allkey, who)
redis.call('DEL', vkey)
return 1
"""

# A read in one round trip: KEYS[1] is a set of members, the rest are sets only counted. ARGV: the
# start of the window, the reader's key, which counted set holds the reader (its index in KEYS,
# 0 for none: they are then left out of the members by key), the visitor hashes' key prefix.
# Returns, as one JSON array (one string to parse, however many members), each counted set's
# count in the window (the reader left out), then key, name and invisible flag of each member in
# the window but the reader, most recently seen first.
_READ = """
local low, me, mine, vprefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local out = {}
for i = 2, #KEYS do
  local n = redis.call('ZCOUNT', KEYS[i], low, '+inf')
  if i == mine then
    local score = redis.call('ZSCORE', KEYS[i], me)
    if score and tonumber(score) >= tonumber(low) then
      n = n - 1
    end
  end
  out[#out + 1] = n
end
for _, who in ipairs(redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', low)) do
  if who ~= me then
    local found = redis.call('HMGET', vprefix .. who, 'name', 'inv')
    out[#out + 1] = who
    out[#out + 1] = found[1] or ''
    out[#out + 1] = found[2] or ''
  end
end
return cjson.encode(out)
"""

_clients: dict[str, tuple[int, redis.Redis]] = {}
_clients_lock = threading.Lock()

T = TypeVar("T")


def client_for(url: str) -> redis.Redis:
    """One client (and connection pool) per URL per process; a forked worker makes its own."""
    pid = os.getpid()
    found = _clients.get(url)
    if found is not None and found[0] == pid:
        return found[1]
    with _clients_lock:
        found = _clients.get(url)
        if found is None or found[0] != pid:
            client = redis.Redis.from_url(
                url,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
                decode_responses=True,
            )
            found = (pid, client)
            _clients[url] = found
        return found[1]


class RedisBackend:
    def __init__(
        self, *, url: str, prefix: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.breaker = CircuitBreaker(
            "Redis (presence)",
            consequence="pages leave presence out until it is back",
            open_seconds=RETRY_SECONDS,
            remind_seconds=LOG_INTERVAL_SECONDS,
            logger=log,
            errors=(redis.RedisError,),
            clock=clock,
        )
        self._scripts: dict[str, Any] = {}
        # Visitor key -> newest visit not yet sent. Requests only add here; the flusher sends
        # them each second in one pipelined round trip, so a page view never waits on Redis.
        self._pending: dict[str, Visit] = {}
        self._lock = threading.Lock()  # guards _pending; held for microseconds
        # Held while a batch is sent and by forget(), so a forgotten visitor's visit cannot
        # land after the forgetting.
        self._write_lock = threading.Lock()

    # --- Failure handling -----------------------------------------------------------------

    def _run(self, operation: Callable[[redis.Redis], T]) -> T:
        try:
            return self.breaker.run(lambda: operation(client_for(self.url)))
        except Unavailable as error:
            raise PresenceUnavailable(str(error)) from error

    # --- Keys -----------------------------------------------------------------------------

    def _all(self, kind: str) -> str:
        return f"{self.prefix}all:{_CODES[kind]}"

    def _loc(self, location_kind: str, location_id: int | None, kind: str) -> str:
        where = "-" if location_id is None else location_id
        return f"{self.prefix}loc:{location_kind}:{where}:{_CODES[kind]}"

    def _visitor(self, key: str) -> str:
        return f"{self.prefix}v:{key}"

    # --- Writing --------------------------------------------------------------------------

    def record(self, visit: Visit) -> None:
        key = visit.visitor.key
        with self._lock:
            waiting = self._pending.pop(key, None)
            # Popped and put back: the dict stays in order of last recording, oldest first.
            self._pending[key] = waiting if waiting is not None and waiting.at > visit.at else visit
            if len(self._pending) > MAX_PENDING:  # a flood while Redis is slow: oldest go
                del self._pending[next(iter(self._pending))]
        flusher.ensure_started()

    def pending(self) -> int:
        return len(self._pending)

    def _record_call(self, visit: Visit) -> tuple[list[str], list[object]]:
        v = visit.visitor
        ts = visit.at.timestamp()
        span = window().total_seconds()
        at_location = v.kind != ROBOT
        keys = [
            self._visitor(v.key),
            self._all(v.kind),
            self._loc(visit.location_kind, visit.location_id, v.kind if at_location else GUEST),
        ]
        args = [
            v.key,
            repr(ts),
            repr(ts - span),
            int(span) + TTL_MARGIN_SECONDS,
            "1" if at_location else "0",
            v.kind,
            "" if v.member_id is None else v.member_id,
            v.name,
            "1" if v.is_invisible else "0",
            visit.location_kind,
            "" if visit.location_id is None else visit.location_id,
            max_guests(MAX_GUESTS) if v.kind == GUEST else 0,  # beyond: least recently seen go
            self._visitor(""),
        ]
        return keys, args

    def flush(self) -> None:
        """Send every buffered visit in one pipelined round trip (the flusher's job, every
        second). Redis unreachable: the batch is dropped (the outage is logged once)."""
        with self._write_lock:
            with self._lock:
                batch, self._pending = list(self._pending.values()), {}
            if not batch:
                return

            def send(client: redis.Redis) -> None:
                script = self._script_for(client, _RECORD)
                pipe = client.pipeline(transaction=False)
                for visit in batch:
                    keys, args = self._record_call(visit)
                    script(keys=keys, args=args, client=pipe)
                pipe.execute()

            with contextlib.suppress(PresenceUnavailable):  # already logged; visits dropped
                self._run(send)

    def prune(self) -> int:
        """Nothing to do: trimmed on write, and every key expires by itself."""
        return 0

    def forget(self, visitor_key: str) -> None:
        keys = [self._visitor(visitor_key), self._all(_kind_of(visitor_key))]
        with self._write_lock:
            with self._lock:
                self._pending.pop(visitor_key, None)
            with contextlib.suppress(PresenceUnavailable):
                self._run(
                    lambda client: self._script_for(client, _FORGET)(keys=keys, args=[visitor_key])
                )

    def _script_for(self, client: redis.Redis, source: str) -> Any:
        """Scripts run by their SHA (EVALSHA), loaded once per client."""
        script = self._scripts.get(source)
        if script is None or script.registered_client is not client:
            script = self._scripts[source] = client.register_script(source)
        return script

    # --- Reading --------------------------------------------------------------------------

    def _read(
        self,
        client: redis.Redis,
        members: str,
        counted: list[str],
        low: float,
        exclude_key: str,
        exclude_from: str | None,
    ) -> tuple[list[int], list[tuple[str, str, str]]]:
        """One round trip (the _READ script): how many of each `counted` set are in the window,
        the reader (`exclude_key`, looked for in `exclude_from`) left out, then each member of
        `members` in the window, most recently seen first, as (key, name, invisible flag)."""
        mine = counted.index(exclude_from) + 2 if exclude_key and exclude_from else 0
        reply = json.loads(
            self._script_for(client, _READ)(
                keys=[members, *counted],
                args=[repr(low), exclude_key, mine, self._visitor("")],
                client=client,
            )
        )
        counts, rest = reply[: len(counted)], reply[len(counted) :]
        return [int(n) for n in counts], list(zip(rest[0::3], rest[1::3], rest[2::3], strict=True))

    def _add_members(self, result: Viewers, found: list[tuple[str, str, str]]) -> None:
        """Members (the reader already left out) counted, and named unless invisible."""
        result.member_count += len(found)
        for key, name, invisible in found:
            if invisible != "1" and name:
                result.named.append(NamedMember(int(key[2:]), name))

    def viewers(
        self, location_kind: str, location_id: int | None, since: datetime, exclude_key: str = ""
    ) -> Viewers:
        guests = self._loc(location_kind, location_id, GUEST)
        members = self._loc(location_kind, location_id, MEMBER)

        def run(client: redis.Redis) -> Viewers:
            (guest_count,), found = self._read(
                client, members, [guests], since.timestamp(), exclude_key, guests
            )
            result = Viewers(guest_count=guest_count)
            self._add_members(result, found)
            return result

        return self._run(run)

    def online(self, since: datetime, exclude_key: str = "") -> OnlineSummary:
        guests, robots = self._all(GUEST), self._all(ROBOT)
        # Members are left out by key as they are read; a guest or robot reader from a count.
        exclude_from = {GUEST: guests, ROBOT: robots}.get(_kind_of(exclude_key))

        def run(client: redis.Redis) -> OnlineSummary:
            (guest_count, robot_count), found = self._read(
                client,
                self._all(MEMBER),
                [guests, robots],
                since.timestamp(),
                exclude_key,
                exclude_from,
            )
            result = OnlineSummary(guest_count=guest_count, robot_count=robot_count)
            self._add_members(result, found)
            return result

        return self._run(run)

    def visitors(
        self, since: datetime, kind: str | None = None, limit: int = 100
    ) -> list[VisitorRow]:
        low = since.timestamp()
        kinds = [kind] if kind is not None else [MEMBER, GUEST, ROBOT]

        def run(client: redis.Redis) -> list[VisitorRow]:
            rows: list[VisitorRow] = []
            for k in kinds:
                rows.extend(self._newest(client, k, low, limit))
            rows.sort(key=lambda r: r.seen_at, reverse=True)
            return rows[:limit]

        return self._run(run)

    def _newest(self, client: redis.Redis, kind: str, low: float, limit: int) -> list[VisitorRow]:
        """Up to `limit` visible visitors of one kind, newest first; invisible members are
        skipped, so members are read in pages until enough are found."""
        rows: list[VisitorRow] = []
        start = 0
        while len(rows) < limit:
            # With scores and decoded responses: (key, seen at) pairs.
            entries = cast(
                list[tuple[str, float]],
                client.zrevrangebyscore(
                    self._all(kind), "+inf", low, start=start, num=limit, withscores=True
                ),
            )
            if not entries:
                break
            pipe = client.pipeline(transaction=False)
            for key, _ in entries:
                pipe.hmget(self._visitor(key), "mid", "name", "inv", "lk", "li")
            for (key, score), (mid, name, inv, lk, li) in zip(entries, pipe.execute(), strict=True):
                if lk is None or (kind == MEMBER and inv == "1"):
                    continue  # expired between the two reads, or not to be listed
                rows.append(
                    VisitorRow(
                        visitor=Visitor(
                            key=key,
                            kind=kind,
                            member_id=int(mid) if mid else None,
                            name=name or "",
                        ),
                        location_kind=lk,
                        location_id=int(li) if li else None,
                        seen_at=datetime.fromtimestamp(score, tz=UTC),
                    )
                )
            if len(entries) < limit:
                break
            start += limit
        return rows[:limit]

    def clear(self) -> None:
        """Delete every key under the prefix (tests)."""

        def run(client: redis.Redis) -> None:
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=500))
            if keys:
                client.delete(*keys)

        self._run(run)


def _kind_of(visitor_key: str) -> str:
    return {"m": MEMBER, "g": GUEST, "r": ROBOT}.get(visitor_key[:1], GUEST)
