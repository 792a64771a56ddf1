"""Publishing or rejecting what the posting gate held (`moderation.gate`).

A held reply shares its predecessor's position and counts nowhere; a held thread counts nowhere
(its own posts included). Approving publishes: a reply takes its place among the published posts
by when it was written (`resync_thread` renumbers the thread), then the forum's post count and
last post and the author's message count include it. Rejecting soft-deletes with a reason:
nothing was counted, so no counter moves. The author is alerted either way."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from parley.accounts.models import Member
from parley.forums.models import Post, Thread
from parley.forums.services import counters, positions
from parley.moderation.log.services import log_action
from parley.moderation.reasons import clean_reason
from parley.notifications.services import send_alert
from parley.permissions.guardian import perms_for

REJECT_REASON_REQUIRED = "Please say why this is rejected."


def _excerpt(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def approve_post(*, actor: Member, post: Post) -> Post:
    """Publish a held reply where it belongs by time; later replies move down one place."""
    perms_for(actor).ensure_can_approve(post)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=post.thread_id)
        post = Post.objects.select_for_update().get(pk=post.pk)
        if not post.awaiting_approval or post.is_deleted:
            return post  # approved or rejected meanwhile: nothing to do
        # Forum totals, last post and the author's count follow (in a held or deleted thread
        # the post counts only when the thread does).
        with counters.counters_follow([thread.pk]):
            post.awaiting_approval = False
            post.save(update_fields=["awaiting_approval"])
            counters.resync_thread(thread)
        log_action(
            actor=actor,
            action="post_approve",
            target_kind="post",
            target_id=post.pk,
            target_title=thread.title,
        )
        if post.author_id:
            send_alert(
                member=post.author_id,
                kind="post_approved",
                text=f"Your reply in “{thread.title}” was approved and is now visible.",
                url=post.get_absolute_url(),
            )
    post.refresh_from_db()
    return post


def reject_post(*, actor: Member, post: Post, reason: str) -> Post:
    """Soft-delete a held reply with a reason. It was counted nowhere and shares its
    predecessor's position already, so no counter or position changes."""
    perms_for(actor).ensure_can_approve(post)
    reason = clean_reason(reason, required=REJECT_REASON_REQUIRED)
    with transaction.atomic():
        Thread.objects.select_for_update().filter(pk=post.thread_id).first()
        post = Post.objects.select_related("thread").get(pk=post.pk)
        if not post.awaiting_approval or post.is_deleted:
            return post
        # Deleted, no longer waiting: undeleting it later publishes it like any deleted post.
        post.awaiting_approval = False
        positions.mark_deleted(
            post, by=actor, reason=reason, now=timezone.now(), also=["awaiting_approval"]
        )
        log_action(
            actor=actor,
            action="post_reject",
            target_kind="post",
            target_id=post.pk,
            target_title=post.thread.title,
            reason=reason,
        )
        if post.author_id:
            send_alert(
                member=post.author_id,
                kind="post_rejected",
                text=f"Your reply in “{post.thread.title}” was not approved: {reason}",
                url=post.thread.get_absolute_url(),
            )
    return post


def approve_thread(*, actor: Member, thread: Thread) -> Thread:
    """Publish a held thread: the forum gains the thread and its published posts, and each
    author the posts they wrote in it."""
    perms_for(actor).ensure_can_approve(thread)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if not thread.awaiting_approval or thread.is_deleted:
            return thread
        with counters.counters_follow([thread.pk]):
            thread.awaiting_approval = False
            thread.save(update_fields=["awaiting_approval"])
        log_action(
            actor=actor,
            action="thread_approve",
            target_kind="thread",
            target_id=thread.pk,
            target_title=thread.title,
        )
        if thread.author_id:
            send_alert(
                member=thread.author_id,
                kind="thread_approved",
                text=f"Your thread “{thread.title}” was approved and is now visible.",
                url=thread.get_absolute_url(),
            )
    return thread


def reject_thread(*, actor: Member, thread: Thread, reason: str) -> Thread:
    """Soft-delete a held thread with a reason (it counted nowhere, so no totals change)."""
    perms_for(actor).ensure_can_approve(thread)
    reason = clean_reason(reason, required=REJECT_REASON_REQUIRED)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if not thread.awaiting_approval or thread.is_deleted:
            return thread
        thread.awaiting_approval = False
        positions.mark_deleted(
            thread, by=actor, reason=reason, now=timezone.now(), also=["awaiting_approval"]
        )
        log_action(
            actor=actor,
            action="thread_reject",
            target_kind="thread",
            target_id=thread.pk,
            target_title=thread.title,
            reason=reason,
        )
        if thread.author_id:
            send_alert(
                member=thread.author_id,
                kind="thread_rejected",
                text=f"Your thread “{_excerpt(thread.title)}” was not approved: {reason}",
            )
    return thread
