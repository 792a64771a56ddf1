"""Presence fragments (polled by htmx from the pages that show them) and /online/.

Only reads: a poll is a visit like any page view, recorded by the middleware after the response
and stored by the background flusher."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from parley.activity.presence import blocks, locations, queries
from parley.activity.presence.window import window
from parley.permissions.http import ParleyRequest


def _block(request: HttpRequest, block: blocks.Block) -> HttpResponse:
    return render(request, block.template, block.context)


@never_cache
@require_GET
def thread_viewers(request: ParleyRequest, thread_id: int) -> HttpResponse:
    thread = request.perms.get_thread(thread_id)
    return _block(request, blocks.thread_viewers(request, thread.pk))


@never_cache
@require_GET
def forum_viewers(request: ParleyRequest, forum_id: int) -> HttpResponse:
    forum = request.perms.get_forum(forum_id)
    return _block(request, blocks.forum_viewers(request, forum.pk))


@never_cache
@require_GET
def online_sidebar(request: ParleyRequest) -> HttpResponse:
    return _block(request, blocks.online_sidebar(request))


@never_cache
@require_GET
def online(request: ParleyRequest) -> HttpResponse:
    """Current visitors: everyone active in the window, `?type=members|guests|robots`."""
    kind_param = request.GET.get("type", "")
    kind = queries.VISITOR_TYPES.get(kind_param)
    return render(
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
