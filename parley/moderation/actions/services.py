"""Moderator actions on posts and threads: soft delete and undelete, hard delete, prefix, move,
merge and split (lock and stick are `forums.services.set_thread_state`; an edit with a reason
is `forums.services.edit_post`).

Every function checks permission (`perms_for(actor)`, the guardian), runs in one transaction with
the thread rows locked, keeps every counter right (positions, reply counts, forum totals, last
posts, member message counts: `counters_follow`) and writes a moderator log entry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from parley.accounts.models import Member
from parley.core.slugs import make_slug
from parley.forums import services
from parley.forums.models import Forum, Post, Prefix, Thread
from parley.forums.services import counters, positions, posting
from parley.moderation.log.services import log_action
from parley.moderation.reasons import clean_reason
from parley.permissions.guardian import perms_for


def _lock_threads(ids: Iterable[int]) -> dict[int, Thread]:
    """Lock thread rows in id order (one order everywhere, so two moderators cannot deadlock)."""
    threads = Thread.objects.select_for_update().filter(pk__in=set(ids)).order_by("pk")
    return {t.pk: t for t in threads}


def _fresh_posts(thread: Thread, posts: Iterable[Post]) -> list[Post]:
    """The posts re-read under the thread lock; every one must still be in `thread`."""
    ids = {p.pk for p in posts}
    fresh = list(Post.objects.filter(pk__in=ids, thread_id=thread.pk))
    if len(fresh) != len(ids):
        raise ValidationError("Some of these posts are no longer in this thread.")
    for post in fresh:
        post.thread = thread
    return fresh


def _log_post(actor: Member, action: str, post: Post, thread: Thread, reason: str = "") -> None:
    log_action(
        actor=actor,
        action=action,
        target_kind="post",
        target_id=post.pk,
        target_title=posting.post_title(post, thread),
        reason=reason,
    )


def _log_thread(
    actor: Member, action: str, thread: Thread, reason: str = "", **details: object
) -> None:
    log_action(
        actor=actor,
        action=action,
        target_kind="thread",
        target_id=thread.pk,
        target_title=thread.title,
        reason=reason,
        details=details or None,
    )


# --- Posts --------------------------------------------------------------------------------------


def soft_delete_post(*, actor: Member, post: Post, reason: str = "") -> None:
    """Soft-delete one post; its thread's first post deletes the thread."""
    delete_posts(actor=actor, thread=post.thread, posts=[post], reason=reason)


def undelete_post(*, actor: Member, post: Post) -> None:
    undelete_posts(actor=actor, thread=post.thread, posts=[post])


def hard_delete_post(*, actor: Member, post: Post, reason: str = "") -> None:
    delete_posts(actor=actor, thread=post.thread, posts=[post], reason=reason, hard=True)


def delete_posts(
    *,
    actor: Member,
    thread: Thread,
    posts: Sequence[Post],
    reason: str = "",
    hard: bool = False,
    now: datetime | None = None,
) -> None:
    """Delete posts of one thread (soft, or for administrators hard). If the selection holds
    the thread's first post, the thread itself is deleted instead."""
    perms = perms_for(actor)
    for post in posts:
        if hard:
            perms.ensure_can_hard_delete(post)
        else:
            perms.ensure_can_moderate_post(post)
    reason = clean_reason(reason)
    with transaction.atomic():
        locked = _lock_threads([thread.pk])[thread.pk]
        fresh = _fresh_posts(locked, posts)
        if any(p.pk == locked.first_post_id for p in fresh):
            _delete_threads(actor, [locked], reason=reason, hard=hard, now=now)
            return
        with counters.counters_follow([locked.pk]):
            if hard:
                positions.remove_posts(locked, fresh)
            else:
                fresh = positions.hide_posts(
                    locked, fresh, by=actor, reason=reason, now=now or timezone.now()
                )
        for post in fresh:
            _log_post(actor, "post_hard_delete" if hard else "post_delete", post, locked, reason)


def undelete_posts(*, actor: Member, thread: Thread, posts: Sequence[Post]) -> None:
    perms = perms_for(actor)
    for post in posts:
        perms.ensure_can_moderate_post(post)
    with transaction.atomic():
        locked = _lock_threads([thread.pk])[thread.pk]
        with counters.counters_follow([locked.pk]):
            changed = positions.unhide_posts(locked, _fresh_posts(locked, posts))
        for post in changed:
            _log_post(actor, "post_undelete", post, locked)


# --- Threads ------------------------------------------------------------------------------------


def soft_delete_thread(*, actor: Member, thread: Thread, reason: str = "") -> None:
    delete_threads(actor=actor, threads=[thread], reason=reason)


def hard_delete_thread(*, actor: Member, thread: Thread, reason: str = "") -> None:
    delete_threads(actor=actor, threads=[thread], reason=reason, hard=True)


def undelete_thread(*, actor: Member, thread: Thread) -> None:
    undelete_threads(actor=actor, threads=[thread])


