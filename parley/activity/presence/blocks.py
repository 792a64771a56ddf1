"""The presence blocks a page shows (thread viewers, forum viewers, the index's "members
online"), as finished data: the page's view reads one here and hands it to the template, whose
`{% presence_block %}` tag only renders it; the block's own fragment view (polled by htmx)
builds the same data. Each costs one presence read and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix

from parley.activity.presence import locations, queries
from parley.activity.presence.window import poll_seconds

THREAD_HEADING = "Users Who Are Viewing This Thread"
FORUM_HEADING = "Users Viewing This Forum"
# The board-wide summary reads every visitor in the window and changes slowly: it polls less.
SIDEBAR_POLL_FACTOR = 3

VIEWERS_TEMPLATE = "activity/_viewers.html"
SIDEBAR_TEMPLATE = "activity/_online_sidebar.html"


@dataclass(frozen=True)
class Block:
    template: str
    context: dict[str, object] = field(default_factory=dict)


def thread_viewers_url(thread_id: int) -> str:
    return f"{get_script_prefix()}threads/{thread_id}/viewers"


def forum_viewers_url(forum_id: int) -> str:
    return f"{get_script_prefix()}forums/{forum_id}/viewers"


def online_sidebar_url() -> str:
    return f"{get_script_prefix()}online/sidebar"


def thread_viewers(request: HttpRequest, thread_id: int) -> Block:
    """For a thread the reader may view (the caller fetched it through permissions)."""
    return Block(
        VIEWERS_TEMPLATE,
        {
            "heading": THREAD_HEADING,
            "url": thread_viewers_url(thread_id),
            "viewers": queries.viewers_at(request, locations.THREAD, thread_id),
            "poll_seconds": poll_seconds(),
        },
    )


def forum_viewers(request: HttpRequest, forum_id: int) -> Block:
    """For a forum the reader may view (the caller fetched it through permissions)."""
    return Block(
        VIEWERS_TEMPLATE,
        {
            "heading": FORUM_HEADING,
            "url": forum_viewers_url(forum_id),
            "viewers": queries.viewers_at(request, locations.FORUM, forum_id),
            "poll_seconds": poll_seconds(),
        },
    )


def online_sidebar(request: HttpRequest) -> Block:
    return Block(
        SIDEBAR_TEMPLATE,
        {
            "url": online_sidebar_url(),
            "online": queries.online_summary(request),
            "poll_seconds": poll_seconds() * SIDEBAR_POLL_FACTOR,
        },
    )


def render(request: HttpRequest | None, block: Block) -> str:
    return render_to_string(block.template, block.context, request=request)
