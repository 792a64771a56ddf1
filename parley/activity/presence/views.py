"""Presence fragments (polled by htmx from the pages that show them) and /online/.

Only reads: a poll is a visit like any page view, recorded by the middleware after the response
and stored by the background flusher."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from parley import permissions
from parley.activity.presence import locations, queries
from parley.activity.presence.window import poll_seconds, window

THREAD_HEADING = "Users Who Are Viewing This Thread"
FORUM_HEADING = "Users Viewing This Forum"
# The board-wide summary reads every visitor in the window and changes slowly: it polls less.
SIDEBAR_POLL_FACTOR = 3


def thread_viewers_url(thread_id: int) -> str:
    return f"{get_script_prefix()}threads/{thread_id}/viewers"


def forum_viewers_url(forum_id: int) -> str:
    return f"{get_script_prefix()}forums/{forum_id}/viewers"


def online_sidebar_url() -> str:
    return f"{get_script_prefix()}online/sidebar"


def _read(
    request: HttpRequest, template: str, context: dict[str, object], poll_factor: int = 1
) -> HttpResponse:
    return render(request, template, {"poll_seconds": poll_seconds() * poll_factor, **context})


@never_cache
@require_GET
def thread_viewers(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = permissions.get_thread_for(request.perms, thread_id)
    return _read(
        request,
        "activity/_viewers.html",
        {
            "heading": THREAD_HEADING,
            "url": thread_viewers_url(thread.pk),
            "viewers": queries.viewers_at(request, locations.THREAD, thread.pk),
        },
    )


@never_cache
@require_GET
def forum_viewers(request: HttpRequest, forum_id: int) -> HttpResponse:
    forum = permissions.get_forum_for(request.perms, forum_id)
    return _read(
        request,
        "activity/_viewers.html",
        {
            "heading": FORUM_HEADING,
            "url": forum_viewers_url(forum.pk),
            "viewers": queries.viewers_at(request, locations.FORUM, forum.pk),
        },
    )


@never_cache
@require_GET
def online_sidebar(request: HttpRequest) -> HttpResponse:
    return _read(
        request,
        "activity/_online_sidebar.html",
        {"url": online_sidebar_url(), "online": queries.online_summary(request)},
        poll_factor=SIDEBAR_POLL_FACTOR,
    )


@never_cache
@require_GET
def online(request: HttpRequest) -> HttpResponse:
    """Current visitors: everyone active in the window, `?type=members|guests|robots`."""
    kind_param = request.GET.get("type", "")
    kind = queries.VISITOR_TYPES.get(kind_param)
    return _read(
        request,
        "activity/online.html",
        {
            "lines": queries.current_visitors(request, kind, locations.Location("online")),
            "online": queries.online_summary(request),
            "type": kind_param if kind else "",
            "types": [("", "Everyone"), *((t, t.capitalize()) for t in queries.VISITOR_TYPES)],
            "window_minutes": int(window().total_seconds() // 60),
            "shown": queries.VISITORS_SHOWN,
        },
    )
