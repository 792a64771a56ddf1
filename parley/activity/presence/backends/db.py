"""Presence in the database: one `Presence` row per visitor, upserted.

Recording never touches the database: a visit goes into a per-process buffer (the newest visit
per visitor), and the process's background flusher (`parley.core.flusher`) writes the buffer every
tick, at most FLUSH_MAX_ROWS rows in one transaction. A page view, guest or member, with or
without JavaScript, is stored within about a second and writes nothing itself.

The upsert keeps the newer visit (workers flush independently) and skips rewriting a visitor
seen at the same place less than THROTTLE_SECONDS ago, so a reader polling an open page costs no
row change per poll. The throttle is decided by the database, not from this process's memory:
another worker may have stored the same visitor somewhere else in between. Old rows are deleted by
`prune()`, a periodic job, never on this path."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from parley.activity.models import Presence
from parley.activity.presence.backends import (
    NamedMember,
    OnlineSummary,
    Viewers,
    Visit,
    VisitorRow,
)
from parley.activity.presence.visitors import GUEST, MEMBER, ROBOT, Visitor
from parley.activity.presence.window import window
from parley.core import flusher

log = logging.getLogger(__name__)

THROTTLE_SECONDS = 60  # one stored visit per visitor per minute, unless they moved
MAX_PENDING = 20_000  # visitors buffered while the database is unreachable, at most
FLUSH_MAX_ROWS = 2_000  # per tick; a backlog (after an outage) drains over several ticks
UPSERT_BATCH_ROWS = 100  # 800 parameters: under every SQLite's limit

_ROW_FIELDS = ("kind", "member_id", "member__username", "is_invisible")
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
        self._pending: dict[str, Visit] = {}

    # --- Writing --------------------------------------------------------------------------

    def record(self, visit: Visit) -> None:
        with self._lock:
            self._keep(visit)
            if len(self._pending) > MAX_PENDING:
                self._forget_old(visit.at)
        flusher.ensure_started()

    def _keep(self, visit: Visit) -> None:
        """Buffer a visit unless a newer one of the same visitor is waiting (caller locks)."""
        waiting = self._pending.get(visit.visitor.key)
        if waiting is None or waiting.at <= visit.at:
            self._pending[visit.visitor.key] = visit

    def _forget_old(self, now: datetime) -> None:
        horizon = now - window()
        self._pending = {k: p for k, p in self._pending.items() if p.at >= horizon}
        if len(self._pending) > MAX_PENDING:  # still too many: keep the newest half
            newest = sorted(self._pending.values(), key=lambda p: p.at)[-MAX_PENDING // 2 :]
            self._pending = {p.visitor.key: p for p in newest}

    def flush(self) -> None:
        with self._write_lock:
            with self._lock:
                if not self._pending:
                    return
                if len(self._pending) <= FLUSH_MAX_ROWS:
                    batch, self._pending = list(self._pending.values()), {}
                else:
                    keys = list(self._pending)[:FLUSH_MAX_ROWS]
                    batch = [self._pending.pop(k) for k in keys]
            try:
                self._write(batch)
            except (OperationalError, InterfaceError):
                # Locked too long or the connection went: the same visits go again next tick.
                with self._lock:
                    for v in batch:
                        self._keep(v)
                raise
            except DatabaseError:
                log.error("presence: dropped %d visits the database refused", len(batch))
                raise

    def forget(self, visitor_key: str) -> None:
        with self._write_lock:
            with self._lock:
                self._pending.pop(visitor_key, None)
            try:
                Presence.objects.filter(visitor_key=visitor_key).delete()
            except DatabaseError:
                log.exception("presence: could not forget a visitor")

    def _write(self, batch: list[Visit]) -> None:
        from parley.accounts.models import Member

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
        """Delete rows older than the window: one DELETE on the seen_at index."""
        deleted, _ = Presence.objects.filter(seen_at__lt=timezone.now() - window()).delete()
        return deleted

    # --- Reading --------------------------------------------------------------------------

    def viewers(
        self, location_kind: str, location_id: int | None, since: datetime, exclude_key: str = ""
    ) -> Viewers:
        # Guests collapse into one row by the grouping; members are one row each.
        rows = (
            Presence.objects.filter(
                location_kind=location_kind,
                location_id=location_id,
                seen_at__gte=since,
                kind__in=(MEMBER, GUEST),
            )
            .exclude(visitor_key=exclude_key)
            .values(*_ROW_FIELDS)
            .annotate(n=Count("pk"), last=Max("seen_at"))
            .order_by("-last")
        )
        result = Viewers()
        _tally(result, rows)
        return result

    def online(self, since: datetime, exclude_key: str = "") -> OnlineSummary:
        rows = (
            Presence.objects.filter(seen_at__gte=since)
            .exclude(visitor_key=exclude_key)
            .values(*_ROW_FIELDS)
            .annotate(n=Count("pk"), last=Max("seen_at"))
            .order_by("-last")
        )
        result = OnlineSummary()
        _tally(result, rows)
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


def _tally(result: Viewers, rows: object) -> None:
    for row in rows:  # type: ignore[attr-defined]
        if row["kind"] == MEMBER:
            result.member_count += row["n"]
            if not row["is_invisible"] and row["member_id"] is not None:
                result.named.append(NamedMember(row["member_id"], row["member__username"]))
        elif row["kind"] == GUEST:
            result.guest_count += row["n"]
        elif isinstance(result, OnlineSummary):
            result.robot_count += row["n"]
