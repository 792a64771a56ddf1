"""Writes for read markers. (Stub interface; implemented with unread tracking.)"""

from __future__ import annotations

from datetime import datetime

from parley.accounts.models import Member
from parley.forums.models import Thread


def mark_thread_read(*, member: Member, thread: Thread, up_to: datetime) -> None:
    """Move the member's marker on `thread` forward to `up_to` (never backwards)."""
