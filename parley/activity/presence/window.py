"""The online window: a visitor counts as present this long after their last request."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

DEFAULT_WINDOW_MINUTES = 15  # XenForo's default "online" window
DEFAULT_POLL_SECONDS = 20  # how often an open page refreshes its viewers block


def window() -> timedelta:
    return timedelta(
        minutes=getattr(settings, "PARLEY_ONLINE_WINDOW_MINUTES", DEFAULT_WINDOW_MINUTES)
    )


def window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - window()


def poll_seconds() -> int:
    return max(1, int(getattr(settings, "PARLEY_PRESENCE_POLL_SECONDS", DEFAULT_POLL_SECONDS)))
