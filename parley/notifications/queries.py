"""Reading alerts: a member's list, and the unread count the navigation shows on every page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from parley.accounts.models import Member
from parley.notifications.models import Alert

ALERTS_PER_PAGE = 30


def unread_alert_count(member_id: int) -> int:
    """The denormalised count (pages read it from `request.user` without a query)."""
    found = Member.objects.filter(pk=member_id).values_list("unread_alert_count", flat=True)
    return found.first() or 0


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
