"""Writing the moderator log: every moderator and administrator service records what it did
here, in the same transaction as the action itself (the forum services below moderation reach
`log_action` through their hook, `forums.hooks.log_moderator_action`)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from parley.accounts.models import Member
from parley.moderation.models import ModeratorLogEntry


def log_action(
    *,
    actor: Member,
    action: str,
    target_kind: str,
    target_id: int,
    target_title: str,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> ModeratorLogEntry:
    return ModeratorLogEntry.objects.create(
        actor=actor,
        actor_name=actor.username,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        target_title=target_title[:200],
        reason=reason[:200],
        details=details or {},
        created_at=timezone.now(),
    )
