"""Presence blocks for templates: each renders the block in the page (one presence read), and
the block then refreshes itself by polling its fragment URL."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from parley.activity.presence import locations, queries, views
from parley.activity.presence.window import poll_seconds

register = template.Library()


def _render(
    context: template.Context, name: str, extra: dict[str, object], poll_factor: int = 1
) -> SafeString:
    """The block as its poll would return it, rendered into the page so it shows without
    JavaScript too; htmx then refreshes it. Reading only: a page view stores no visit here."""
    request = context["request"]
    every = poll_seconds() * poll_factor
    return render_to_string(name, {"poll_seconds": every, **extra}, request=request)


@register.simple_tag(takes_context=True)
def thread_viewers(context: template.Context, thread: object) -> SafeString:
    request = context["request"]
    return _render(
        context,
        "activity/_viewers.html",
        {
            "heading": views.THREAD_HEADING,
            "url": views.thread_viewers_url(thread.pk),  # type: ignore[attr-defined]
            "viewers": queries.viewers_at(request, locations.THREAD, thread.pk),  # type: ignore[attr-defined]
        },
    )


@register.simple_tag(takes_context=True)
def forum_viewers(context: template.Context, forum: object) -> SafeString:
    request = context["request"]
    return _render(
        context,
        "activity/_viewers.html",
        {
            "heading": views.FORUM_HEADING,
            "url": views.forum_viewers_url(forum.pk),  # type: ignore[attr-defined]
            "viewers": queries.viewers_at(request, locations.FORUM, forum.pk),  # type: ignore[attr-defined]
        },
    )


@register.simple_tag(takes_context=True)
def online_sidebar(context: template.Context) -> SafeString:
    return _render(
        context,
        "activity/_online_sidebar.html",
        {"url": views.online_sidebar_url(), "online": queries.online_summary(context["request"])},
        poll_factor=views.SIDEBAR_POLL_FACTOR,
    )
