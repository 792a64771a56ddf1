"""Discipline reads: a member's warnings in force and their points, the ban in force (also as the
permissions layer's ban lookup, `ban_facts`), and what the spam cleaner would remove."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from parley.accounts.models import Member
from parley.forums.models import Post, Thread
from parley.moderation.models import Ban, Warning
from parley.permissions.grants import BanFacts


def active_warnings(member: Member, *, now: datetime | None = None) -> QuerySet[Warning]:
    now = now or timezone.now()
    return Warning.objects.filter(member=member).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def active_warning_points(member: Member, *, now: datetime | None = None) -> int:
    """Points of the member's warnings that have not expired."""
    return active_warnings(member, now=now).aggregate(total=Sum("points"))["total"] or 0


def active_ban(member: Member, *, now: datetime | None = None) -> Ban | None:
    """The ban in force: a permanent one first, else the one ending last."""
    now = now or timezone.now()
    bans = Ban.objects.filter(member=member, lifted_at__isnull=True).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )
    return bans.filter(ends_at__isnull=True).first() or bans.order_by("-ends_at").first()


def ban_facts(member_id: int) -> BanFacts | None:
    """The member's ban for their cached permission facts (`grants.provide_ban_lookup`): a
    permanent one first, else the one ending last. An ended ban may be returned: the facts live
    until the next stamp, so `Perms.ban` checks the end on every request anyway."""
    ban = (
        Ban.objects.filter(member_id=member_id, lifted_at__isnull=True)
        .order_by(F("ends_at").desc(nulls_first=True))
        .values_list("reason", "ends_at")
        .first()
    )
    return BanFacts(reason=ban[0], ends_at=ban[1]) if ban else None


def spam_footprint(member: Member) -> tuple[int, int]:
    """(threads, posts) the spam cleaner would remove: for its confirmation page."""
    return (
        Thread.objects.filter(author=member, is_deleted=False).count(),
        Post.objects.filter(author=member, is_deleted=False).count(),
    )
