"""Who may take which moderator action: soft and hard deletes, edit history, moving, merging
and splitting threads, inline moderation, the moderator log.

Same four kinds of function as the package (`can_*`, `ensure_can_*`, `get_*_for`, `visible_*`),
built on its answers; nothing here reads roles other than through `Perms`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from parley.permissions import (
    Perms,
    _ensure_not_banned,
    can_moderate_forum,
    can_moderate_thread,
    can_start_thread,
    can_view_forum,
    can_view_post,
    can_view_thread,
    visible_forums,
)
from parley.permissions.registry import MODERATE, START_THREAD

if TYPE_CHECKING:
    from parley.forums.models import Forum, Post, Thread

INLINE_MAX_ITEMS = 200  # one inline action touches at most this many posts or threads


def can_moderate_post(perms: Perms, post: Post) -> bool:
    """Soft delete, undelete, edit with a reason: moderators of the post's forum."""
    return (
        perms.can_act
        and can_moderate_forum(perms, post.thread.forum_id)
        and can_view_post(perms, post)
    )


def can_moderate_threads_in(perms: Perms, forum: Forum) -> bool:
    """Inline moderation of a forum's thread list."""
    return perms.can_act and can_moderate_forum(perms, forum.pk)


def can_act_on_thread(perms: Perms, thread: Thread) -> bool:
    """Every thread action (lock, stick, delete, prefix, move out, merge): moderators of its
    forum who are not banned."""
    return perms.can_act and can_moderate_thread(perms, thread)


def can_hard_delete(perms: Perms, obj: Post | Thread) -> bool:
    """Removing rows for good is for administrators."""
    from parley.forums.models import Post

    if not (perms.can_act and perms.is_admin):
        return False
    return can_view_post(perms, obj) if isinstance(obj, Post) else can_view_thread(perms, obj)


def can_view_history(perms: Perms, post: Post) -> bool:
    return can_moderate_forum(perms, post.thread.forum_id) and can_view_post(perms, post)


def can_view_moderator_log(perms: Perms) -> bool:
    return perms.is_admin


def can_post_into(perms: Perms, forum: Forum) -> bool:
    """A forum a moderator may put a thread into (move, split): they see it and may start
    threads there or moderate it."""
    return can_view_forum(perms, forum) and (
        can_start_thread(perms, forum) or can_moderate_forum(perms, forum.pk)
    )


def can_move_thread_to(perms: Perms, thread: Thread, forum: Forum) -> bool:
    return (
        can_act_on_thread(perms, thread)
        and forum.pk != thread.forum_id
        and can_post_into(perms, forum)
    )


def can_merge_threads(perms: Perms, target: Thread, sources: Iterable[Thread]) -> bool:
    return all(can_act_on_thread(perms, t) for t in (target, *sources))


def can_split_posts_to(perms: Perms, thread: Thread, forum: Forum) -> bool:
    return can_act_on_thread(perms, thread) and can_post_into(perms, forum)


def visible_target_forums(perms: Perms, qs: QuerySet[Forum]) -> QuerySet[Forum]:
    """Forums `can_post_into` allows, for the move and split forms' choices."""
    allowed = perms.forums_with(START_THREAD) if perms.can_act else frozenset()
    return visible_forums(perms, qs).filter(pk__in=allowed | perms.forums_with(MODERATE))


# --- ensure_can_* -------------------------------------------------------------------------------


def _ensure(allowed: bool, reason: str) -> None:
    if not allowed:
        raise PermissionDenied(reason)


def ensure_can_moderate_threads_in(perms: Perms, forum: Forum) -> None:
    _ensure_not_banned(perms)  # a banned moderator reads, and is told why they cannot act
    _ensure(can_moderate_threads_in(perms, forum), "Only moderators of this forum may do this.")


def ensure_can_moderate_post(perms: Perms, post: Post) -> None:
    _ensure_not_banned(perms)  # a banned moderator reads, and is told why they cannot act
    _ensure(can_moderate_post(perms, post), "Only moderators of this forum may do this.")


def ensure_can_act_on_thread(perms: Perms, thread: Thread) -> None:
    _ensure_not_banned(perms)  # a banned moderator reads, and is told why they cannot act
    _ensure(can_act_on_thread(perms, thread), "Only moderators of this forum may do this.")


def ensure_can_hard_delete(perms: Perms, obj: Post | Thread) -> None:
    _ensure(can_hard_delete(perms, obj), "Only administrators may delete permanently.")


def ensure_can_view_history(perms: Perms, post: Post) -> None:
    if not can_view_history(perms, post):
        raise Http404("No such page.")  # the history's existence is for moderators only


def ensure_can_view_moderator_log(perms: Perms) -> None:
    if not can_view_moderator_log(perms):
        raise Http404("No such page.")


def ensure_can_move_thread_to(perms: Perms, thread: Thread, forum: Forum) -> None:
    ensure_can_act_on_thread(perms, thread)
    _ensure(can_move_thread_to(perms, thread, forum), "You may not move threads to that forum.")


def ensure_can_merge_threads(perms: Perms, target: Thread, sources: Iterable[Thread]) -> None:
    _ensure(can_merge_threads(perms, target, sources), "You may not merge these threads.")


def ensure_can_split_posts_to(perms: Perms, thread: Thread, forum: Forum) -> None:
    ensure_can_act_on_thread(perms, thread)
    _ensure(can_split_posts_to(perms, thread, forum), "You may not create threads there.")


# --- get_*_for: inline moderation re-fetches every submitted id ---------------------------------


def get_posts_to_moderate_for(perms: Perms, thread: Thread, ids: Iterable[int]) -> list[Post]:
    """The posts of `thread` with these ids, all of which the reader moderates; a crafted id
    (another thread's post, one they may not see or moderate) refuses the whole request."""
    from parley.forums.models import Post

    wanted = set(ids)
    if not wanted or len(wanted) > INLINE_MAX_ITEMS:
        raise Http404("No such posts.")
    posts = list(Post.objects.filter(pk__in=wanted, thread=thread).select_related("author"))
    for post in posts:
        post.thread = thread
    if len(posts) != len(wanted) or not all(can_moderate_post(perms, p) for p in posts):
        raise Http404("No such posts.")
    return posts


def get_threads_to_moderate_for(perms: Perms, forum: Forum, ids: Iterable[int]) -> list[Thread]:
    """The threads of `forum` with these ids, all of which the reader moderates (else 404)."""
    from parley.forums.models import Thread

    wanted = set(ids)
    if not wanted or len(wanted) > INLINE_MAX_ITEMS:
        raise Http404("No such threads.")
    threads = list(Thread.objects.filter(pk__in=wanted, forum=forum).select_related("forum"))
    if len(threads) != len(wanted) or not all(can_act_on_thread(perms, t) for t in threads):
        raise Http404("No such threads.")
    return threads
