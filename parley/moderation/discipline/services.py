"""Discipline writes: warnings, bans and the spam cleaner.

Each service asks permission first, runs in one transaction, and writes one moderator log
entry. A ban is enforced by permissions (the member's cached facts carry the active ban), so
creating or lifting one retires those facts; an expired ban needs no write at all: `Perms.ban`
ignores a ban whose end has passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parley.accounts.models import Member
from parley.forums.models import Forum, Post, Thread
from parley.forums.services import counters
from parley.moderation.log.services import log_action
from parley.moderation.models import Ban, Warning
from parley.moderation.reasons import REASON_REQUIRED, clean_reason
from parley.notifications.services import send_alert
from parley.permissions.guardian import perms_for
from parley.permissions.services import permissions_changed

WARNING_MAX_POINTS = 100  # a single warning; totals are unbounded


# --- Warnings -----------------------------------------------------------------------------------


def warn_member(
    *,
    actor: Member,
    member: Member,
    points: int,
    reason: str,
    post: Post | None = None,
    expires_at: datetime | None = None,
) -> Warning:
    """Record a warning (points count until `expires_at`; None: never expire) and alert the
    member. For a post, the actor must moderate the post's forum."""
    perms_for(actor).ensure_can_warn_member(member, post)
    reason = clean_reason(reason, required=REASON_REQUIRED)
    if not 0 <= points <= WARNING_MAX_POINTS:
        raise ValidationError(
            f"Points must be between 0 and {WARNING_MAX_POINTS}.", code="points_range"
        )
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError("The expiry must be in the future.", code="expiry_past")
    with transaction.atomic():
        warning = Warning.objects.create(
            member=member,
            issued_by=actor,
            post=post,
            points=points,
            reason=reason,
            created_at=now,
            expires_at=expires_at,
        )
        log_action(
            actor=actor,
            action="warn",
            target_kind="member",
            target_id=member.pk,
            target_title=member.username,
            reason=reason,
            details={
                "points": points,
                "post_id": post.pk if post else None,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
        send_alert(
            member=member,
            kind="warning",
            text=f"You received a warning ({points} point{'s' if points != 1 else ''}): {reason}",
            url=post.get_absolute_url() if post else "",
        )
    return warning


# --- Bans ---------------------------------------------------------------------------------------


def _ban(
    *, actor: Member, member: Member, reason: str, ends_at: datetime | None, now: datetime
) -> Ban:
    """Replace any ban in force with this one (inside the caller's transaction)."""
    Ban.objects.filter(member=member, lifted_at__isnull=True).update(lifted_at=now)
    ban = Ban.objects.create(
        member=member, banned_by=actor, reason=reason, created_at=now, ends_at=ends_at
    )
    permissions_changed()
    return ban


def ban_member(
    *, actor: Member, member: Member, reason: str, ends_at: datetime | None = None
) -> Ban:
    """Ban until `ends_at` (None: permanently). A new ban replaces the one in force."""
    perms_for(actor).ensure_can_ban_member(member)
    reason = clean_reason(reason, required=REASON_REQUIRED)
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise ValidationError("The end of the ban must be in the future.", code="ends_past")
    with transaction.atomic():
        ban = _ban(actor=actor, member=member, reason=reason, ends_at=ends_at, now=now)
        log_action(
            actor=actor,
            action="ban",
            target_kind="member",
            target_id=member.pk,
            target_title=member.username,
            reason=reason,
            details={"ends_at": ends_at.isoformat() if ends_at else None},
        )
    return ban


def lift_ban(*, actor: Member, member: Member, reason: str = "") -> int:
    """End every ban in force now; returns how many were lifted (0: the member was not banned,
    and nothing is logged)."""
    perms_for(actor).ensure_can_ban_member(member)
    now = timezone.now()
    with transaction.atomic():
        lifted = (
            Ban.objects.filter(member=member, lifted_at__isnull=True)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .update(lifted_at=now)
        )
        if lifted:
            permissions_changed()
            log_action(
                actor=actor,
                action="ban_lift",
                target_kind="member",
                target_id=member.pk,
                target_title=member.username,
                reason=clean_reason(reason),
            )
    return lifted


# --- Spam cleaner -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanResult:
    threads: int
    posts: int
    ban: Ban


def clean_spammer(*, actor: Member, member: Member, reason: str) -> CleanResult:
    """Soft-delete every thread and post the member wrote and ban them permanently: one
    transaction, one log entry. Counters are rebuilt from scratch for every thread, forum and
    author touched (replies by others in a spammer's thread leave the totals with it)."""
    perms_for(actor).ensure_can_ban_member(member)
    reason = clean_reason(reason, required=REASON_REQUIRED)
    now = timezone.now()
    deleted = {"is_deleted": True, "deleted_at": now, "deleted_by": actor, "delete_reason": reason}
    with transaction.atomic():
        thread_ids = list(
            Thread.objects.filter(author=member, is_deleted=False).values_list("pk", flat=True)
        )
        post_rows = list(
            Post.objects.filter(author=member, is_deleted=False).values_list("pk", "thread_id")
        )
        # A deleted item is no longer waiting: undeleting it later publishes it.
        Thread.objects.filter(pk__in=thread_ids).update(awaiting_approval=False, **deleted)
        Post.objects.filter(pk__in=[pk for pk, _ in post_rows]).update(
            awaiting_approval=False, **deleted
        )
        touched = set(thread_ids) | {thread_id for _, thread_id in post_rows}
        threads = list(Thread.objects.filter(pk__in=touched).order_by("pk"))
        for thread in threads:
            counters.resync_thread(thread)
        for forum in Forum.objects.filter(pk__in={t.forum_id for t in threads}):
            counters.resync_forum(forum)
        authors = set(
            Post.objects.filter(thread_id__in=thread_ids)
            .exclude(author=None)
            .values_list("author_id", flat=True)
            .distinct()
        ) | {member.pk}
        for author in Member.objects.filter(pk__in=authors):
            counters.resync_member(author)
        ban = _ban(actor=actor, member=member, reason=reason, ends_at=None, now=now)
        log_action(
            actor=actor,
            action="spam_clean",
            target_kind="member",
            target_id=member.pk,
            target_title=member.username,
            reason=reason,
            details={"threads": len(thread_ids), "posts": len(post_rows)},
        )
    return CleanResult(threads=len(thread_ids), posts=len(post_rows), ban=ban)
