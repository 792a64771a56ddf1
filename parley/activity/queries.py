"""Reads for "What's new" and unread state.

A thread is unread for a member when its last post is newer than their *read point* on it: the
latest of their marker on the thread, their marker on its forum, their board-wide marker and the
unread cut-off. The same rule is written twice, once in Python (`attach_*`, over rows already
loaded) and once in SQL (`unread_only`, to filter a listing); tests hold them to each other.

Guests have no read state: every `is_unread` is False for them and costs no query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from parley.accounts.models import Member
from parley.activity.models import ForumRead, ThreadRead
from parley.core import knobs
from parley.forums.models import Forum, Post, Thread
from parley.forums.queries import listed_page, thread_list_queryset
from parley.permissions.guardian import Perms

WHATS_NEW_PER_PAGE = 20
# Listings page with OFFSET over the thread_listed_latest and thread_listed_newest indexes: cap how
# deep, so the cost stays bounded (XenForo's "New posts" also stops after a few hundred results).
WHATS_NEW_MAX_PAGES = 25
# Ids break ties, so a page always holds the same threads (and the indexes end in them).
BY_ACTIVITY = ("-last_post_at", "-id")
BY_START = ("-created_at", "-id")
LATEST_MEMBERS_SHOWN = 50
HUB_THREADS_SHOWN = 10
HUB_MEMBERS_SHOWN = 5

_THREAD, _FORUM = "t", "f"


def unread_cutoff(now: datetime | None = None) -> datetime:
    # Older activity counts as read, so read markers can be pruned.
    return (now or timezone.now()) - timedelta(days=knobs.UNREAD_CUTOFF_DAYS.get())


def read_floor(member: Member, now: datetime | None = None) -> datetime:
    """Everything up to this moment counts as read for the member, wherever it is."""
    cutoff = unread_cutoff(now)
    board = member.board_read_at
    return board if board is not None and board > cutoff else cutoff


def _markers(
    member: Member, thread_ids: Iterable[int], forum_ids: Iterable[int]
) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """The member's thread and forum markers for these ids, in one query (a UNION)."""
    threads = (
        ThreadRead.objects.filter(member_id=member.pk, thread_id__in=list(thread_ids))
        .annotate(kind=Value(_THREAD))
        .values_list("kind", "thread_id", "read_at")
    )
    forums = (
        ForumRead.objects.filter(member_id=member.pk, forum_id__in=list(forum_ids))
        .annotate(kind=Value(_FORUM))
        .values_list("kind", "forum_id", "read_at")
    )
    by_thread: dict[int, datetime] = {}
    by_forum: dict[int, datetime] = {}
    for kind, obj_id, read_at in threads.union(forums, all=True):
        (by_thread if kind == _THREAD else by_forum)[obj_id] = read_at
    return by_thread, by_forum


def attach_unread(perms: Perms, threads: Sequence[Thread]) -> None:
    """Set `thread.is_unread` on each thread (always False for guests), in one query at most."""
    for thread in threads:
        thread.is_unread = False  # type: ignore[attr-defined]
    if perms.member is None:
        return
    floor = read_floor(perms.member)
    # Threads with nothing newer than the floor are read whatever their markers say.
    candidates = [t for t in threads if t.last_post_at > floor]
    if not candidates:
        return
    by_thread, by_forum = _markers(
        perms.member, {t.pk for t in candidates}, {t.forum_id for t in candidates}
    )
    for thread in candidates:
        read_at = max(floor, by_thread.get(thread.pk, floor), by_forum.get(thread.forum_id, floor))
        thread.is_unread = thread.last_post_at > read_at  # type: ignore[attr-defined]


def unread_only(member: Member, qs: QuerySet[Thread]) -> QuerySet[Thread]:
    """Keep the threads with a post newer than the member's read point (the SQL twin of
    `attach_unread`)."""
    thread_read = ThreadRead.objects.filter(
        member_id=member.pk, thread_id=OuterRef("pk"), read_at__gte=OuterRef("last_post_at")
    )
    forum_read = ForumRead.objects.filter(
        member_id=member.pk, forum_id=OuterRef("forum_id"), read_at__gte=OuterRef("last_post_at")
    )
    return qs.filter(last_post_at__gt=read_floor(member)).filter(
        ~Exists(thread_read), ~Exists(forum_read)
    )


