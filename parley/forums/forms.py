"""Posting forms. They check shape (lengths, required fields) with the same messages the service
layer uses; the service validates again, since it is the gate every write passes."""

from __future__ import annotations

import uuid

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError

from parley.core.markup import nesting_problem
from parley.forums import services
from parley.forums.models import BODY_MAX_CHARS, TITLE_MAX_LENGTH, Prefix


def new_client_token() -> str:
    return uuid.uuid4().hex


class BodyField(forms.CharField):
    """A message body: never stripped here (the member's text comes back exactly as typed).

    No `maxlength` on the textarea: browsers count it in UTF-16 units (an emoji is two), so it
    would stop a member below the limit the server counts in characters, and silently cut a
    paste. parley.js shows a character counter from `data-max-chars` instead."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            required=False,
            strip=False,
            widget=forms.Textarea(attrs={"rows": 8, "data-max-chars": BODY_MAX_CHARS}),
            **kwargs,  # type: ignore[arg-type]
        )
        # Control characters (NUL included) are stripped by the service rather than refused:
        # they are invisible, so removing them loses nothing the member meant to post.
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, validators.ProhibitNullCharactersValidator)
        ]

    def validate(self, value: str) -> None:
        super().validate(value)
        services.check_body_text(value)
        # The renderer never fails on deep nesting (it flattens what is too deep), but the post
        # would not look as written: say so, and keep the text in the form.
        if problem := nesting_problem(value):
            raise ValidationError(problem, code="body_nesting")


class ClientTokenMixin(forms.Form):
    client_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def clean_client_token(self) -> str:
        token = self.cleaned_data.get("client_token") or ""
        return token if token.isalnum() else ""


class ReplyForm(ClientTokenMixin):
    body = BodyField(label="Message")


class ThreadForm(ClientTokenMixin):
    # The stubs take a field named "prefix" for `BaseForm.prefix`; the form metaclass moves
    # declared fields into `base_fields`, so the form's own prefix stays None.
    prefix = forms.ModelChoiceField(  # type: ignore[assignment]
        queryset=Prefix.objects.all(), required=False, empty_label="(No prefix)"
    )
    title = forms.CharField(
        max_length=TITLE_MAX_LENGTH + 50,  # the service gives the friendlier message
        required=False,
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX_LENGTH, "autocomplete": "off"}),
    )
    body = BodyField(label="Message")
    source_name = forms.CharField(
        label="Source", max_length=100, required=False, help_text="For news: the publication."
    )
    source_url = forms.URLField(
        label="Source link", max_length=500, required=False, assume_scheme="https"
    )
    field_order = ["prefix", "title", "body", "source_name", "source_url"]

    def clean_title(self) -> str:
        return services.clean_title(self.cleaned_data.get("title") or "")

    def clean_source_url(self) -> str:
        # The service's rule (http/https only), said under the field; the service checks again.
        url = self.cleaned_data.get("source_url") or ""
        return services.clean_source_url(url) if url else ""

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("source_url") and not data.get("source_name"):
            self.add_error("source_name", "Name the publication the link points to.")
        return data


class EditPostForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX_LENGTH + 50, required=False)
    body = BodyField(label="Message")
    edit_count = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: object, edits_title: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.edits_title = edits_title
        if not edits_title:
            del self.fields["title"]

    def clean_title(self) -> str:
        return services.clean_title(self.cleaned_data.get("title") or "")


def apply_service_error(form: forms.Form, error: ValidationError) -> None:
    """Put a service-layer refusal on the field it concerns, so the member sees it in place."""
    code = error.code or ""
    field = next((f for f in ("title", "body", "source_url") if code.startswith(f)), None)
    form.add_error(field if field in form.fields else None, error)
