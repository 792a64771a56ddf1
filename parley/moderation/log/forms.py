"""The moderator log's filter bar."""

from __future__ import annotations

from typing import cast

from django import forms

from parley.moderation.log.phrases import action_phrase

TARGET_KINDS = [
    ("", "Anything"),
    ("post", "Posts"),
    ("thread", "Threads"),
    ("forum", "Forums"),
    ("member", "Members"),
    ("report", "Reports"),
]


class LogFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.CharField(required=False, max_length=50, label="Moderator")
    kind = forms.ChoiceField(required=False, choices=TARGET_KINDS, label="Target")
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: object, actions: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        action = cast(forms.ChoiceField, self.fields["action"])  # declared above
        named = sorted((action_phrase(a), a) for a in actions)
        action.choices = [("", "Any action")] + [(a, phrase) for phrase, a in named]
