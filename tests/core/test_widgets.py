"""QuickSelect must be the `<select>` Django would have written, only faster."""

from __future__ import annotations

from django import forms
from django.test import SimpleTestCase

from parley.core.widgets import QuickSelect
from tests.core.parsed import Node, parse

CHOICES = [("UTC", "UTC"), ("a&b", 'Quote " & <tag>'), ("Europe/Paris", "Europe/Paris")]


def _select(widget: forms.Select, value: object, attrs: dict) -> Node:
    widget.choices = CHOICES
    return parse(widget.render("time_zone", value, attrs)).one("select")


def _shape(select: Node) -> tuple:
    options = [(o.attrs["value"], "selected" in o.attrs, o.text) for o in select.find_all("option")]
    return select.attrs, options


class QuickSelectTests(SimpleTestCase):
    def test_the_same_select_as_djangos(self) -> None:
        attrs = {"id": "id_time_zone", "required": True, "data-guess-zone": "", "hidden": False}
        for value in ("a&b", "Europe/Paris", None, "not a choice"):
            with self.subTest(value=value):
                ours = _select(QuickSelect(), value, attrs)
                django = _select(forms.Select(), value, attrs)
                self.assertEqual(_shape(ours), _shape(django))

    def test_one_option_chosen_and_text_escaped(self) -> None:
        select = _select(QuickSelect(), "a&b", {"id": "x"})
        chosen = [o for o in select.find_all("option") if "selected" in o.attrs]
        self.assertEqual([o.attrs["value"] for o in chosen], ["a&b"])
        self.assertEqual(chosen[0].text, 'Quote " & <tag>')
        self.assertEqual(select.find_all("tag"), [])
        self.assertEqual(select.attrs, {"id": "x", "name": "time_zone"})

    def test_the_forms_use_it(self) -> None:
        from parley.accounts.forms import PreferencesForm, RegisterForm

        for form in (PreferencesForm, RegisterForm):
            self.assertIsInstance(form.base_fields["time_zone"].widget, QuickSelect)
