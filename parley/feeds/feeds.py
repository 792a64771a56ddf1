"""RSS 2.0 feeds (django.contrib.syndication): the board's newest threads, a forum's, and a
thread's newest posts, always as a guest sees the board (`queries`).

Every text field is HTML-escaped before the XML writer escapes it again, as Django's own default
`item_title` does (ticket #6533): RSS readers treat titles and descriptions as HTML, so a title
such as `<b>Bold</b> claims` must reach them as text, not markup. Descriptions are plain-text
excerpts of the stored, sanitised post HTML (`excerpts`), never the HTML itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeGuard

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import get_script_prefix
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator

from parley.core import knobs, params
from parley.core.pagination import page_of_position
from parley.feeds import links, queries
from parley.feeds.excerpts import excerpt_of
from parley.forums.models import Forum, Post, Thread

EXCERPT_CHARS = 300  # of a thread's first post: a reader's preview, not the story itself
POST_EXCERPT_CHARS = 500  # of a post in a thread's feed


class RssWithSources(Rss201rev2Feed):
    """RSS 2.0 plus `<source url="…">Name</source>` on items from a news thread."""

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("source_url"):
            name = item.get("source_name") or item["source_url"]
            handler.addQuickElement("source", name, {"url": item["source_url"]})


@dataclass(frozen=True)
class Item:
    """One feed item, its fields finished (escaped) when built."""

    title: str
    link: str
    guid: str
    published: datetime
    author: str
    description: str
    categories: Sequence[str] = ()
    source_name: str = ""
    source_url: str = ""


@dataclass(frozen=True)
class Subject:
    """What a feed is about, fetched as a guest sees it."""

    forum: Forum | None = None
    thread: Thread | None = None
    items: list[Item] = field(default_factory=list)


class _Elsewhere(Exception):  # noqa: N818 (a signal, not an error)
    """The feed lives at another address (a wrong slug, a moved thread)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def _text(value: str) -> str:
    return escape(value)


def _titled(thread: Thread) -> str:
    return f"[{thread.prefix.title}] {thread.title}" if thread.prefix else thread.title


def _published(post: Post | None) -> TypeGuard[Post]:
    return post is not None and not post.is_deleted and not post.awaiting_approval


def thread_item(thread: Thread, origin: str) -> Item:
    first = thread.first_post
    excerpt = excerpt_of(first.body_html, EXCERPT_CHARS) if _published(first) else ""
    if thread.source_name:
        excerpt = f"{excerpt}\n\nSource: {thread.source_name}".strip()
    url = thread.get_absolute_url()
    return Item(
        title=_text(_titled(thread)),
        link=url,
        guid=origin + url,
        published=thread.created_at,
        author=_text(thread.author_name),
        description=_text(excerpt),
        categories=(_text(thread.forum.title),),
        source_name=_text(thread.source_name),
        source_url=thread.source_url,
    )


def post_item(post: Post, thread: Thread, origin: str, per_page: int) -> Item:
    page = page_of_position(post.position, per_page)
    is_first = post.pk == thread.first_post_id
    return Item(
        title=_text(_titled(thread) if is_first else f"Re: {thread.title}"),
        link=f"{thread.page_url(page)}#post-{post.pk}",
        # The post's permalink: its page changes as posts before it come and go.
        guid=origin + post.get_absolute_url(),
        published=post.created_at,
        author=_text(post.author_name),
        description=_text(excerpt_of(post.body_html, POST_EXCERPT_CHARS)),
        source_name=_text(thread.source_name) if is_first else "",
        source_url=thread.source_url if is_first else "",
    )


def _origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


