"""Hiding, showing and removing posts and threads, and the renumbering behind it: a post's
`position` is 1-based among its thread's published posts and contiguous, so a thread page is a
position range (no OFFSET), and a post that stops or starts counting moves every later post.
Soft-deleted and held posts share their predecessor's position.

The row-level helpers moderation builds its verbs from. No permission checks and no counters
beyond the thread's own tail: callers check, lock the thread row and wrap the work in
`counters.counters_follow`."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db.models import Case, F, IntegerField, Q, Value, When

from parley.accounts.models import Member
from parley.forums.models import Post, Thread
from parley.forums.services.counters import refresh_thread_tail


def _at_or_after(post: Post) -> Q:
    """`post` and the posts after it in thread order, (created_at, id), found through the
    position index: positions never decrease along that order, so only posts sharing `post`'s
    position need the order itself. `post` holds its values from before any shift."""
    return (
        Q(position__gt=post.position)
        | Q(position=post.position, created_at__gt=post.created_at)
        | Q(position=post.position, created_at=post.created_at, pk__gte=post.pk)
    )


def _order(post: Post) -> tuple[datetime, int]:
    return (post.created_at, post.pk)


def _shift(thread: Thread, posts: Iterable[Post], moving: Sequence[Post], delta: int) -> None:
    """Each post of `moving` (fresh rows of `thread`) started (+1) or stopped (-1) counting:
    every post at or after it moves by `delta`, so a post moves once per such post at or before
    it. One UPDATE however long the thread or the selection; `posts` (the selection, `moving`
    among them) learn their new positions."""
    if not moving:
        return
    moving = sorted(moving, key=_order)
    # Checked latest first, the first match counts the moving posts at or before the row.
    steps = [When(_at_or_after(p), then=Value(n)) for n, p in enumerate(moving, start=1)]
    first = moving[0]
    # The plain range lets the (thread, position) index find the rows.
    rows = Post.objects.filter(thread_id=thread.pk, position__gte=first.position)
    rows.filter(_at_or_after(first)).update(
        position=F("position")
        + delta * Case(*reversed(steps), default=Value(0), output_field=IntegerField())
    )
    keys = [_order(p) for p in moving]
    for post in posts:
        post.position += delta * bisect_right(keys, _order(post))


def _latest_first(posts: Iterable[Post]) -> list[Post]:
    # The order the verbs have always reported (and logged) their posts in.
    return sorted(posts, key=_order, reverse=True)


def hide_posts(
    thread: Thread, posts: Iterable[Post], *, by: Member, reason: str, now: datetime
) -> list[Post]:
    """Soft-delete posts of a locked thread (fresh rows, not its first post): each shares its
    predecessor's position from now on. Returns the posts that changed."""
    changed = _latest_first(p for p in posts if not p.is_deleted)
    if not changed:
        return changed
    _shift(thread, changed, [p for p in changed if not p.awaiting_approval], -1)
    Post.objects.filter(pk__in=[p.pk for p in changed]).update(
        is_deleted=True, deleted_at=now, deleted_by=by, delete_reason=reason
    )
    for post in changed:
        post.is_deleted = True
        post.deleted_at = now
        post.deleted_by = by
        post.delete_reason = reason
    refresh_thread_tail(thread)
    return changed


def unhide_posts(thread: Thread, posts: Iterable[Post]) -> list[Post]:
    """Undelete posts of a locked thread (fresh rows); a held post goes back to waiting."""
    changed = _latest_first(p for p in posts if p.is_deleted)
    if not changed:
        return changed
    _shift(thread, changed, [p for p in changed if not p.awaiting_approval], +1)
    Post.objects.filter(pk__in=[p.pk for p in changed]).update(
        is_deleted=False, deleted_at=None, deleted_by=None, delete_reason=""
    )
    for post in changed:
        post.is_deleted = False
        post.deleted_at = None
        post.deleted_by = None
        post.delete_reason = ""
    refresh_thread_tail(thread)
    return changed


def remove_posts(thread: Thread, posts: Iterable[Post]) -> None:
    """Delete posts of a locked thread for good (not its first post)."""
    posts = list(posts)
    # The instances keep their ids for the log.
    Post.objects.filter(pk__in=[p.pk for p in posts]).delete()
    _shift(thread, posts, [p for p in posts if not (p.is_deleted or p.awaiting_approval)], -1)
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
