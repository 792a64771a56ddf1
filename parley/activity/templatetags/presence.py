"""Presence blocks for templates: each renders a placeholder that loads its fragment once the
page is shown (and the fragment then polls itself), so a page costs no presence query and
guest pages stay identical for every guest."""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix
from django.utils.html import format_html
from django.utils.safestring import SafeString

from parley.activity.presence import views

register = template.Library()


def _slot(url: str, name: str) -> SafeString:
    # Without JavaScript the block cannot load itself; the current visitors page still can.
    return format_html(
        '<div class="presence-slot presence-slot-{}" hx-get="{}" hx-trigger="load" '
        'hx-swap="outerHTML"><noscript><a href="{}online/">Who is online now</a></noscript></div>',
        name,
        url,
        get_script_prefix(),
    )


@register.simple_tag
def thread_viewers(thread: object) -> SafeString:
    return _slot(views.thread_viewers_url(thread.pk), "thread")  # type: ignore[attr-defined]


@register.simple_tag
def forum_viewers(forum: object) -> SafeString:
    return _slot(views.forum_viewers_url(forum.pk), "forum")  # type: ignore[attr-defined]


@register.simple_tag
def online_sidebar() -> SafeString:
    return _slot(views.online_sidebar_url(), "sidebar")
