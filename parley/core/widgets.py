"""Form widgets that render faster than Django's own where a page has many options."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class QuickSelect(forms.Select):
    """A flat `<select>` whose options are written in Python. Django renders every option
    through a template of its own, about a quarter of a millisecond each: the time zone list
    has over 400, which made the registration and preferences pages take 100 ms to render.
    The HTML is the same as Django's (attributes and values escaped by `format_html`); option
    groups are not supported, as no list here has them."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (choice, " selected" if str(choice) in chosen else "", label)
                for choice, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)
