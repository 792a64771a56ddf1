"""Per-member counts in the navigation: unread alerts, and reports a moderator may handle.
Lazy (asked only when the layout prints them) and nothing at all for guests. A context
processor is an entry point: it may read any layer (here moderation's report count)."""

from __future__ import annotations

from functools import cached_property

from parley.accounts.models import Member
from parley.moderation.reports.queries import active_report_count
from parley.permissions.http import ParleyRequest


class NavBadges:
    def __init__(self, request: ParleyRequest) -> None:
        self._request = request

    @cached_property
    def _member(self) -> Member | None:
        # getattr: a request that never passed the authentication middleware has no user.
        user = getattr(self._request, "user", None)
        return user if user is not None and user.is_authenticated else None

    @cached_property
    def alerts(self) -> int:
        if self._member is None:
            return 0
        return self._member.unread_alert_count  # loaded with the member row

    @cached_property
    def show_reports(self) -> bool:
        if self._member is None:
            return False
        return self._request.perms.can_view_reports()

    @cached_property
    def reports(self) -> int:
        if not self.show_reports:
            return 0
        return active_report_count(self._request.perms)


def nav_badges(request: ParleyRequest) -> dict[str, object]:
    return {"nav_badges": NavBadges(request)}
