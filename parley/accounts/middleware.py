"""Render times in the member's own time zone (guests: UTC, refined in the browser)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from parley.accounts import services
from parley.accounts.models import Member

LAST_SEEN_RESOLUTION_SECONDS = 300  # "last seen" is updated at most once per five minutes


class MemberTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            self._touch_last_seen(user)
        else:
            timezone.deactivate()
        return self.get_response(request)

    @staticmethod
    def _touch_last_seen(user: Member) -> None:
        services.touch_last_seen(member=user, min_interval_seconds=LAST_SEEN_RESOLUTION_SECONDS)
