"""Jinja2 partials (parley/templating.py) printed from Python or from a Django-language template:
one source for a piece of page that both engines show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template import engines
from django.template.backends.utils import csrf_input_lazy
from django.utils.safestring import SafeString
from jinja2 import Environment


def _environment() -> Environment:
    return engines["jinja2"].env  # type: ignore[attr-defined, no-any-return]


def render_partial(name: str, context: Mapping[str, Any]) -> SafeString:
    """The partial's HTML, autoescaped by Jinja2, so safe to print as it is."""
    return SafeString(_environment().get_template(name).render(context))


def render_in_django_context(name: str, values: dict[Any, Any]) -> SafeString:
    """For `{% jinja %}`: the flattened context of a Django-language page, with the CSRF input
    that Django's Jinja2 backend would have added."""
    request = values.get("request")
    if request is not None and "csrf_input" not in values:
        values["csrf_input"] = csrf_input_lazy(request)
    return render_partial(name, values)