def attach_forum_unread(perms: Perms, forums: Sequence[Forum]) -> None:
    """Set `forum.is_unread` on each forum and its `.subforums`, in one query at most. A forum is
    unread when it or a sub-forum holds an unread thread the reader may see.

    Precondition: forums come with `last_post` loaded (as the index queries load them); a forum
    whose last post is older than the reader's floor is read without asking the database."""
    everything: list[Forum] = [*forums, *(s for f in forums for s in getattr(f, "subforums", ()))]
    for forum in everything:
        forum.is_unread = False  # type: ignore[attr-defined]
    if perms.member is None:
        return
    floor = read_floor(perms.member)
    candidates = {f.pk for f in everything if f.last_post and f.last_post.created_at > floor}
    if not candidates:
        return
    unread_threads = unread_only(
        perms.member,
        perms.visible_threads(Thread.objects.filter(forum_id=OuterRef("pk"))),
    )
    unread_ids = set(
        Forum.objects.filter(pk__in=candidates)
        .filter(Exists(unread_threads))
        .values_list("pk", flat=True)
    )
    for forum in everything:
        forum.is_unread = forum.pk in unread_ids  # type: ignore[attr-defined]
    for forum in forums:
        if any(s.is_unread for s in getattr(forum, "subforums", ())):
            forum.is_unread = True  # type: ignore[attr-defined]


def read_point(member: Member, thread: Thread) -> datetime:
    """The moment up to which the member has read `thread` (one query)."""
    by_thread, by_forum = _markers(member, [thread.pk], [thread.forum_id])
    floor = read_floor(member)
    return max(floor, by_thread.get(thread.pk, floor), by_forum.get(thread.forum_id, floor))


def first_post_after(perms: Perms, thread: Thread, moment: datetime) -> Post | None:
    """The first visible post of `thread` written after `moment`, or None.

    Finds the last post at or before `moment` by scanning the (thread, position) index backwards
    from the end, then the post after it: the cost grows with the unread posts, not with the
    thread's length."""
    visible = perms.visible_posts(Post.objects.filter(thread=thread))
    last_read = visible.filter(created_at__lte=moment).order_by("-position", "-id")
    # ">=": a moderator also sees deleted posts, which share their predecessor's position.
    since = Coalesce(Subquery(last_read.values("position")[:1]), Value(0))
    after = visible.filter(position__gte=since, created_at__gt=moment)
    return after.order_by("position", "id").first()


# --- What's new listings --------------------------------------------------------------------------


@dataclass
class ThreadFeed:
    threads: list[Thread]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _feed_page(qs: QuerySet[Thread], order: tuple[str, ...], page: int) -> ThreadFeed:
    """A page of a listing: one query for per_page + 1 rows (the extra one says "there is a
    next page"). A page past the end, or past the cap, is a 404 rather than an empty page."""
    if page > WHATS_NEW_MAX_PAGES:
        raise Http404("No such page.")
    start = (page - 1) * WHATS_NEW_PER_PAGE
    rows = listed_page(qs, order, start, WHATS_NEW_PER_PAGE + 1)
    if page > 1 and not rows:
        raise Http404("No such page.")
    has_next = len(rows) > WHATS_NEW_PER_PAGE and page < WHATS_NEW_MAX_PAGES
    return ThreadFeed(threads=rows[:WHATS_NEW_PER_PAGE], page=page, has_next=has_next)


def new_posts(
    perms: Perms, *, page: int = 1, unread: bool = False, participated: bool = False
) -> ThreadFeed:
    """Threads by latest activity. The member-only filters look no further back than the unread
    cut-off, which keeps them to a range of the thread_listed_latest index."""
    qs = thread_list_queryset(perms)
    member = perms.member
    if member is not None and (unread or participated):
        qs = qs.filter(last_post_at__gt=unread_cutoff())
        if unread:
            qs = unread_only(member, qs)
        if participated:
            mine = Post.objects.filter(thread=OuterRef("pk"), author_id=member.pk, is_deleted=False)
            qs = qs.filter(Exists(mine))
    return _feed_page(qs, BY_ACTIVITY, page)


def new_threads(perms: Perms, *, page: int = 1) -> ThreadFeed:
    return _feed_page(thread_list_queryset(perms), BY_START, page)


def latest_members(limit: int = LATEST_MEMBERS_SHOWN) -> list[Member]:
    fields = ("id", "username", "date_joined", "message_count", "custom_title")
    # Accounts still waiting for their confirmation link are nobody yet (and listing them would
    # tell which addresses were free).
    qs = (
        Member.objects.filter(is_active=True, email_confirmed_at__isnull=False)
        .only(*fields)
        .order_by("-date_joined", "-id")
    )
    return list(qs[:limit])
