"""The moderator log: every moderator and administrator service records what it did here,
in the same transaction as the action itself."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from parley.accounts.models import Member
from parley.core.markup import clean_control_chars
from parley.moderation.models import REASON_MAX_CHARS, ModeratorLogEntry


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


def one_line(text: str, *, required: str = "") -> str:
    """A reason or outcome as the log and alerts store it: control characters gone, whitespace
    folded, cut to the stored length. `required`: the message when it is missing."""
    text = " ".join(clean_control_chars(text).split())[:REASON_MAX_CHARS]
    if required and not text:
        raise ValidationError(required, code="reason_empty")
    return text
