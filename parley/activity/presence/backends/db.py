"""Presence in the database: one `Presence` row per visitor, upserted.

Recording never touches the database: a visit goes into a per-process buffer (the newest visit
per visitor), and the process's background flusher (`parley.core.flusher`) writes the buffer every
tick, at most FLUSH_MAX_ROWS rows in one transaction. A page view, guest or member, with or
without JavaScript, is stored within about a second and writes nothing itself.

The buffer costs O(1) per visit however full it is: guests and members (with robots) wait in two
insertion-ordered queues of at most MAX_PENDING visitors each, and a full queue drops the visitor
recorded longest ago, so a flood of invented guests never pushes a member out.

The upsert keeps the newer visit (workers flush independently) and skips rewriting a visitor
seen at the same place less than THROTTLE_SECONDS ago, so a reader polling an open page costs no
row change per poll. The throttle is decided by the database, not from this process's memory:
another worker may have stored the same visitor somewhere else in between. Old rows are deleted by
`prune()`, a periodic job, which also keeps at most `max_guests()` guest rows; a process that has
stored TRIM_AFTER_GUEST_VISITS guest visits since it last looked trims them too, so a flood does
not wait five minutes for the job.

Reads do not grow with guests: members come from the member index (one row each), robots by
their keys, and guests are only counted, never more than `max_guests()` of them, each read one
statement."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from parley.accounts.models import Member
from parley.activity.models import Presence
from parley.activity.presence.backends.base import (
    NamedMember,
    OnlineSummary,
    Viewers,
    Visit,
    VisitorRow,
    max_guests,
)
from parley.activity.presence.visitors import GUEST, MEMBER, ROBOT, ROBOT_KEYS, Visitor
from parley.activity.presence.window import window
from parley.core import db, flusher

log = logging.getLogger(__name__)

THROTTLE_SECONDS = 60  # one stored visit per visitor per minute, unless they moved
MAX_PENDING = 20_000  # guests, and members with robots, buffered at most (each queue)
FLUSH_MAX_ROWS = 2_000  # per tick; a backlog (after an outage) drains over several ticks
UPSERT_BATCH_ROWS = 100  # 800 parameters: under every SQLite's limit
TRIM_AFTER_GUEST_VISITS = 1_000  # a process checks the guest cap after storing this many
_COLUMNS = (
    "visitor_key",
    "kind",
    "member_id",
    "robot_name",
    "is_invisible",
    "location_kind",
    "location_id",
    "seen_at",
)


def _upsert_sql(rows: int) -> str:
    """One INSERT … ON CONFLICT DO UPDATE (SQLite and PostgreSQL alike). The update happens only
    for a newer visit that moved, changed visibility, or comes THROTTLE_SECONDS after the stored
    one; kind, member and robot name follow from the visitor key, so they never differ."""
    qn = connection.ops.quote_name
    table = qn(Presence._meta.db_table)
    row = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in _COLUMNS[1:])
    new, old = f"excluded.{qn('seen_at')}", f"{table}.{qn('seen_at')}"
    if connection.vendor == "postgresql":
        distinct = "IS DISTINCT FROM"
        stale = f"{old} <= {new} - interval '{THROTTLE_SECONDS} seconds'"
    else:  # SQLite stores ISO text; julianday() reads it, in days
        distinct = "IS NOT"
        stale = f"julianday({old}) <= julianday({new}) - {THROTTLE_SECONDS / 86400!r}"
    changed = " OR ".join(
        f"excluded.{qn(c)} {distinct} {table}.{qn(c)}"
        for c in ("location_kind", "location_id", "is_invisible")
    )
    # Only constant, quoted identifiers are interpolated; every value is a query parameter.
    return (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in _COLUMNS)}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)} "
        f"ON CONFLICT ({qn('visitor_key')}) DO UPDATE SET {updates} "
        f"WHERE {new} >= {old} AND ({changed} OR {stale})"
    )


class DatabaseBackend:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the buffer; held for microseconds
        # Held for a whole flush and by forget(), so a visitor forgotten while their visit is
        # being written cannot come back when the write lands.
        self._write_lock = threading.Lock()
        # Visitor key -> newest visit, least recently recorded first.
        self._guests: OrderedDict[str, Visit] = OrderedDict()
        self._others: OrderedDict[str, Visit] = OrderedDict()  # members and robots
        self._guests_since_trim = 0

    # --- Writing --------------------------------------------------------------------------

    def record(self, visit: Visit) -> None:
        with self._lock:
            self._keep(visit)
        flusher.ensure_started()

    def pending(self) -> int:
        """How many visitors wait in this process's buffer."""
        return len(self._guests) + len(self._others)

    def _queue(self, visit: Visit) -> OrderedDict[str, Visit]:
        return self._guests if visit.visitor.kind == GUEST else self._others

    def _keep(self, visit: Visit) -> None:
        """Buffer a visit unless a newer one of the same visitor is waiting; a full queue drops
        the visitor recorded longest ago. O(1). The caller holds the lock."""
        queue = self._queue(visit)
        key = visit.visitor.key
        waiting = queue.get(key)
        if waiting is not None:
            if waiting.at > visit.at:
                return
            queue.move_to_end(key)
        queue[key] = visit
        if len(queue) > MAX_PENDING:
            queue.popitem(last=False)

    def _put_back(self, batch: Sequence[Visit]) -> None:
        """A batch that could not be written waits again, ahead of (older than) what came in
        meanwhile, so it is the first to go if the queue fills up. The caller holds the lock."""
        for visit in reversed(batch):
            queue = self._queue(visit)
            key = visit.visitor.key
            waiting = queue.get(key)
            if waiting is None:
                queue[key] = visit
                queue.move_to_end(key, last=False)
            elif waiting.at < visit.at:
                queue[key] = visit
        for queue in (self._guests, self._others):
            while len(queue) > MAX_PENDING:
                queue.popitem(last=False)

    def _take(self, limit: int) -> list[Visit]:
        """Up to `limit` visits, members and robots first, each queue oldest first. O(batch)."""
        batch: list[Visit] = []
        for queue in (self._others, self._guests):
            while queue and len(batch) < limit:
                batch.append(queue.popitem(last=False)[1])
        return batch

    def flush(self) -> None:
        with self._write_lock:
            with self._lock:
                batch = self._take(FLUSH_MAX_ROWS)
            if not batch:
                return
            try:
                self._write(batch)
            except (OperationalError, InterfaceError):
                # Locked too long or the connection went: the same visits go again next tick.
                with self._lock:
                    self._put_back(batch)
                raise
            except DatabaseError:
                log.error("presence: dropped %d visits the database refused", len(batch))
                raise
            self._guests_since_trim += sum(1 for v in batch if v.visitor.kind == GUEST)
            if self._guests_since_trim >= TRIM_AFTER_GUEST_VISITS:
                self._guests_since_trim = 0
                self.trim_guests()

    def forget(self, visitor_key: str) -> None:
        with self._write_lock:
            with self._lock:
                self._guests.pop(visitor_key, None)
                self._others.pop(visitor_key, None)
            try:
                Presence.objects.filter(visitor_key=visitor_key).delete()
            except DatabaseError:
                log.exception("presence: could not forget a visitor")

    def _write(self, batch: list[Visit]) -> None:
        with transaction.atomic():
            member_ids = {v.visitor.member_id for v in batch if v.visitor.member_id is not None}
            if member_ids:
                # A member deleted since their visit would break the foreign key.
                existing = set(
                    Member.objects.filter(pk__in=member_ids).values_list("pk", flat=True)
                )
                batch = [
                    v
                    for v in batch
                    if v.visitor.member_id is None or v.visitor.member_id in existing
                ]
            rows = [
                (
                    v.visitor.key,
                    v.visitor.kind,
                    v.visitor.member_id,
                    v.visitor.name[:40] if v.visitor.kind == ROBOT else "",
                    v.visitor.is_invisible,
                    v.location_kind,
                    v.location_id,
                    connection.ops.adapt_datetimefield_value(v.at),
                )
                for v in batch
            ]
            with connection.cursor() as cursor:
                for start in range(0, len(rows), UPSERT_BATCH_ROWS):
                    chunk = rows[start : start + UPSERT_BATCH_ROWS]
                    cursor.execute(
                        _upsert_sql(len(chunk)), [value for row in chunk for value in row]
                    )

    def prune(self) -> int:
        """Delete rows older than the window, and guests beyond `max_guests()` (least recently
        seen first): one DELETE. Returns how many rows went."""
        deleted, _ = Presence.objects.filter(
            Q(seen_at__lt=timezone.now() - window()) | Q(pk__in=_guests_beyond_cap())
        ).delete()
        return deleted

    def trim_guests(self) -> int:
        """Keep at most `max_guests()` guest rows. A look at the row just past the cap, then one
        DELETE only when there is one."""
        if not _guests_beyond_cap()[:1].exists():
            return 0
        deleted, _ = Presence.objects.filter(pk__in=_guests_beyond_cap()).delete()
        return deleted

    # --- Reading --------------------------------------------------------------------------

    def viewers(
        self, location_kind: str, location_id: int | None, since: datetime, exclude_key: str = ""
    ) -> Viewers:
        result = Viewers()
        _tally(result, _read(since, exclude_key, _At(location_kind, location_id)), exclude_key)
        return result

    def online(self, since: datetime, exclude_key: str = "") -> OnlineSummary:
        result = OnlineSummary()
        _tally(result, _read(since, exclude_key, None), exclude_key)
        return result

    def visitors(
        self, since: datetime, kind: str | None = None, limit: int = 100
    ) -> list[VisitorRow]:
        qs = Presence.objects.filter(seen_at__gte=since).exclude(kind=MEMBER, is_invisible=True)
        if kind is not None:
            qs = qs.filter(kind=kind)
        rows = qs.order_by("-seen_at").values(
            "visitor_key",
            "kind",
            "member_id",
            "member__username",
            "robot_name",
            "location_kind",
            "location_id",
            "seen_at",
        )[:limit]
        return [
            VisitorRow(
                visitor=Visitor(
                    key=r["visitor_key"],
                    kind=r["kind"],
                    member_id=r["member_id"],
                    name=r["member__username"] or r["robot_name"] or "",
                ),
                location_kind=r["location_kind"],
                location_id=r["location_id"],
                seen_at=r["seen_at"],
            )
            for r in rows
        ]


