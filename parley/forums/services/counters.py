"""The denormalised counters pages print instead of counting rows: reply counts and last posts
of threads, forum totals and last posts, members' message counts.

The verbs keep them in their own transaction; a moderator's bulk change wraps its work in
`counters_follow`; `resync_*` rebuild them from scratch (repair tools). No permission checks
here: callers check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, F, Subquery

from parley.accounts.models import Member
from parley.forums import hooks
from parley.forums.models import Forum, Post, Thread

TAIL_FIELDS = ["last_position", "reply_count", "last_post", "last_post_at"]


def refresh_thread_tail(thread: Thread) -> None:
    """A thread's last position, reply count and last post, from its published posts."""
    _set_tail(thread)
    thread.save(update_fields=TAIL_FIELDS)


def _set_tail(thread: Thread) -> None:
    # Through the (thread, position) index: one row, and only the fields the tail uses.
    last = (
        Post.objects.filter(thread=thread)
        .published()
        .order_by("-position", "-id")
        .only("id", "thread_id", "position", "created_at")
        .first()
    )
    thread.last_position = last.position if last else 0
    thread.reply_count = max(thread.last_position - 1, 0)
    thread.last_post = last
    thread.last_post_at = last.created_at if last else thread.created_at


def refresh_forum_last_post(forum_id: int) -> None:
    """A forum's last post is the newest of its visible threads' last posts: one row per
    thread is read, not every post. Precondition: those threads' tails are current (every verb
    keeps them in its own transaction; `resync_forum` checks from the posts themselves)."""
    newest = (
        Thread.objects.filter(forum_id=forum_id, last_post__isnull=False)
        .visible()
        .order_by("-last_post__created_at", "-last_post_id")
        .values("last_post_id")[:1]
    )
    Forum.objects.filter(pk=forum_id).update(last_post=Subquery(newest))


def _forum_last_post_from_posts(forum_id: int) -> None:
    """The same answer as `refresh_forum_last_post` from every post of the forum, trusting no
    thread's tail (repair tool)."""
    last = (
        Post.objects.filter(thread__forum_id=forum_id)
        .visible()
        .order_by("-created_at", "-id")
        .values("id")[:1]
    )
    Forum.objects.filter(pk=forum_id).update(last_post=Subquery(last))


def _renumber(thread_id: int) -> None:
    """Every post's position from scratch in one statement: the number of published posts up
    to it in thread order (created_at, id). Only rows whose position is wrong are written.
    UPDATE … FROM needs SQLite 3.33 (RETURNING elsewhere already needs 3.35)."""
    table = connection.ops.quote_name(Post._meta.db_table)
    columns = {f.name: f.column for f in Post._meta.concrete_fields if f.column is not None}

    def column(name: str) -> str:
        return connection.ops.quote_name(columns[name])

    pk, position = column("id"), column("position")
    # S608: only our own model's table and column names go into the text.
    sql = f"""
        UPDATE {table} SET {position} = renumbered.new_position
        FROM (
            SELECT {pk} AS post_id,
                   SUM(CASE WHEN {column("is_deleted")} OR {column("awaiting_approval")}
                       THEN 0 ELSE 1 END)
                   OVER (ORDER BY {column("created_at")}, {pk} ROWS UNBOUNDED PRECEDING)
                   AS new_position
            FROM {table} WHERE {column("thread")} = %s
        ) AS renumbered
        WHERE {table}.{pk} = renumbered.post_id
          AND {table}.{position} <> renumbered.new_position
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [thread_id])


def resync_thread(thread: Thread) -> None:
    """Rebuild a thread's positions and counters from its posts (repair tool, and the way
    approvals, merges, splits and the spam cleaner renumber). Thread order is (created_at,
    id): positions follow it. A fixed number of statements, none reading whole post rows."""
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        _renumber(thread.pk)
        # Positions now follow thread order, so the first post is among the lowest-numbered
        # few, found through the (thread, position) index rather than by sorting the thread.
        thread.first_post_id = (
            Post.objects.filter(thread=thread)
            .order_by("position", "created_at", "id")
            .values_list("id", flat=True)
            .first()
        )
        _set_tail(thread)
        thread.save(update_fields=["first_post", *TAIL_FIELDS])
        hooks.index_thread_starts([thread.pk])  # posts moved in or out carry or lose the title


def resync_forum(forum: Forum) -> None:
    """Rebuild a forum's totals from its threads (repair tool)."""
    with transaction.atomic():
        threads = Thread.objects.filter(forum=forum, redirect_to__isnull=True).visible()
        Forum.objects.filter(pk=forum.pk).update(
            thread_count=threads.count(),
            post_count=Post.objects.filter(thread__in=threads).published().count(),
        )
        _forum_last_post_from_posts(forum.pk)


def resync_member(member: Member) -> None:
    Member.objects.filter(pk=member.pk).update(
        message_count=Post.objects.filter(author=member).visible().count()
    )


def rebuild_first_post_info(thread: Thread) -> None:
    """After posts moved in or out: the thread starts where its first post does (author and
    date), as XenForo's rebuildFirstPostInfo does. Call after resync_thread."""
    thread.refresh_from_db(fields=["first_post"])
    first = thread.first_post
    if first is None:
        return
    thread.author_id = first.author_id
    thread.author_name = first.author_name
    thread.created_at = first.created_at
    thread.save(update_fields=["author", "author_name", "created_at"])


@dataclass
class _Tally:
    """What a set of threads contributes to forum totals and member message counts."""

    forums: set[int] = field(default_factory=set)  # every forum holding one of the threads
    threads: Counter[int] = field(default_factory=Counter)  # forum -> visible threads
    posts: Counter[int] = field(default_factory=Counter)  # forum -> visible posts
    authors: Counter[int] = field(default_factory=Counter)  # member -> visible posts


def _tally(thread_ids: set[int]) -> _Tally:
    tally = _Tally()
    rows = Thread.objects.filter(pk__in=thread_ids).values_list(
        "forum_id", "is_deleted", "awaiting_approval", "redirect_to_id"
    )
    for forum_id, deleted, held, redirect_to in rows:
        tally.forums.add(forum_id)
        if not (deleted or held or redirect_to):  # redirect stubs count in no totals
            tally.threads[forum_id] += 1
    posts = (
        Post.objects.filter(thread_id__in=thread_ids)
        .visible()
        .order_by()
        .values("thread__forum_id", "author_id")
        .annotate(n=Count("id"))
        .values_list("thread__forum_id", "author_id", "n")
    )
    for forum_id, author_id, n in posts:
        tally.posts[forum_id] += n
        if author_id is not None:
            tally.authors[author_id] += n
    return tally


@contextmanager
def counters_follow(thread_ids: Iterable[int]) -> Iterator[set[int]]:
    """Forum totals, forum last posts and member message counts follow whatever the block does
    to these threads (add the id of a thread the block creates to the yielded set). Runs
    inside the caller's transaction, with the thread rows locked."""
    ids = set(thread_ids)
    before = _tally(ids)
    yield ids
    after = _tally(ids)
    for forum_id in sorted(before.forums | after.forums):
        threads = after.threads[forum_id] - before.threads[forum_id]
        posts = after.posts[forum_id] - before.posts[forum_id]
        if threads or posts:
            Forum.objects.filter(pk=forum_id).update(
                thread_count=F("thread_count") + threads, post_count=F("post_count") + posts
            )
        refresh_forum_last_post(forum_id)
    for author_id in sorted(before.authors.keys() | after.authors.keys()):
        if delta := after.authors[author_id] - before.authors[author_id]:
            Member.objects.filter(pk=author_id).update(message_count=F("message_count") + delta)
