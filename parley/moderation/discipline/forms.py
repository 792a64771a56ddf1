"""Discipline forms: a warning, a ban, lifting a ban, and the spam cleaner's confirmation."""

from __future__ import annotations

from django import forms

from parley.moderation.discipline.services import WARNING_MAX_POINTS
from parley.moderation.forms import DaysField, ReasonField

WARNING_DAYS = [  # how long a warning's points count (a report's resolution offers the same)
    ("", "Never"),
    ("7", "1 week"),
    ("30", "1 month"),
    ("90", "3 months"),
    ("365", "1 year"),
]
BAN_DAYS = [
    ("1", "1 day"),
    ("3", "3 days"),
    ("7", "1 week"),
    ("14", "2 weeks"),
    ("30", "1 month"),
    ("90", "3 months"),
    ("365", "1 year"),
    ("", "Permanently"),
]


class WarnForm(forms.Form):
    points = forms.IntegerField(
        min_value=0,
        max_value=WARNING_MAX_POINTS,
        initial=1,
        help_text="Points count until the warning expires.",
    )
    reason = ReasonField()
    expires_in = DaysField(label="Expires after", choices=WARNING_DAYS, initial="30")


class BanForm(forms.Form):
    length = DaysField(label="Ban for", choices=BAN_DAYS, initial="7")
    reason = ReasonField(label="Reason (shown to the member)")


class LiftBanForm(forms.Form):
    reason = ReasonField(label="Note for the moderator log", required=False)


class SpamCleanForm(forms.Form):
    reason = ReasonField(label="Reason (shown to the member with the ban)")
    confirm = forms.BooleanField(
        label="Yes, remove everything this member posted and ban them permanently",
        error_messages={"required": "Tick the box to confirm."},
    )
