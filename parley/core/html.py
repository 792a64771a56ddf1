"""`format_html` for code that prints many times a page (post cards, times, member links)."""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import intcomma as humanize_intcomma
from django.utils.safestring import SafeString
from markupsafe import escape


def format_html_fast(template: str, *args: object) -> SafeString:
    """Django's `format_html`, without its checks for lazy strings on every call: each argument
    is escaped (markupsafe's C escape; values with `__html__`, like SafeString, pass as they
    are), the template is trusted. Arguments must not be lazy translations (none here are)."""
    return SafeString(template.format(*[escape(arg) for arg in args]))


def intcomma(value: str | int | float | None) -> str:
    """humanize's `intcomma` (the board is in English: "12,345"), quick for plain ints, which
    is what pages print (counts); anything else goes to humanize."""
    if type(value) is int:
        return f"{value:,}"
    return humanize_intcomma(value)