def delete_threads(
    *,
    actor: Member,
    threads: Sequence[Thread],
    reason: str = "",
    hard: bool = False,
    now: datetime | None = None,
) -> None:
    perms = perms_for(actor)
    for thread in threads:
        if hard:
            perms.ensure_can_hard_delete(thread)
        else:
            perms.ensure_can_moderate_thread(thread)
    with transaction.atomic():
        locked = _lock_threads(t.pk for t in threads)
        _delete_threads(
            actor, list(locked.values()), reason=clean_reason(reason), hard=hard, now=now
        )


def _delete_threads(
    actor: Member, threads: list[Thread], *, reason: str, hard: bool, now: datetime | None
) -> None:
    """Inside the transaction, with the rows locked."""
    now = now or timezone.now()
    if not hard:
        threads = [t for t in threads if not t.is_deleted]
    with counters.counters_follow(t.pk for t in threads):
        for thread in threads:
            if hard:
                Thread.objects.filter(pk=thread.pk).delete()  # posts and stubs go with it
            else:
                positions.hide_thread(thread, by=actor, reason=reason, now=now)
    for thread in threads:
        _log_thread(actor, "thread_hard_delete" if hard else "thread_delete", thread, reason)


def undelete_threads(*, actor: Member, threads: Sequence[Thread]) -> None:
    perms = perms_for(actor)
    for thread in threads:
        perms.ensure_can_moderate_thread(thread)
    with transaction.atomic():
        locked = [t for t in _lock_threads(t.pk for t in threads).values() if t.is_deleted]
        with counters.counters_follow(t.pk for t in locked):
            for thread in locked:
                positions.unhide_thread(thread)
        for thread in locked:
            _log_thread(actor, "thread_undelete", thread)


def set_threads_state(
    *,
    actor: Member,
    threads: Sequence[Thread],
    is_locked: bool | None = None,
    is_sticky: bool | None = None,
) -> None:
    """Lock/unlock or stick/unstick several threads at once (inline moderation)."""
    with transaction.atomic():
        for thread in threads:
            services.set_thread_state(
                actor=actor, thread=thread, is_locked=is_locked, is_sticky=is_sticky
            )


def set_thread_prefix(*, actor: Member, thread: Thread, prefix: Prefix | None) -> None:
    perms_for(actor).ensure_can_moderate_thread(thread)
    with transaction.atomic():
        locked = _lock_threads([thread.pk])[thread.pk]
        if locked.prefix_id == (prefix.pk if prefix else None):
            return
        old = locked.prefix.title if locked.prefix else ""
        Thread.objects.filter(pk=locked.pk).update(prefix=prefix)
        _log_thread(actor, "thread_prefix", locked, old=old, new=prefix.title if prefix else "")
    thread.prefix = prefix


# --- Move, merge, split -------------------------------------------------------------------------


def _leave_redirect(
    thread: Thread, *, forum_id: int, target: Thread, expires_at: datetime | None
) -> Thread:
    """A stub in `forum_id` that lists as "Moved: title" and leads to `target`."""
    return Thread.objects.create(
        forum_id=forum_id,
        title=thread.title,
        slug=thread.slug,
        prefix_id=thread.prefix_id,
        author_id=thread.author_id,
        author_name=thread.author_name,
        created_at=thread.created_at,
        last_post_at=target.last_post_at,
        redirect_to=target,
        redirect_expires_at=expires_at,
    )


def move_thread(
    *,
    actor: Member,
    thread: Thread,
    forum: Forum,
    leave_redirect: bool = False,
    redirect_expires_at: datetime | None = None,
    reason: str = "",
) -> None:
    move_threads(
        actor=actor,
        threads=[thread],
        forum=forum,
        leave_redirect=leave_redirect,
        redirect_expires_at=redirect_expires_at,
        reason=reason,
    )
    thread.forum = forum


def move_threads(
    *,
    actor: Member,
    threads: Sequence[Thread],
    forum: Forum,
    leave_redirect: bool = False,
    redirect_expires_at: datetime | None = None,
    reason: str = "",
) -> None:
    """Move threads to `forum`, optionally leaving a "Moved" redirect where each was."""
    perms = perms_for(actor)
    for thread in threads:
        perms.ensure_can_move_thread_to(thread, forum)
        if thread.redirect_to_id:
            raise ValidationError("A redirect cannot be moved; move the thread it leads to.")
    reason = clean_reason(reason)
    with transaction.atomic():
        locked = _lock_threads(t.pk for t in threads)
        with counters.counters_follow(locked):
            moves = [(thread, thread.forum_id) for thread in locked.values()]
            for thread, source_id in moves:
                thread.forum = forum
                thread.save(update_fields=["forum"])
                # Back to where it left a stub: the stub has nothing left to say.
                Thread.objects.filter(redirect_to=thread, forum=forum).delete()
                if leave_redirect:
                    _leave_redirect(
                        thread, forum_id=source_id, target=thread, expires_at=redirect_expires_at
                    )
        for thread, source_id in moves:
            _log_thread(
                actor,
                "thread_move",
                thread,
                reason,
                from_forum=source_id,
                to_forum=forum.pk,
                redirect=leave_redirect,
            )


