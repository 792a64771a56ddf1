"""Sending and reading alerts."""

from __future__ import annotations

from django.utils import timezone

from parley.accounts.models import Member
from parley.notifications.models import Alert


def send_alert(*, member: Member | int, kind: str, text: str, url: str = "") -> Alert:
    """Record an alert for a member (inside the caller's transaction, so it exists exactly
    when the thing it announces does)."""
    member_id = member if isinstance(member, int) else member.pk
    return Alert.objects.create(
        member_id=member_id, kind=kind, text=text[:300], url=url[:300], created_at=timezone.now()
    )


def mark_alerts_read(*, member: Member) -> int:
    return Alert.objects.filter(member=member, read_at__isnull=True).update(read_at=timezone.now())


def unread_alert_count(member: Member) -> int:
    return Alert.objects.filter(member=member, read_at__isnull=True).count()
