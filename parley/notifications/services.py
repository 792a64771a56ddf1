"""Sending and reading alerts. Every write here also forgets the member's cached unread count
(parley.notifications.queries), after commit so no reader caches the state before it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
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
    alert = Alert.objects.create(
        member_id=member_id,
        kind=kind,
        text=text[:TEXT_MAX_CHARS],
        url=url[:URL_MAX_CHARS],
        created_at=timezone.now(),
    )
    transaction.on_commit(lambda: queries.forget_unread_count(member_id))
    return alert


def send_alerts(*, member_ids: Iterable[int], kind: str, text: str, url: str = "") -> int:
    """The same alert to several members, once each, in one INSERT."""
    ids = sorted(set(member_ids))
    now = timezone.now()
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

    def forget() -> None:
        for member_id in ids:
            queries.forget_unread_count(member_id)

    transaction.on_commit(forget)
    return len(ids)


def mark_alerts_read(*, member: Member) -> int:
    """One UPDATE, whatever the number of alerts. The count is then known to be 0, so the page
    that follows need not count again."""
    marked = Alert.objects.filter(member=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    transaction.on_commit(lambda: queries.store_unread_count(member.pk, 0))
    return marked


def unread_alert_count(member: Member) -> int:
    return queries.unread_alert_count(member.pk)
