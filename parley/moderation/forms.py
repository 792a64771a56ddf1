"""Fields every moderation feature's forms share: a moderator's reason (`ReasonField`), and a
number of days that becomes a date (`DaysField` + `days_from_now`: when a warning expires, a
ban ends, a redirect stub goes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from parley.moderation.models import REASON_MAX_CHARS
from parley.moderation.reasons import REASON_REQUIRED, clean_reason


class ReasonField(forms.CharField):
    """A moderator's reason: one line of at most REASON_MAX_CHARS, cleaned as the services
    store it (`clean_reason`), so a reason of nothing but spaces or control characters counts
    as missing. Required unless `required=False`; `required_message` says what to write."""

    def __init__(
        self,
        *,
        label: str = "Reason",
        required: bool = True,
        required_message: str = REASON_REQUIRED,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            label=label,
            required=required,
            max_length=REASON_MAX_CHARS,
            widget=forms.TextInput(attrs={"maxlength": REASON_MAX_CHARS, "autocomplete": "off"}),
            error_messages={"required": required_message},
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        message = str(self.error_messages["required"])  # Django allows a lazy string here
        return clean_reason(text, required=message if self.required else "")


class DaysField(forms.TypedChoiceField):
    """A choice of a number of days, optional: the empty choice ("Never", "Permanently", "Keep
    it") cleans to None. Turn the answer into a date with `days_from_now`."""

    def __init__(
        self, *, label: str, choices: Sequence[tuple[str, str]], initial: str = "", **kwargs: Any
    ) -> None:
        super().__init__(
            label=label,
            choices=choices,
            coerce=int,
            empty_value=None,
            required=False,
            initial=initial or None,
            **kwargs,
        )


def days_from_now(days: int | None) -> datetime | None:
    """The moment `days` days from now; None when no number of days was chosen."""
    return timezone.now() + timedelta(days=days) if days else None