def _guests_beyond_cap() -> Any:
    """The ids of guest rows past the newest `max_guests()` (a subquery)."""
    newest_first = Presence.objects.filter(kind=GUEST).order_by("-seen_at", "-pk")
    return newest_first.values("pk")[max_guests() :]


# --- Reads --------------------------------------------------------------------------------------
# One statement, whose rows are ('member', id, name, invisible, seen at, 1) for each member in the
# window (at the location), then counts: ('robots' | 'everyone' | 'excluded', NULL…, n). Members
# come through the member index, robots by their keys, and guests are what is left of a count of
# every visitor that reads one index alone and at most max_guests() + COUNTED_BESIDES_GUESTS of
# its entries. Built from quoted identifiers only; every value is a query parameter. The text
# depends only on the engine and the shape of the location, so each process builds it once.

COUNTED_BESIDES_GUESTS = 2_000  # members and robots the bounded count leaves room for
_EVERYWHERE, _AT_ID, _AT_NO_ID = "everywhere", "at an id", "at no id"  # the shapes of a read


class _At:
    """A location, as the condition the reads add."""

    def __init__(self, kind: str, location_id: int | None) -> None:
        self.params: list[Any] = [kind] if location_id is None else [kind, location_id]
        self.shape = _AT_NO_ID if location_id is None else _AT_ID


