"""Small page links under a thread's title in lists ("1 2 3 … 150"), as XenForo shows them for
threads longer than a page. Worked out from the row alone (its stored last position and the
page size knob): no query, however many rows or pages."""

from __future__ import annotations

from django import template

from parley.core import knobs
from parley.core.pagination import page_count
from parley.forums.models import Thread

register = template.Library()

ALL_PAGES_UP_TO = 5  # up to this many pages every number shows; beyond, the first few and the last
FIRST_PAGES_SHOWN = 3


@register.simple_tag
def thread_page_links(thread: Thread) -> list[tuple[int, str] | None]:
    """(page number, URL) for each link, None where a gap ("…") goes; empty for one page."""
    last = page_count(thread.last_position, knobs.POSTS_PER_PAGE.get())
    if last <= 1:
        return []
    shown = (
        list(range(1, last + 1))
        if last <= ALL_PAGES_UP_TO
        else [*range(1, FIRST_PAGES_SHOWN + 1), None, last]
    )
    return [(n, thread.page_url(n)) if n is not None else None for n in shown]
