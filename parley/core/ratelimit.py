"""Fixed-window rate limits shared by every worker.

Two backends answer the same questions: the database (one `RateLimitBucket` row per key and
window, bumped by an atomic upsert, so several gunicorn workers on the embedded SQLite default
agree) and Redis (INCR + EXPIRE) when PARLEY_REDIS_URL is set.

Keys name what is limited, never who in the clear: IP addresses go through `hashed` first.
A fixed window is coarse (a burst straddling two windows can reach twice the limit), which is
fine for what it guards: slowing password guessing and form spam, not metering.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Protocol

import redis
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from parley.core import knobs
from parley.core.breaker import CircuitBreaker, Unavailable
from parley.core.clients import client_ip
from parley.core.models import RateLimitBucket

log = logging.getLogger(__name__)

KEY_MAX_CHARS = 120  # RateLimitBucket.key
# Buckets older than this are pruned; no window may be longer.
MAX_WINDOW_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    hits: int  # counted in the current window, this hit included
    limit: int
    retry_after: int  # seconds until the window ends; 0 when allowed

    @property
    def retry_after_minutes(self) -> int:
        """For messages: "Try again in M minutes" (never 0)."""
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def retry_after_text(self) -> str:
        minutes = self.retry_after_minutes
        return f"{minutes} minute{'s' if minutes != 1 else ''}"


class Backend(Protocol):
    """`incr` and `get` answer None when the store is unreachable (the limit then allows)."""

    def incr(self, key: str, window_start: datetime, window_seconds: int) -> int | None: ...
    def get(self, key: str, window_start: datetime) -> int | None: ...
    def delete(self, key: str, window_start: datetime) -> None: ...


class DatabaseBackend:
    """Counters in `core_ratelimitbucket`: one upsert per hit, atomic on SQLite and PostgreSQL."""

    def incr(self, key: str, window_start: datetime, window_seconds: int) -> int:
        q = connection.ops.quote_name
        table, key_col, start_col, hits_col = (
            q(RateLimitBucket._meta.db_table),
            q("key"),
            q("window_start"),
            q("hits"),
        )
        # INSERT … ON CONFLICT … RETURNING: one statement, so concurrent workers never lose a hit
        # (SQLite ≥ 3.35 and PostgreSQL both speak it). S608: the names are our own model's.
        sql = (
            f"INSERT INTO {table} ({key_col}, {start_col}, {hits_col}) "  # noqa: S608
            f"VALUES (%s, %s, 1) ON CONFLICT ({key_col}, {start_col}) "
            f"DO UPDATE SET {hits_col} = {table}.{hits_col} + 1 RETURNING {hits_col}"
        )
        value = connection.ops.adapt_datetimefield_value(window_start)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [key, value])
            return int(cursor.fetchone()[0])

    def get(self, key: str, window_start: datetime) -> int:
        found = (
            RateLimitBucket.objects.filter(key=key, window_start=window_start)
            .values_list("hits", flat=True)
            .first()
        )
        return found or 0

    def delete(self, key: str, window_start: datetime) -> None:
        RateLimitBucket.objects.filter(key=key, window_start=window_start).delete()


class RedisBackend:
    """Counters in Redis: INCR, and EXPIRE so a window's key disappears once it is over.

    If Redis is unreachable the limits fail open (every hit allowed, the outage logged once): a
    rate limit slows abuse down, and refusing every login while Redis restarts would be worse."""

    TIMEOUT_SECONDS = 0.5
    RETRY_AFTER_SECONDS = 10  # after a failure, allow without asking Redis (no timeout per hit)

    def __init__(self, url: str, prefix: str = "parley:ratelimit:") -> None:
        self.client = redis.Redis.from_url(
            url,
            socket_connect_timeout=self.TIMEOUT_SECONDS,
            socket_timeout=self.TIMEOUT_SECONDS,
        )
        self.prefix = prefix
        self.breaker = CircuitBreaker(
            "Redis (rate limits)",
            consequence="rate limits are not enforced",
            open_seconds=self.RETRY_AFTER_SECONDS,
            logger=log,
            errors=(redis.RedisError,),
        )

    def _key(self, key: str, window_start: datetime) -> str:
        return f"{self.prefix}{key}:{int(window_start.timestamp())}"

    def incr(self, key: str, window_start: datetime, window_seconds: int) -> int | None:
        name = self._key(key, window_start)

        def count() -> int:
            pipe = self.client.pipeline()  # MULTI/EXEC: the count and its expiry land together
            pipe.incr(name)
            pipe.expire(name, window_seconds + 1)
            hits, _ = pipe.execute()
            return int(hits)

        return self.breaker.call(count, None)

    def get(self, key: str, window_start: datetime) -> int | None:
        try:
            value = self.breaker.run(lambda: self.client.get(self._key(key, window_start)))
        except Unavailable:
            return None
        return int(value) if value else 0

    def delete(self, key: str, window_start: datetime) -> None:
        self.breaker.call(lambda: self.client.delete(self._key(key, window_start)), None)


@cache
def _backend_for(redis_url: str) -> Backend:
    return RedisBackend(redis_url) if redis_url else DatabaseBackend()


def get_backend() -> Backend:
    return _backend_for(knobs.REDIS_URL.get())


def _window_start(now: datetime, window_seconds: int) -> datetime:
    if not 0 < window_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError(f"window_seconds must be between 1 and {MAX_WINDOW_SECONDS}")
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, tz=UTC)


def _allowance(
    hits: int | None,
    limit: int,
    window_start: datetime,
    window_seconds: int,
    now: datetime,
    *,
    more: int,
) -> Allowance:
    """`more`: the hits still to come (0 after counting one, 1 when asking about the next)."""
    if hits is None:  # the store is unreachable: fail open
        return Allowance(allowed=True, hits=0, limit=limit, retry_after=0)
    allowed = hits + more <= limit
    ends = window_start + timedelta(seconds=window_seconds)
    retry = 0 if allowed else max(1, math.ceil((ends - now).total_seconds()))
    return Allowance(allowed=allowed, hits=hits, limit=limit, retry_after=retry)


def hit(
    key: str,
    limit: int,
    window_seconds: int,
    *,
    now: datetime | None = None,
    backend: Backend | None = None,
) -> Allowance:
    """Count one hit on `key`; allowed while the window holds at most `limit` hits."""
    now = now or timezone.now()
    start = _window_start(now, window_seconds)
    hits = (backend or get_backend()).incr(key[:KEY_MAX_CHARS], start, window_seconds)
    return _allowance(hits, limit, start, window_seconds, now, more=0)


def peek(
    key: str,
    limit: int,
    window_seconds: int,
    *,
    now: datetime | None = None,
    backend: Backend | None = None,
) -> Allowance:
    """Would one more hit be allowed? Counts nothing (to refuse before doing costly work)."""
    now = now or timezone.now()
    start = _window_start(now, window_seconds)
    hits = (backend or get_backend()).get(key[:KEY_MAX_CHARS], start)
    return _allowance(hits, limit, start, window_seconds, now, more=1)


def reset(
    key: str,
    window_seconds: int,
    *,
    now: datetime | None = None,
    backend: Backend | None = None,
) -> None:
    """Forget the current window's hits (a successful login clears its failures)."""
    now = now or timezone.now()
    (backend or get_backend()).delete(key[:KEY_MAX_CHARS], _window_start(now, window_seconds))


def prune_buckets(*, now: datetime | None = None) -> int:
    """Delete database buckets whose window is long over (Redis expires its keys itself)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=MAX_WINDOW_SECONDS)
    deleted, _ = RateLimitBucket.objects.filter(window_start__lt=cutoff).delete()
    return deleted


def hashed(value: str) -> str:
    """A keyed hash for keys naming a person (an address, an email): limits per IP or account
    without storing either."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def ip_key(scope: str, request: HttpRequest) -> str:
    return f"{scope}:ip:{hashed(client_ip(request))}"


def address_key(scope: str, email: str) -> str:
    """A key for limits per email address: case-folded and hashed, so it holds no address."""
    return f"{scope}:address:{hashed(email.strip().lower())}"