def merge_threads(
    *,
    actor: Member,
    target: Thread,
    sources: Sequence[Thread],
    leave_redirects: bool = False,
    redirect_expires_at: datetime | None = None,
    reason: str = "",
) -> Thread:
    """The sources' posts join `target` in date order; each source becomes a redirect to it or
    is removed."""
    sources = [s for s in sources if s.pk != target.pk]
    if not sources:
        raise ValidationError("Choose at least one thread to merge into the target.")
    if any(t.redirect_to_id for t in (target, *sources)):
        raise ValidationError("Redirects cannot be merged.")
    perms_for(actor).ensure_can_merge_threads(target, sources)
    reason = clean_reason(reason)
    with transaction.atomic():
        locked = _lock_threads([target.pk, *(s.pk for s in sources)])
        into = locked[target.pk]
        merged = [locked[s.pk] for s in sources]
        with counters.counters_follow(locked):
            Post.objects.filter(thread__in=merged).update(thread=into)
            Thread.objects.filter(redirect_to__in=merged).update(redirect_to=into)
            views = sum(t.view_count for t in merged)
            Thread.objects.filter(pk=into.pk).update(view_count=F("view_count") + views)
            counters.resync_thread(into)
            counters.rebuild_first_post_info(into)
            into.refresh_from_db()
            for source in merged:
                if leave_redirects:
                    _become_redirect(source, into, redirect_expires_at)
                else:
                    Thread.objects.filter(pk=source.pk).delete()  # keeps source.pk for the log
        for source in merged:
            _log_thread(actor, "thread_merge", source, reason, into=into.pk, into_title=into.title)
    return into


def _become_redirect(thread: Thread, target: Thread, expires_at: datetime | None) -> None:
    thread.redirect_to = target
    thread.redirect_expires_at = expires_at
    thread.is_sticky = False
    thread.reply_count = thread.last_position = 0
    thread.first_post = thread.last_post = None
    thread.last_post_at = target.last_post_at
    thread.save(
        update_fields=[
            "redirect_to",
            "redirect_expires_at",
            "is_sticky",
            "reply_count",
            "last_position",
            "first_post",
            "last_post",
            "last_post_at",
        ]
    )


def split_posts(
    *,
    actor: Member,
    thread: Thread,
    posts: Sequence[Post],
    title: str,
    forum: Forum,
    prefix: Prefix | None = None,
    reason: str = "",
) -> Thread:
    """Selected posts of `thread` become a new thread in `forum`, keeping their dates; both
    threads are renumbered and start at their earliest post."""
    perms = perms_for(actor)
    perms.ensure_can_split_posts_to(thread, forum)
    for post in posts:
        perms.ensure_can_moderate_post(post)
    title = services.clean_title(title)
    with transaction.atomic():
        source = _lock_threads([thread.pk])[thread.pk]
        chosen = sorted(_fresh_posts(source, posts), key=lambda p: (p.created_at, p.pk))
        chosen_ids = {p.pk for p in chosen}
        rest = Post.objects.filter(thread=source).exclude(pk__in=chosen_ids)
        left = rest.order_by("created_at", "pk").first()
        if not chosen or left is None:
            raise ValidationError("Choose some posts, and leave at least one in the thread.")
        if not _published(chosen[0]) or not _published(left):
            raise ValidationError(
                "Both threads must start with a visible post: undelete or approve it first."
            )
        with counters.counters_follow([source.pk]) as ids:
            first = chosen[0]
            new = Thread.objects.create(
                forum=forum,
                title=title,
                slug=make_slug(title),
                prefix=prefix,
                author_id=first.author_id,
                author_name=first.author_name,
                created_at=first.created_at,
                last_post_at=first.created_at,
            )
            ids.add(new.pk)
            Post.objects.filter(pk__in=chosen_ids).update(thread=new)
            for changed in (source, new):
                counters.resync_thread(changed)
                counters.rebuild_first_post_info(changed)
        _log_thread(
            actor,
            "thread_split",
            source,
            clean_reason(reason),
            new_thread=new.pk,
            new_title=new.title,
            posts=sorted(chosen_ids),
        )
    return new


def _published(post: Post) -> bool:
    return not (post.is_deleted or post.awaiting_approval)


def purge_expired_redirects(*, now: datetime | None = None) -> int:
    """Remove redirect stubs whose time is up (an hourly job; stubs count in no totals)."""
    expired = Thread.objects.filter(
        redirect_to__isnull=False, redirect_expires_at__lte=now or timezone.now()
    )
    ids = list(expired.values_list("pk", flat=True))
    Thread.objects.filter(pk__in=ids).delete()
    return len(ids)
