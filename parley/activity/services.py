"""Every write to read markers: reading a thread page, "Mark forum read", "Mark forums read",
and pruning markers the cut-off has made meaningless.

Markers only move forward. A marker is a moment ("read up to here"), so a newer forum or board
marker makes every thread marker below it redundant; those rows are deleted in the same
transaction, which with pruning keeps the tables bounded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from parley.accounts.models import Member
from parley.activity.models import ForumRead, ThreadRead
from parley.activity.queries import read_floor, unread_cutoff
from parley.core import db
from parley.forums.models import Forum, Thread
from parley.permissions.guardian import Perms, perms_for

# Markers expire by the day (the cut-off is counted in days), so one sweep a day keeps the
# tables bounded; more often would only repeat empty DELETEs.
PRUNE_EVERY_SECONDS = 24 * 60 * 60


def _upsert_thread_marker_sql() -> str:
    table = connection.ops.quote_name(ThreadRead._meta.db_table)
    member, thread, read_at = (
        connection.ops.quote_name(db.column(ThreadRead, name))
        for name in ("member", "thread", "read_at")
    )
    # One statement that inserts the marker or moves it forward; when the stored marker is
    # already at or past the new one, the WHERE leaves the row untouched (no write). Same syntax
    # on SQLite (>= 3.24) and PostgreSQL; Django's upsert cannot express the WHERE.
    # S608: only quoted identifiers from the model's meta are interpolated; values are parameters.
    return (
        f"INSERT INTO {table} ({member}, {thread}, {read_at}) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({member}, {thread}) DO UPDATE SET {read_at} = excluded.{read_at} "
        f"WHERE {table}.{read_at} < excluded.{read_at}"
    )


def mark_thread_read(*, member: Member, thread: Thread, up_to: datetime) -> None:
    """Move the member's marker on `thread` forward to `up_to` (never backwards).

    Called on every page a member reads, so it costs at most one statement, and none when the
    board marker or the cut-off already covers `up_to`. The caller obtained `thread` through
    permissions: reading it is the permission. A single statement is its own transaction."""
    if not member.is_active or up_to <= read_floor(member):
        return
    params = [member.pk, thread.pk, connection.ops.adapt_datetimefield_value(up_to)]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_thread_marker_sql(), params)


def _forum_and_descendants(perms: Perms, forum: Forum) -> list[int]:
    """Ids of `forum` and every forum below it that the reader may see."""
    children: dict[int, list[int]] = {}
    for pk, parent_id in perms.visible_forums(Forum.objects.all()).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = [], [forum.pk]
    while todo:
        pk = todo.pop()
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


def mark_forum_read(*, member: Member, forum: Forum, now: datetime | None = None) -> None:
    """ "Mark forum read": the forum and its sub-forums, up to now."""
    perms = perms_for(member)
    perms.ensure_can_mark_forum_read(forum)
    now = now or timezone.now()
    forum_ids = _forum_and_descendants(perms, forum)
    with transaction.atomic():
        ForumRead.objects.bulk_create(
            [ForumRead(member=member, forum_id=pk, read_at=now) for pk in forum_ids],
            update_conflicts=True,
            unique_fields=["member", "forum"],
            update_fields=["read_at"],
        )
        # Thread markers in these forums are all older than `now`: the forum marker covers them.
        ThreadRead.objects.filter(member=member, thread__forum_id__in=forum_ids).delete()


def mark_all_forums_read(*, member: Member, now: datetime | None = None) -> None:
    """ "Mark forums read" for the whole board: one marker on the member row."""
    if not member.is_active:
        raise PermissionDenied("You must log in to mark forums read.")
    now = now or timezone.now()
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(board_read_at=now)
        # Every thread and forum marker is older than `now`: the board marker covers them all.
        ThreadRead.objects.filter(member=member).delete()
        ForumRead.objects.filter(member=member).delete()
    member.board_read_at = now


@dataclass(frozen=True)
class PruneResult:
    thread_markers: int
    forum_markers: int


def prune_read_markers(*, now: datetime | None = None) -> PruneResult:
    """Delete markers older than the unread cut-off: activity that old counts as read anyway,
    so they no longer decide anything. One DELETE per table."""
    cutoff = unread_cutoff(now)
    with transaction.atomic():
        threads, _ = ThreadRead.objects.filter(read_at__lt=cutoff).delete()
        forums, _ = ForumRead.objects.filter(read_at__lt=cutoff).delete()
    return PruneResult(thread_markers=threads, forum_markers=forums)
