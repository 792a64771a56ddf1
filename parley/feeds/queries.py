"""Reads for feeds and the sitemap. They always show the board as a guest sees it, whoever asks:
a feed's address is shared between readers (feed readers, aggregators, a member pasting it into
a public service), so what it lists must not depend on the cookie that fetched it. Each read is
a fixed number of queries however many items it returns."""

from __future__ import annotations

from django.db.models import QuerySet

from parley.forums.models import Forum, Post, Thread
from parley.permissions.guardian import Perms, perms_for

FEED_ITEMS = 20  # items per feed: what readers show at a glance, as XenForo's feeds carry


def guest_perms() -> Perms:
    return perms_for(None)


def public_threads(perms: Perms) -> QuerySet[Thread]:
    """Published threads a guest may read; "Moved" stubs are never an item (they have no posts
    and lead elsewhere, where the thread itself is listed)."""
    return perms.visible_threads(Thread.objects.filter(redirect_to__isnull=True))


def latest_threads(perms: Perms, forum: Forum | None = None) -> list[Thread]:
    """The newest threads (by when they were started), each with its prefix, forum and first
    post (one query)."""
    qs = public_threads(perms).select_related("prefix", "forum", "first_post")
    if forum is not None:
        qs = qs.filter(forum=forum)
    qs = qs.defer("first_post__body_source").order_by("-created_at", "-id")
    return list(qs[:FEED_ITEMS])


def latest_posts(perms: Perms, thread: Thread) -> list[Post]:
    """The thread's newest published posts, newest first (one query)."""
    qs = perms.visible_posts(Post.objects.filter(thread=thread)).defer("body_source")
    posts = list(qs.order_by("-position", "-id")[:FEED_ITEMS])
    for post in posts:
        post.thread = thread  # every post shares the thread already loaded: no query per post
    return posts
