"""What a page's head tells browsers, feed readers, crawlers and link previews: its canonical
address, its feed, and for threads the OpenGraph and Twitter card. Built from what the view
already fetched (no query), with absolute addresses from the request's own host."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.utils.safestring import SafeString

from parley.core import knobs
from parley.core.partials import render_partial
from parley.feeds import links
from parley.feeds.excerpts import excerpt_of
from parley.forums.models import Forum, Post, Thread

register = template.Library()

DESCRIPTION_CHARS = 200  # link previews show two or three lines


def _absolute(context: template.Context, path: str) -> str:
    request: HttpRequest = context["request"]
    return request.build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def canonical_link(context: template.Context, url: str, page: int = 1) -> SafeString:
    """`url` is the first page's address; page N of a list or thread is its own page."""
    path = url if page <= 1 else f"{url}page-{page}"
    return render_partial("feeds/_canonical.jinja", {"href": _absolute(context, path)})


@register.simple_tag(takes_context=True)
def feed_link(context: template.Context, subject: Forum | Thread | None = None) -> SafeString:
    """The board's feed, or a forum's or thread's."""
    if isinstance(subject, Forum):
        url, title = links.forum_feed_url(subject), subject.title
    elif isinstance(subject, Thread):
        url, title = links.thread_feed_url(subject), subject.title
    else:
        url, title = links.board_feed_url(), f"Latest threads | {knobs.SITE_NAME.get()}"
    return render_partial(
        "feeds/_feed_link.jinja", {"href": _absolute(context, url), "title": title}
    )


def _first_post_on(posts: list[Post], thread: Thread) -> Post | None:
    first = posts[0] if posts else None
    if first is None or first.pk != thread.first_post_id:
        return None
    return None if first.is_deleted or first.awaiting_approval else first


@register.simple_tag(takes_context=True)
def thread_cards(
    context: template.Context, thread: Thread, posts: list[Post], page: int = 1
) -> SafeString:
    """OpenGraph and Twitter card meta. The description is the first post's excerpt where the
    page shows it; later pages say where they are instead (their first post is not loaded, and
    a page's queries do not grow for its head)."""
    first = _first_post_on(posts, thread)
    if first is not None:
        description = excerpt_of(first.body_html, DESCRIPTION_CHARS)
    else:
        description = f"Page {page} of a thread in {thread.forum.title}."
    return render_partial(
        "feeds/_thread_cards.jinja",
        {
            "title": thread.title,
            "description": description,
            "url": _absolute(context, thread.page_url(page)),
            "site_name": knobs.SITE_NAME.get(),
            "section": thread.forum.title,
            "published": thread.created_at,
        },
    )
