"""What page heads tell browsers, feed readers, crawlers and link previews: the canonical address
of forum, thread (each page its own) and member pages, the feed of the index, forum and thread
pages, and the OpenGraph/Twitter card of thread pages. Parsed from the HTML, as a crawler reads
it; the feed addresses the heads print are pinned to the URLconf."""

from __future__ import annotations

from django.test import TestCase, override_settings
from django.urls import resolve

from parley.feeds import links
from parley.forums import services
from parley.forums.models import Thread
from tests.core.parsed import Node, parse
from tests.world import build_world

ORIGIN = "http://testserver"


def head(client: object, url: str) -> Node:
    response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200, (url, response.status_code)
    return parse(response.content).find("head")


def meta(node: Node, key: str) -> str:
    """The content of `<meta property=key>` or `<meta name=key>`: exactly one of them."""
    found = node.find_all("meta", property=key) + node.find_all("meta", name=key)
    assert len(found) == 1, (key, found)
    return found[0].attrs["content"]


def canonical(node: Node) -> str:
    (link,) = node.find_all("link", rel="canonical")
    return link.attrs["href"]


def feeds(node: Node) -> list[str]:
    return [
        link.attrs["href"]
        for link in node.find_all("link", rel="alternate", type="application/rss+xml")
    ]


class DiscoveryTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_the_index_advertises_the_boards_feed(self) -> None:
        page = head(self.client, "/")
        self.assertEqual(feeds(page), [f"{ORIGIN}/forums/-/index.rss"])
        self.assertEqual(canonical(page), f"{ORIGIN}/")
        response = self.client.get(feeds(page)[0].removeprefix(ORIGIN))
        self.assertEqual(response.status_code, 200)

    def test_a_forum_page(self) -> None:
        forum = self.w.news
        page = head(self.client, forum.get_absolute_url())
        self.assertEqual(canonical(page), ORIGIN + forum.get_absolute_url())
        self.assertEqual(feeds(page), [ORIGIN + links.forum_feed_url(forum)])
        self.assertEqual(page.find("link", rel="alternate").attrs["title"], "Breaking news")
        # Each page of the list is its own page; a wrong slug never reaches a head.
        services.create_thread(actor=self.w.member, forum=forum, title="Second", body="Two.")
        with override_settings(THREADS_PER_PAGE=1):
            second = head(self.client, f"{forum.get_absolute_url()}page-2")
        self.assertEqual(canonical(second), f"{ORIGIN}{forum.get_absolute_url()}page-2")

    def test_a_thread_page_and_its_card(self) -> None:
        thread = self.w.long_thread
        page = head(self.client, thread.get_absolute_url())
        url = ORIGIN + thread.get_absolute_url()
        self.assertEqual(canonical(page), url)
        self.assertEqual(feeds(page), [ORIGIN + links.thread_feed_url(thread)])
        self.assertEqual(meta(page, "og:type"), "article")
        self.assertEqual(meta(page, "og:title"), "Harbour bridge closed after storm")
        self.assertEqual(meta(page, "og:description"), "The harbour bridge is closed.")
        self.assertEqual(meta(page, "description"), "The harbour bridge is closed.")
        self.assertEqual(meta(page, "og:site_name"), "Parley")
        self.assertEqual(meta(page, "og:url"), url)
        self.assertEqual(meta(page, "article:section"), "Breaking news")
        self.assertEqual(meta(page, "twitter:card"), "summary")
        self.assertEqual(meta(page, "twitter:title"), "Harbour bridge closed after storm")
        self.assertEqual(meta(page, "twitter:description"), "The harbour bridge is closed.")
        with override_settings(SITE_NAME="Harbour Herald"):
            self.assertEqual(
                meta(head(self.client, thread.get_absolute_url()), "og:site_name"), "Harbour Herald"
            )

    def test_each_thread_page_is_its_own_canonical(self) -> None:
        thread = self.w.long_thread
        for number in (2, 3):
            page = head(self.client, thread.page_url(number))
            url = f"{ORIGIN}{thread.get_absolute_url()}page-{number}"
            self.assertEqual(canonical(page), url)
            self.assertEqual(meta(page, "og:url"), url)
            # The first post is not on this page (and is not fetched for the head).
            self.assertEqual(
                meta(page, "og:description"), f"Page {number} of a thread in Breaking news."
            )

    def test_a_members_page(self) -> None:
        member = self.w.member
        page = head(self.client, member.get_absolute_url())
        self.assertEqual(canonical(page), ORIGIN + member.get_absolute_url())
        self.assertEqual(feeds(page), [])

    def test_hostile_titles_stay_text_in_the_head(self) -> None:
        title = '"><script>alert(1)</script><meta property="og:title" content="x'
        thread = services.create_thread(
            actor=self.w.member, forum=self.w.lounge, title=title, body='<b>"bold"</b> & more'
        )
        page = head(self.client, thread.get_absolute_url())
        self.assertEqual(page.find_all("script", src=None), [])
        self.assertEqual(meta(page, "og:title"), title)
        self.assertEqual(meta(page, "og:description"), '<b>"bold"</b> & more')
        self.assertEqual(page.find("link", rel="alternate").attrs["title"], title)

    def test_the_feed_addresses_are_the_urlconfs(self) -> None:
        thread = Thread.objects.get(pk=self.w.long_thread.pk)
        for url, name, kwargs in (
            (links.board_feed_url(), "board-feed", {}),
            (
                links.forum_feed_url(self.w.news),
                "forum-feed",
                {"forum_id": str(self.w.news.pk), "slug": self.w.news.slug},
            ),
            (
                links.thread_feed_url(thread),
                "thread-feed",
                {"thread_id": str(thread.pk), "slug": thread.slug},
            ),
        ):
            match = resolve(url)
            self.assertEqual(match.url_name, name)
            self.assertEqual(match.kwargs, kwargs)
