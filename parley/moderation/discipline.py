"""Warnings, bans and the spam cleaner. (Stub interface; implemented with abuse control.)"""

from __future__ import annotations

from datetime import datetime

from parley.accounts.models import Member
from parley.forums.models import Post
from parley.moderation.models import Warning


def warn_member(
    *,
    actor: Member,
    member: Member,
    points: int,
    reason: str,
    post: Post | None = None,
    expires_at: datetime | None = None,
) -> Warning:
    raise NotImplementedError
