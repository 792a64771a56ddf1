"""Per-member counts in the navigation: unread alerts, and reports a moderator may handle.
Lazy (asked only when the layout prints them) and nothing at all for guests."""

from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest


class NavBadges:
    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def _is_member(self) -> bool:
        user = getattr(self._request, "user", None)
        return bool(user is not None and user.is_authenticated)

    @cached_property
    def alerts(self) -> int:
        if not self._is_member:
            return 0
        return self._request.user.unread_alert_count  # loaded with the member row

    @cached_property
    def show_reports(self) -> bool:
        if not self._is_member:
            return False
        return self._request.perms.can_view_reports()  # type: ignore[attr-defined,no-any-return]

    @cached_property
    def reports(self) -> int:
        if not self.show_reports:
            return 0
        from parley.moderation.reports.queries import active_report_count

        return active_report_count(self._request.perms)  # type: ignore[attr-defined]


def nav_badges(request: HttpRequest) -> dict[str, object]:
    return {"nav_badges": NavBadges(request)}