class BoardFeed(Feed):
    """The newest threads of the whole board: `/forums/-/index.rss`."""

    feed_type = RssWithSources

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().__call__(request, *args, **kwargs)
        except _Elsewhere as elsewhere:
            return HttpResponsePermanentRedirect(elsewhere.url)

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Subject:
        perms = queries.guest_perms()
        origin = _origin(request)
        items = [thread_item(t, origin) for t in queries.latest_threads(perms)]
        return Subject(items=items)

    def title(self, subject: Subject) -> str:
        return _text(f"Latest threads | {knobs.SITE_NAME.get()}")

    def description(self, subject: Subject) -> str:
        return _text(f"The newest threads on {knobs.SITE_NAME.get()}.")

    def link(self, subject: Subject) -> str:
        return get_script_prefix()

    def feed_url(self, subject: Subject) -> str:
        return links.board_feed_url()

    def items(self, subject: Subject) -> list[Item]:
        return subject.items

    def item_title(self, item: Item) -> str:
        return item.title

    def item_link(self, item: Item) -> str:
        return item.link

    def item_guid(self, item: Item) -> str:
        return item.guid

    def item_guid_is_permalink(self, item: Item) -> bool:
        return True

    def item_pubdate(self, item: Item) -> datetime:
        return item.published

    def item_author_name(self, item: Item) -> str:
        return item.author

    def item_description(self, item: Item) -> str:
        return item.description

    def item_categories(self, item: Item) -> Sequence[str]:
        return item.categories

    def item_extra_kwargs(self, item: Item) -> dict[str, str]:
        return {"source_name": item.source_name, "source_url": item.source_url}


class ForumFeed(BoardFeed):
    """A forum's newest threads: `/forums/<slug>.<id>/index.rss` (sub-forums have their own)."""

    def get_object(self, request: HttpRequest, forum_id: str, slug: str | None = None) -> Subject:
        perms = queries.guest_perms()
        forum = perms.get_forum(params.id_or_404(forum_id))  # private or missing: 404
        if slug != forum.slug:
            raise _Elsewhere(links.forum_feed_url(forum))
        origin = _origin(request)
        items = [thread_item(t, origin) for t in queries.latest_threads(perms, forum)]
        return Subject(forum=forum, items=items)

    def title(self, subject: Subject) -> str:
        assert subject.forum is not None
        return _text(f"{subject.forum.title} | {knobs.SITE_NAME.get()}")

    def description(self, subject: Subject) -> str:
        assert subject.forum is not None
        return _text(subject.forum.description or f"The newest threads in {subject.forum.title}.")

    def link(self, subject: Subject) -> str:
        assert subject.forum is not None
        return subject.forum.get_absolute_url()

    def feed_url(self, subject: Subject) -> str:
        assert subject.forum is not None
        return links.forum_feed_url(subject.forum)


class ThreadFeed(BoardFeed):
    """A thread's newest posts: `/threads/<slug>.<id>/index.rss`."""

    def get_object(self, request: HttpRequest, thread_id: str, slug: str | None = None) -> Subject:
        perms = queries.guest_perms()
        thread = perms.get_thread(params.id_or_404(thread_id))  # hidden or missing: 404
        if thread.redirect_to_id:  # a "Moved" stub: the feed is where the thread went
            raise _Elsewhere(links.thread_feed_url(perms.get_thread(thread.redirect_to_id)))
        if slug != thread.slug:
            raise _Elsewhere(links.thread_feed_url(thread))
        origin = _origin(request)
        per_page = knobs.POSTS_PER_PAGE.get()
        items = [
            post_item(post, thread, origin, per_page)
            for post in queries.latest_posts(perms, thread)
        ]
        return Subject(thread=thread, items=items)

    def title(self, subject: Subject) -> str:
        assert subject.thread is not None
        return _text(f"{_titled(subject.thread)} | {knobs.SITE_NAME.get()}")

    def description(self, subject: Subject) -> str:
        assert subject.thread is not None
        return _text(f"The newest posts in the thread “{subject.thread.title}”.")

    def link(self, subject: Subject) -> str:
        assert subject.thread is not None
        return subject.thread.get_absolute_url()

    def feed_url(self, subject: Subject) -> str:
        assert subject.thread is not None
        return links.thread_feed_url(subject.thread)
