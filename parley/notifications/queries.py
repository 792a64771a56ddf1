"""Reading alerts: a member's list, and the unread count the navigation shows on every page."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q

from parley.accounts.models import Member
from parley.notifications.models import Alert

# Writes forget the count, so this bounds only what a race (a count computed before a write
# committed and stored after it forgot) or another worker's in-process cache can show.
UNREAD_COUNT_CACHE_SECONDS = 30
ALERTS_PER_PAGE = 30


def _unread_key(member_id: int) -> str:
    return f"alerts:unread:{member_id}"


def unread_alert_count(member_id: int) -> int:
    """Cached, so a member's page view costs no query for the badge in the steady state."""
    count = cache.get(_unread_key(member_id))
    if count is None:
        count = Alert.objects.filter(member_id=member_id, read_at__isnull=True).count()
        store_unread_count(member_id, count)
    return int(count)


def store_unread_count(member_id: int, count: int) -> None:
    cache.set(_unread_key(member_id), count, UNREAD_COUNT_CACHE_SECONDS)


def forget_unread_count(member_id: int) -> None:
    cache.delete(_unread_key(member_id))


@dataclass
class AlertPage:
    alerts: list[Alert]
    older: int | None  # `?before=` for the next, older page; None on the last page


def alerts_for(member: Member, before: int | None = None) -> AlertPage:
    """Newest first, a page at a time by keyset (alert ids grow with time)."""
    qs = Alert.objects.filter(member=member).order_by("-created_at", "-id")
    if before:
        anchor = Alert.objects.filter(pk=before, member=member).values("created_at")[:1]
        qs = qs.filter(Q(created_at__lt=anchor) | Q(created_at=anchor, pk__lt=before))
    alerts = list(qs[: ALERTS_PER_PAGE + 1])
    older = alerts[ALERTS_PER_PAGE - 1].pk if len(alerts) > ALERTS_PER_PAGE else None
    return AlertPage(alerts=alerts[:ALERTS_PER_PAGE], older=older)
