"""The approval queue's form: the reason a held post or thread is rejected."""

from __future__ import annotations

from django import forms

from parley.moderation.forms import ReasonField


class RejectForm(forms.Form):
    reason = ReasonField(label="Reason for rejecting")
