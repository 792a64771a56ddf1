"""Presence in the database: one `Presence` row per visitor, upserted.

Recording never touches the database: a visit goes into a per-process buffer (dropped when the
same visitor was stored at the same place less than a minute ago), and the buffer is written as
one upsert after a presence read in this process has sent its response. Every open page polls
its viewers block, so each worker flushes within a poll interval while anyone is reading; a
page view itself, guest or member, writes nothing. Old rows are pruned from the same path."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from django.db import DatabaseError, connection
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

log = logging.getLogger(__name__)

THROTTLE_SECONDS = 60  # one stored visit per visitor per minute, unless they moved
PRUNE_INTERVAL_SECONDS = 300  # rows older than the window are deleted at most this often
MAX_PENDING = 20_000  # a worker that never serves a presence read still keeps a bounded buffer

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
    """One INSERT … ON CONFLICT DO UPDATE (SQLite and PostgreSQL alike) that keeps the newer
    visit: workers flush their buffers independently, so an older visit may arrive later."""
    qn = connection.ops.quote_name
    table = qn(Presence._meta.db_table)
    row = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in _COLUMNS[1:])
    # Only constant, quoted identifiers are interpolated; every value is a query parameter.
    return (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in _COLUMNS)}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)} "
        f"ON CONFLICT ({qn('visitor_key')}) DO UPDATE SET {updates} "
        f"WHERE excluded.{qn('seen_at')} >= {table}.{qn('seen_at')}"
    )


class DatabaseBackend:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, Visit] = {}
        # visitor key -> (what was stored, when): the throttle, kept in memory so that deciding
        # costs nothing.
        self._stored: dict[str, tuple[tuple[object, ...], datetime]] = {}
        self._last_prune = float("-inf")

    # --- Writing --------------------------------------------------------------------------

    def record(self, visit: Visit) -> None:
        v = visit.visitor
        signature = (visit.location_kind, visit.location_id, v.name, v.is_invisible)
        with self._lock:
            stored = self._stored.get(v.key)
            if (
                stored is not None
                and stored[0] == signature
                and timedelta(0) <= visit.at - stored[1] < timedelta(seconds=THROTTLE_SECONDS)
            ):
                return
            self._stored[v.key] = (signature, visit.at)
            self._pending[v.key] = visit
            if len(self._pending) > MAX_PENDING or len(self._stored) > MAX_PENDING:
                self._forget_old(visit.at)

    def _forget_old(self, now: datetime) -> None:
        horizon = now - window()
        self._pending = {k: p for k, p in self._pending.items() if p.at >= horizon}
        throttle_horizon = now - timedelta(seconds=THROTTLE_SECONDS)
        self._stored = {k: s for k, s in self._stored.items() if s[1] >= throttle_horizon}

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = list(self._pending.values()), {}
        try:
            if batch:
                self._write(batch)
            self._maybe_prune()
        except DatabaseError:
            log.exception("presence: could not store %d visits", len(batch))

    def forget(self, visitor_key: str) -> None:
        with self._lock:
            self._pending.pop(visitor_key, None)
            self._stored.pop(visitor_key, None)
        try:
            Presence.objects.filter(visitor_key=visitor_key).delete()
        except DatabaseError:
            log.exception("presence: could not forget a visitor")

    def _write(self, batch: list[Visit]) -> None:
        from parley.accounts.models import Member

        member_ids = {v.visitor.member_id for v in batch if v.visitor.member_id is not None}
        if member_ids:
            # A member deleted since their visit would break the foreign key.
            existing = set(Member.objects.filter(pk__in=member_ids).values_list("pk", flat=True))
            batch = [
                v for v in batch if v.visitor.member_id is None or v.visitor.member_id in existing
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
                cursor.execute(_upsert_sql(len(chunk)), [value for row in chunk for value in row])

    def _maybe_prune(self) -> None:
        now = time.monotonic()
        if now - self._last_prune < PRUNE_INTERVAL_SECONDS:
            return
        self._last_prune = now
        self.prune()

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