def _where_at(shape: str, column: Callable[[str], str]) -> str:
    if shape == _EVERYWHERE:
        return ""
    where = f" AND {column('location_kind')} = %s AND "
    if shape == _AT_NO_ID:
        return where + f"p.{_qn('location_id')} IS NULL"
    return where + f"{column('location_id')} = %s"


def _indexed(name: str) -> str:
    return f"p.{_qn(name)}"


def _unindexed(name: str) -> str:
    """The column in a form no index serves: a lookup by visitor key stays one."""
    return f"COALESCE(p.{_qn(name)}, p.{_qn(name)})"


def _unindexed_on_sqlite(name: str) -> str:
    """SQLite's planner has no statistics: a unary + keeps a condition off every index, so the
    member rows are found through the member index (one per member online), not by walking the
    window's or a location's index past every guest. PostgreSQL chooses by its statistics
    (kept by autovacuum)."""
    return f"+p.{_qn(name)}" if connection.vendor == "sqlite" else f"p.{_qn(name)}"


def _read_sql(shape: str) -> str:
    """The statement for the current connection's engine and a read of this shape.

    Members are joined with CROSS JOIN and the condition in WHERE: SQLite then joins in the
    order written, presence rows first (through the member index, one per member online) and
    each one's member by primary key. Written as an INNER JOIN, the order was the planner's:
    with statistics that know the member table but not presence (ANALYZE, hourly or by the
    seeder, gives an empty table none: it ran while nobody was online) it started from the
    members (`member_id > 0` implies `id > 0`) and looked every registered member up in
    presence, on every block: a quarter of a millisecond on a board of 5,000 members, growing
    with them. PostgreSQL plans a CROSS JOIN with its condition as the inner join it is.
    """
    qn, table = connection.ops.quote_name, _qn(Presence._meta.db_table)
    members, member_pk = qn(Member._meta.db_table), qn(db.column(Member, "pk"))
    username = qn(db.column(Member, "username"))
    member_id, key = f"p.{qn('member_id')}", f"p.{qn('visitor_key')}"

    def here(column: Callable[[str], str]) -> str:
        return _where_at(shape, column)

    hinted, fenced = _unindexed_on_sqlite, _unindexed
    robots = ", ".join(["%s"] * len(ROBOT_KEYS))
    return (
        f"SELECT 'member', {member_id}, m.{username}, p.{qn('is_invisible')}, "  # noqa: S608
        f"p.{qn('seen_at')}, 1 FROM {table} p CROSS JOIN {members} m "
        f"WHERE m.{member_pk} = {member_id} AND {member_id} > 0 "
        f"AND {hinted('seen_at')} >= %s{here(hinted)} "
        f"UNION ALL SELECT 'robots', NULL, NULL, NULL, NULL, COUNT(*) FROM {table} p "
        f"WHERE {key} IN ({robots}) AND {fenced('seen_at')} >= %s{here(fenced)} "
        # The count walks a location's index, or else the window's, and nothing else.
        f"UNION ALL SELECT 'everyone', NULL, NULL, NULL, NULL, COUNT(*) FROM (SELECT 1 AS one "
        f"FROM {table} p WHERE p.{qn('seen_at')} >= %s{here(_indexed)} LIMIT %s) v "
        f"UNION ALL SELECT 'excluded', NULL, NULL, NULL, NULL, COUNT(*) FROM {table} p "
        f"WHERE {key} = %s AND {fenced('seen_at')} >= %s{here(fenced)}"
    )


