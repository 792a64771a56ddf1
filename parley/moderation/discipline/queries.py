"""Discipline reads: a member's warnings in force and their points, the ban in force, and what
the spam cleaner would remove."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from parley.accounts.models import Member
from parley.forums.models import Post, Thread
from parley.moderation.models import Ban, Warning


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


def spam_footprint(member: Member) -> tuple[int, int]:
    """(threads, posts) the spam cleaner would remove: for its confirmation page."""
    return (
        Thread.objects.filter(author=member, is_deleted=False).count(),
        Post.objects.filter(author=member, is_deleted=False).count(),
    )
