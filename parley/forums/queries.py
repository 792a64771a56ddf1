"""Reads for forum pages. Each returns a fixed number of queries whatever the data size, and
everything goes through permissions' visible_* filters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.db.models import Q, QuerySet

from parley.core import knobs
from parley.core.pagination import (
    PageNav,
    PastTheEnd,
    checked_page,
    page_count,
    position_range,
)
from parley.core.prepared import PreparedQuery
from parley.forums.models import Category, Forum, Post, Thread
from parley.permissions.guardian import Perms
from parley.permissions.guardian.posts import PostsShape, posts_in_thread_filter

INDEX_FORUM_RELATED = ("last_post", "last_post__thread", "last_post__thread__prefix")
# What a thread row shows beside the thread.
LIST_RELATED = ("prefix", "forum", "last_post")
# A last post is shown by its author, time and link: its text (kilobytes a row) is not read.
LAST_POST_TEXT = ("last_post__body_source", "last_post__body_html")
# A forum's list; ids break ties, so page N always holds the same threads. The thread_listing
# index has these keys, then the columns visibility asks about.
FORUM_LIST_ORDER = ("-is_sticky", "-last_post_at", "-id")


def index_categories(perms: Perms) -> list[Category]:
    """Categories, each with `.top_forums`, each forum with `.subforums` (two queries)."""
    forums = list(
        perms.visible_forums(
            Forum.objects.select_related(*INDEX_FORUM_RELATED).defer(*LAST_POST_TEXT)
        )
    )
    by_parent: dict[int, list[Forum]] = {}
    for forum in forums:
        if forum.parent_id:
            by_parent.setdefault(forum.parent_id, []).append(forum)
    for forum in forums:
        forum.subforums = by_parent.get(forum.pk, [])  # type: ignore[attr-defined]
        # Index totals include sub-forums, as readers expect.
        forum.total_threads = forum.thread_count + sum(f.thread_count for f in forum.subforums)  # type: ignore[attr-defined]
        forum.total_posts = forum.post_count + sum(f.post_count for f in forum.subforums)  # type: ignore[attr-defined]
    categories = list(Category.objects.all())
    for category in categories:
        category.top_forums = [
            f for f in forums if f.category_id == category.pk and f.parent_id is None
        ]
    return [c for c in categories if c.top_forums]


def subforums_of(perms: Perms, forum: Forum) -> list[Forum]:
    """The sub-forums the reader sees, with their last posts; no query when there are none."""
    ids = perms.visible_subforum_ids(forum.pk)
    if not ids:
        return []
    return list(
        Forum.objects.filter(pk__in=ids).select_related(*INDEX_FORUM_RELATED).defer(*LAST_POST_TEXT)
    )


def thread_list_queryset(perms: Perms, *, forum: Forum | None = None) -> QuerySet[Thread]:
    """Threads for listings: the board's, or one forum's. "Moved" stubs belong only in their old
    forum's list, and only for readers who may read where they lead (a stub's title must not
    outlive a move into a forum the reader cannot see)."""
    qs = Thread.objects.select_related(*LIST_RELATED).defer(*LAST_POST_TEXT)
    if forum is None:
        return perms.visible_threads(qs.filter(redirect_to__isnull=True))
    # visible_redirects decides which stubs; asked about the forum's stubs alone, its join to
    # where they lead stays out of the listing's index walk (PostgreSQL hashed the whole threads
    # table for that join, then sorted the forum's threads).
    stubs = perms.visible_redirects(Thread.objects.filter(forum=forum, redirect_to__isnull=False))
    listed = Q(redirect_to__isnull=True) | Q(pk__in=stubs.values("pk"))
    return perms.visible_threads(qs.filter(listed, forum=forum))


def listed_page(qs: QuerySet[Thread], order: Sequence[str], start: int, count: int) -> list[Thread]:
    """Rows `start` to `start + count` of a thread listing, in one query, by a deferred join: the
    OFFSET walks an index holding the order and every column the filters read (thread_listing,
    thread_listed_latest, thread_listed_newest), picking ids only; just the page's rows are then
    read, with their forum, prefix and last post. The cost grows with how deep the page is, not
    with the threads table, and skipped rows cost an index entry each rather than a row and
    three joins.

    Precondition: every key of `order` is descending and ends in "-id". The outer query has no
    ORDER BY (so no plan sorts anything there either): its few rows are put in order here."""
    if not order or order[-1] != "-id" or not all(key.startswith("-") for key in order):
        raise ValueError(f"A listing's keys are descending and end in the id: {order}")
    fields = [key.removeprefix("-") for key in order]
    ids = qs.order_by(*order).values("pk")[start : start + count]
    rows = list(
        Thread.objects.select_related(*LIST_RELATED)
        .defer(*LAST_POST_TEXT)
        .filter(pk__in=ids)
        .order_by()
    )
    rows.sort(key=attrgetter(*fields), reverse=True)
    return rows


@dataclass
class ThreadListPage:
    threads: list[Thread]
    nav: PageNav


def forum_threads(perms: Perms, forum: Forum, page: int | None) -> ThreadListPage:
    """A page of the forum's list. Its length is known from the stored count of published
    threads, but a reader may also see rows it leaves out ("Moved" stubs, their own held threads,
    deleted ones for moderators): one row past the page tells whether a further page exists, so
    the oldest threads stay reachable without counting anything."""
    per_page = knobs.THREADS_PER_PAGE.get()
    current = page or 1
    start = (current - 1) * per_page
    qs = thread_list_queryset(perms, forum=forum)
    rows = listed_page(qs, FORUM_LIST_ORDER, start, per_page + 1) if current >= 1 else []
    if current > 1 and not rows:
        # Past the end (a rare path): count what this reader is listed to find their last page.
        raise PastTheEnd(page_count(qs.count(), per_page))
    counted = page_count(forum.thread_count, per_page)
    last = max(counted, current + 1 if len(rows) > per_page else current)
    return ThreadListPage(threads=rows[:per_page], nav=checked_page(current, last))


@dataclass
class PostPage:
    posts: list[Post]
    nav: PageNav


def _page_of_posts(values: Mapping[str, Any], shape: PostsShape) -> QuerySet[Post]:
    return (
        Post.objects.filter(
            posts_in_thread_filter(shape, values),
            thread_id=values["thread_id"],
            position__range=(values["first"], values["last"]),
        )
        .select_related("author")
        .order_by("position", "id")
    )


def _posts_after(values: Mapping[str, Any], shape: tuple[PostsShape, int]) -> QuerySet[Post]:
    visible, limit = shape  # a LIMIT is written into the SQL: part of the shape
    return (
        Post.objects.filter(
            posts_in_thread_filter(visible, values),
            thread_id=values["thread_id"],
            position__gt=values["position"],
        )
        .select_related("author")
        .order_by("position", "id")[:limit]
    )


# The posts of every thread page: their SQL is compiled once per process and per kind of reader
# (core/prepared.py). The thread was proved visible by get_thread, so the filter asks only
# about each post (perms.posts_in_thread), with no join to the thread or its forum.
PAGE_OF_POSTS = PreparedQuery(Post, _page_of_posts)
POSTS_AFTER = PreparedQuery(Post, _posts_after)


def thread_posts(perms: Perms, thread: Thread, page: int | None) -> PostPage:
    per_page = knobs.POSTS_PER_PAGE.get()
    nav = checked_page(page, page_count(thread.last_position, per_page))
    first, last = position_range(nav.current, per_page)
    visible = perms.posts_in_thread(thread)
    posts = PAGE_OF_POSTS.fetch(
        visible.shape, thread_id=thread.pk, first=first, last=last, **visible.values
    )
    for post in posts:
        post.thread = thread  # every post shares the thread already loaded: no query per post
    return PostPage(posts=posts, nav=nav)


def posts_after(perms: Perms, thread: Thread, position: int, limit: int) -> list[Post]:
    """Posts after `position`, for appending to an open page (a range scan, like a page)."""
    visible = perms.posts_in_thread(thread)
    posts = POSTS_AFTER.fetch(
        (visible.shape, limit), thread_id=thread.pk, position=position, **visible.values
    )
    for post in posts:
        post.thread = thread
    return posts


def recent_posts_by(perms: Perms, member_id: int, limit: int = 10) -> list[Post]:
    qs = perms.visible_posts(
        Post.objects.filter(author_id=member_id).select_related("thread", "thread__forum"),
    ).order_by("-created_at")
    return list(qs[:limit])


def latest_threads(perms: Perms, limit: int = 30) -> list[Thread]:
    return list(thread_list_queryset(perms).order_by("-last_post_at", "-id")[:limit])
