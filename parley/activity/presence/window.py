"""The online window: a visitor counts as present this long after their last request."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from parley.core import knobs


def window() -> timedelta:
    return timedelta(minutes=knobs.ONLINE_WINDOW_MINUTES.get())


def window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - window()


def poll_seconds() -> int:
    return max(1, knobs.PRESENCE_POLL_SECONDS.get())
