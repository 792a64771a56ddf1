"""The one cleaner for a moderator's reason (and a report's outcome): every moderation service
and the shared form field (`moderation.forms.ReasonField`) store a reason as this makes it."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from parley.core.markup import clean_control_chars
from parley.moderation.models import REASON_MAX_CHARS

REASON_REQUIRED = "Please give a reason."


def clean_reason(text: str, *, required: str = "") -> str:
    """A reason as the log, alerts and deleted-content notices store it: control characters
    gone, whitespace folded to single spaces, cut to the stored length. `required`: the
    message to refuse an empty reason with (code "reason_empty"); empty is fine without it."""
    text = " ".join(clean_control_chars(text).split())[:REASON_MAX_CHARS]
    if required and not text:
        raise ValidationError(required, code="reason_empty")
    return text