_statements: dict[tuple[str, str], str] = {}  # (engine, shape) -> _read_sql(shape)


def _read(since: datetime, exclude_key: str, at: _At | None) -> list[tuple[Any, ...]]:
    shape = at.shape if at is not None else _EVERYWHERE
    sql = _statements.get((connection.vendor, shape))
    if sql is None:
        sql = _statements[connection.vendor, shape] = _read_sql(shape)
    since_value = connection.ops.adapt_datetimefield_value(since)
    where = at.params if at is not None else []
    params = [
        *(since_value, *where),
        *(*ROBOT_KEYS, since_value, *where),
        *(since_value, *where, max_guests() + COUNTED_BESIDES_GUESTS),
        *(exclude_key, since_value, *where),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _tally(result: Viewers, rows: Iterable[tuple[Any, ...]], exclude_key: str) -> None:
    """Add up a read's rows, leaving out `exclude_key`; members are named most recently seen
    first, and guests are never more than max_guests()."""
    members = []
    counts = {"members": 0, "robots": 0, "everyone": 0, "excluded": 0}
    for what, member_id, name, invisible, seen_at, n in rows:
        if what == "member":
            counts["members"] += 1
            if f"m:{member_id}" != exclude_key:
                members.append((seen_at, member_id, name, bool(invisible)))
        else:
            counts[what] += n
    excluded_kind = {"g": GUEST, "r": ROBOT}.get(exclude_key[:1])
    robots = counts["robots"] - (counts["excluded"] if excluded_kind == ROBOT else 0)
    guests = counts["everyone"] - counts["members"] - counts["robots"]
    guests -= counts["excluded"] if excluded_kind == GUEST else 0
    result.guest_count += max(0, min(max_guests(), guests))
    if isinstance(result, OnlineSummary):
        result.robot_count += robots
    members.sort(key=lambda m: m[0], reverse=True)
    result.member_count += len(members)
    result.named.extend(
        NamedMember(mid, name) for _, mid, name, invisible in members if not invisible
    )
