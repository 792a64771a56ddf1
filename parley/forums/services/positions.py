"""Hiding, showing and removing posts and threads, and the renumbering behind it: a post's
`position` is 1-based among its thread's published posts and contiguous, so a thread page is a
position range (no OFFSET), and a post that stops or starts counting moves every later post.
Soft-deleted and held posts share their predecessor's position.

The row-level helpers moderation builds its verbs from. No permission checks and no counters
beyond the thread's own tail: callers check, lock the thread row and wrap the work in
`counters.counters_follow`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db.models import F, Q, QuerySet

from parley.accounts.models import Member
from parley.forums.models import Post, Thread
from parley.forums.services.counters import refresh_thread_tail


def _after(post: Post) -> QuerySet[Post]:
    """The posts that come after `post` in its thread's order, (created_at, id)."""
    return Post.objects.filter(thread_id=post.thread_id).filter(
        Q(created_at__gt=post.created_at) | Q(created_at=post.created_at, pk__gt=post.pk)
    )


def _shift_after(post: Post, delta: int) -> None:
    """`post` became published (+1) or stopped being so (-1): it and every later post move."""
    _after(post).update(position=F("position") + delta)
    post.position += delta


def _latest_first(posts: Iterable[Post]) -> list[Post]:
    # A shift moves only later posts, so working backwards keeps the earlier ones' positions.
    return sorted(posts, key=lambda p: (p.created_at, p.pk), reverse=True)


def hide_posts(
    thread: Thread, posts: Iterable[Post], *, by: Member, reason: str, now: datetime
) -> list[Post]:
    """Soft-delete posts of a locked thread (fresh rows, not its first post): each shares its
    predecessor's position from now on. Returns the posts that changed."""
    changed = []
    for post in _latest_first(p for p in posts if not p.is_deleted):
        if not post.awaiting_approval:
            _shift_after(post, -1)
        mark_deleted(post, by=by, reason=reason, now=now, also=["position"])
        changed.append(post)
    if changed:
        refresh_thread_tail(thread)
    return changed


def unhide_posts(thread: Thread, posts: Iterable[Post]) -> list[Post]:
    """Undelete posts of a locked thread (fresh rows); a held post goes back to waiting."""
    changed = []
    for post in _latest_first(p for p in posts if p.is_deleted):
        if not post.awaiting_approval:
            _shift_after(post, +1)
        post.is_deleted = False
        post.deleted_at = None
        post.deleted_by = None
        post.delete_reason = ""
        post.save(
            update_fields=["is_deleted", "deleted_at", "deleted_by", "delete_reason", "position"]
        )
        changed.append(post)
    if changed:
        refresh_thread_tail(thread)
    return changed


def remove_posts(thread: Thread, posts: Iterable[Post]) -> None:
    """Delete posts of a locked thread for good (not its first post)."""
    for post in _latest_first(posts):
        if not (post.is_deleted or post.awaiting_approval):
            _shift_after(post, -1)
        Post.objects.filter(pk=post.pk).delete()  # the instance keeps its id for the log
    refresh_thread_tail(thread)


def mark_deleted(
    obj: Thread | Post, *, by: Member, reason: str, now: datetime, also: Sequence[str] = ()
) -> None:
    """Flag a thread or post soft-deleted, recording who and why (`also`: other fields the
    caller changed on `obj` and wants saved in the same UPDATE). Counters are the caller's."""
    obj.is_deleted = True
    obj.deleted_at = now
    obj.deleted_by = by
    obj.delete_reason = reason
    obj.save(update_fields=["is_deleted", "deleted_at", "deleted_by", "delete_reason", *also])


def hide_thread(thread: Thread, *, by: Member, reason: str, now: datetime) -> None:
    mark_deleted(thread, by=by, reason=reason, now=now)


def unhide_thread(thread: Thread) -> None:
    thread.is_deleted = False
    thread.deleted_at = None
    thread.deleted_by = None
    thread.delete_reason = ""
    thread.save(update_fields=["is_deleted", "deleted_at", "deleted_by", "delete_reason"])
