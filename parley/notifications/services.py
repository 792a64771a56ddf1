"""Sending and reading alerts. Every write also moves the member's `unread_alert_count` in the
same transaction, so the header badge (read with the member row) is exact in every worker."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from parley.accounts.models import Member
from parley.notifications import queries
from parley.notifications.models import Alert

TEXT_MAX_CHARS = 300
URL_MAX_CHARS = 300


def send_alert(*, member: Member | int, kind: str, text: str, url: str = "") -> Alert:
    """Record an alert for a member (inside the caller's transaction, so it exists exactly
    when the thing it announces does)."""
    member_id = member if isinstance(member, int) else member.pk
    with transaction.atomic():
        alert = Alert.objects.create(
            member_id=member_id,
            kind=kind,
            text=text[:TEXT_MAX_CHARS],
            url=url[:URL_MAX_CHARS],
            created_at=timezone.now(),
        )
        Member.objects.filter(pk=member_id).update(unread_alert_count=F("unread_alert_count") + 1)
    return alert


def send_alerts(*, member_ids: Iterable[int], kind: str, text: str, url: str = "") -> int:
    """The same alert to several members, once each, in one INSERT and one UPDATE."""
    ids = sorted(set(member_ids))
    now = timezone.now()
    with transaction.atomic():
        Alert.objects.bulk_create(
            Alert(
                member_id=member_id,
                kind=kind,
                text=text[:TEXT_MAX_CHARS],
                url=url[:URL_MAX_CHARS],
                created_at=now,
            )
            for member_id in ids
        )
        Member.objects.filter(pk__in=ids).update(unread_alert_count=F("unread_alert_count") + 1)
    return len(ids)


def mark_alerts_read(*, member: Member) -> int:
    """One UPDATE of the alerts and one of the member, whatever the number of alerts; nothing
    at all when the (exact) count says there is nothing unread."""
    if not member.unread_alert_count:
        return 0
    with transaction.atomic():
        marked = Alert.objects.filter(member=member, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        Member.objects.filter(pk=member.pk).update(unread_alert_count=0)
    member.unread_alert_count = 0  # the page that follows prints the badge from this object
    return marked


def open_alert(*, member: Member, alert_id: int) -> str | None:
    """Mark one of the member's alerts read (the member followed it) and say where it leads;
    None when it is not theirs. Already read: nothing written."""
    alert = Alert.objects.filter(pk=alert_id, member=member).only("url", "read_at").first()
    if alert is None:
        return None
    if alert.read_at is None:
        with transaction.atomic():
            marked = Alert.objects.filter(pk=alert_id, read_at__isnull=True).update(
                read_at=timezone.now()
            )
            if marked:
                Member.objects.filter(pk=member.pk, unread_alert_count__gt=0).update(
                    unread_alert_count=F("unread_alert_count") - 1
                )
                member.unread_alert_count = max(member.unread_alert_count - 1, 0)
    return alert.url


def resync_unread_alert_count(*, member: Member) -> int:
    """Count again from scratch (repairs a count a hand edit of the database left wrong)."""
    with transaction.atomic():
        count = Alert.objects.filter(member=member, read_at__isnull=True).count()
        Member.objects.filter(pk=member.pk).update(unread_alert_count=count)
    member.unread_alert_count = count
    return count


def unread_alert_count(member: Member) -> int:
    return queries.unread_alert_count(member.pk)
