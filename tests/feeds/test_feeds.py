"""The RSS feeds: the board's newest threads (`/forums/-/index.rss`), a forum's, and a thread's
newest posts. Each is valid RSS 2.0 in the structure readers rely on, lists what a guest may read
and nothing else (whoever fetches it), prints hostile text as text, and costs the same number of
queries however many items it carries."""

from __future__ import annotations

import html
from datetime import timedelta
from email.utils import parsedate_to_datetime

from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.accounts.models import Member
from parley.core.markup import plain_text
from parley.feeds import links
from parley.feeds.queries import FEED_ITEMS
from parley.forums import services
from parley.forums.models import Post, Thread
from parley.forums.services.structure import create_forum
from parley.moderation.actions import services as actions
from tests.feeds.support import DC, HIDDEN, BoardTestCase, build_board, items, rss_channel

ORIGIN = "http://testserver"


def thread_ids(content: bytes) -> list[int]:
    """The thread each item links to, in order."""
    found = []
    for item in items(content):
        path = (item.findtext("link") or "").removeprefix(ORIGIN)
        found.append(int(path.split("/")[2].rsplit(".", 1)[1]))
    return found


class BoardFeedTests(BoardTestCase):
    def test_the_newest_threads_come_first_as_rss(self) -> None:
        response = self.client.get("/forums/-/index.rss")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("application/rss+xml"))
        channel = rss_channel(response.content)
        self.assertEqual(channel.findtext("title"), "Latest threads | Parley")
        self.assertEqual(channel.findtext("link"), f"{ORIGIN}/")
        expected = [
            t.pk
            for t in Thread.objects.filter(
                pk__in=[self.w.long_thread.pk, self.w.locked_thread.pk, self.b.moved.pk]
            ).order_by("-created_at", "-id")
        ]
        self.assertEqual(thread_ids(response.content), expected)

    def test_an_item_carries_what_a_reader_shows(self) -> None:
        thread = self.w.long_thread
        item = next(
            i
            for i in items(self.client.get("/forums/-/index.rss").content)
            if i.findtext("link") == ORIGIN + thread.get_absolute_url()
        )
        self.assertEqual(
            item.findtext("title"), "[Breaking news] Harbour bridge closed after storm"
        )
        self.assertEqual(item.findtext("guid"), ORIGIN + thread.get_absolute_url())
        self.assertEqual(
            parsedate_to_datetime(item.findtext("pubDate") or ""),
            thread.created_at.replace(microsecond=0),
        )
        self.assertEqual(item.findtext(f"{DC}creator"), "Alice")
        self.assertEqual(item.findtext("category"), "Breaking news")
        # The first post as plain text (no markup, even escaped), then the news source.
        first = Post.objects.get(pk=thread.first_post_id)
        self.assertEqual(
            item.findtext("description"),
            f"{plain_text(first.body_html)}\n\nSource: Coast Courier",
        )
        self.assertEqual(
            item.findtext("description"), "The harbour bridge is closed.\n\nSource: Coast Courier"
        )
        source = item.find("source")
        assert source is not None
        self.assertEqual(source.text, "Coast Courier")
        self.assertEqual(source.get("url"), "https://example.org/bridge")
        # Threads without a source have no <source> element.
        others = [
            i
            for i in items(self.client.get("/forums/-/index.rss").content)
            if i.findtext("link") != item.findtext("link")
        ]
        self.assertEqual(len(others), 2)
        self.assertTrue(all(i.find("source") is None for i in others))

    def test_hidden_threads_are_never_items_even_for_an_administrator(self) -> None:
        for client in (self.client, self.admin()):
            response = client.get("/forums/-/index.rss")
            text = response.content.decode().lower()
            for word in HIDDEN:
                self.assertNotIn(word, text)
            ids = thread_ids(response.content)
            for hidden in (
                self.b.private_thread,
                self.b.held_thread,
                self.b.deleted_thread,
                self.b.stub,
            ):
                self.assertNotIn(hidden.pk, ids)
            self.assertIn(self.b.moved.pk, ids)  # the moved thread itself, at its new home

    def test_at_most_a_feeds_worth_of_items(self) -> None:
        for i in range(FEED_ITEMS + 3):
            services.create_thread(
                actor=self.w.member, forum=self.w.lounge, title=f"Filler {i}", body="More."
            )
        listed = items(self.client.get("/forums/-/index.rss").content)
        self.assertEqual(len(listed), FEED_ITEMS)
        self.assertEqual(listed[0].findtext("title"), f"Filler {FEED_ITEMS + 2}")

    def test_queries_do_not_grow_with_items(self) -> None:
        def count(client: Client) -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(client.get("/forums/-/index.rss").status_code, 200)
            return len(queries)

        admin = self.admin()
        count(self.client), count(admin)  # the guest's permission table, the admin's last visit
        before = (count(self.client), count(admin))
        for i in range(8):
            services.create_thread(
                actor=self.w.member, forum=self.w.lounge, title=f"Filler {i}", body=f"Body {i}"
            )
        self.assertEqual((count(self.client), count(admin)), before)
        with self.assertNumQueries(2):  # the stamps (the guest's table is cached), the threads
            self.client.get("/forums/-/index.rss")

    def test_only_reading(self) -> None:
        self.assertEqual(self.client.post("/forums/-/index.rss").status_code, 405)
        self.assertEqual(self.client.head("/forums/-/index.rss").status_code, 200)


class ForumFeedTests(BoardTestCase):
    def test_a_forums_own_threads(self) -> None:
        url = links.forum_feed_url(self.w.news)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        channel = rss_channel(response.content)
        self.assertEqual(channel.findtext("title"), "Breaking news | Parley")
        self.assertEqual(channel.findtext("description"), "Stories as they land.")
        self.assertEqual(channel.findtext("link"), ORIGIN + self.w.news.get_absolute_url())
        self.assertEqual(
            thread_ids(response.content),
            [self.b.moved.pk, self.w.long_thread.pk]
            if self.b.moved.created_at >= self.w.long_thread.created_at
            else [self.w.long_thread.pk, self.b.moved.pk],
        )
        self.assertEqual(
            thread_ids(self.client.get(links.forum_feed_url(self.w.lounge)).content),
            [self.w.locked_thread.pk],
        )

    def test_the_moved_stub_is_not_an_item_of_its_old_forum(self) -> None:
        client = Client()
        client.force_login(self.w.admin)
        for reader in (self.client, client):
            ids = thread_ids(reader.get(links.forum_feed_url(self.w.lounge)).content)
            self.assertNotIn(self.b.stub.pk, ids)
            self.assertNotIn(self.b.moved.pk, ids)

    def test_a_private_or_missing_forum_has_no_feed(self) -> None:
        admin = Client()
        admin.force_login(self.w.admin)
        private = links.forum_feed_url(self.b.private)
        self.assertEqual(admin.get(self.b.private.get_absolute_url()).status_code, 200)
        for client in (self.client, admin):
            self.assertEqual(client.get(private).status_code, 404)
            self.assertEqual(
                client.get(f"/forums/x.{self.b.private.pk}/index.rss").status_code, 404
            )
            self.assertEqual(client.get("/forums/x.999999/index.rss").status_code, 404)

    def test_the_slug_is_cosmetic(self) -> None:
        canonical = links.forum_feed_url(self.w.news)
        for wrong in (
            f"/forums/x.{self.w.news.pk}/index.rss",
            f"/forums/{self.w.news.pk}/index.rss",
        ):
            response = self.client.get(wrong)
            self.assertEqual(response.status_code, 301)
            self.assertEqual(response["Location"], canonical)

    def test_queries_do_not_grow_with_items(self) -> None:
        url = links.forum_feed_url(self.w.lounge)
        self.client.get(url)
        with CaptureQueriesContext(connection) as before:
            self.client.get(url)
        for i in range(6):
            services.create_thread(
                actor=self.w.member, forum=self.w.lounge, title=f"Filler {i}", body="More."
            )
        with self.assertNumQueries(len(before)):
            response = self.client.get(url)
        self.assertEqual(len(items(response.content)), 7)
        self.assertLessEqual(len(before), 3)  # stamps, the forum, its threads


class ThreadFeedTests(BoardTestCase):
    def test_the_newest_posts_newest_first(self) -> None:
        thread = self.w.long_thread
        response = self.client.get(links.thread_feed_url(thread))
        self.assertEqual(response.status_code, 200)
        channel = rss_channel(response.content)
        self.assertEqual(
            channel.findtext("title"), "[Breaking news] Harbour bridge closed after storm | Parley"
        )
        listed = channel.findall("item")
        self.assertEqual(len(listed), FEED_ITEMS)
        newest = list(
            Post.objects.filter(thread=thread, is_deleted=False, awaiting_approval=False).order_by(
                "-position"
            )[:FEED_ITEMS]
        )
        self.assertEqual(
            [i.findtext("guid") for i in listed], [ORIGIN + p.get_absolute_url() for p in newest]
        )
        last = newest[0]
        self.assertEqual(listed[0].findtext("title"), "Re: Harbour bridge closed after storm")
        self.assertEqual(listed[0].findtext("link"), f"{ORIGIN}{thread.page_url(3)}#post-{last.pk}")
        self.assertEqual(listed[0].findtext("description"), f"Reply number {last.position}")
        self.assertEqual(listed[0].findtext(f"{DC}creator"), last.author_name)
        self.assertEqual(
            listed[-1].findtext("link"), f"{ORIGIN}{thread.page_url(2)}#post-{newest[-1].pk}"
        )

    def test_the_first_post_is_titled_as_the_thread_with_its_source(self) -> None:
        thread = self.w.locked_thread
        (only,) = items(self.client.get(links.thread_feed_url(thread)).content)
        self.assertEqual(only.findtext("title"), "Old news")
        self.assertEqual(only.findtext("description"), "Closed for replies.")
        self.assertIsNone(only.find("source"))

    def test_held_and_deleted_posts_are_never_items(self) -> None:
        admin = Client()
        admin.force_login(self.w.admin)
        author = Client()
        author.force_login(Member.objects.get(username="Fresh Face"))
        for client in (self.client, admin, author):
            text = client.get(links.thread_feed_url(self.w.long_thread)).content.decode().lower()
            self.assertNotIn("ocelotmemo", text)
            self.assertNotIn("pangolinledger", text)
            self.assertNotIn(str(self.b.held_reply.get_absolute_url()), text)

    def test_hidden_threads_have_no_feed(self) -> None:
        admin = Client()
        admin.force_login(self.w.admin)
        for thread in (self.b.private_thread, self.b.held_thread, self.b.deleted_thread):
            self.assertEqual(admin.get(thread.get_absolute_url()).status_code, 200)
            for client in (self.client, admin):
                for url in (links.thread_feed_url(thread), f"/threads/x.{thread.pk}/index.rss"):
                    response = client.get(url)
                    self.assertEqual(response.status_code, 404, url)
        self.assertEqual(self.client.get("/threads/x.999999/index.rss").status_code, 404)

    def test_a_moved_stubs_feed_leads_to_the_thread(self) -> None:
        response = self.client.get(links.thread_feed_url(self.b.stub))
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], links.thread_feed_url(self.b.moved))

    def test_a_stub_leading_where_guests_cannot_read_has_no_feed(self) -> None:
        actions.move_thread(
            actor=self.w.admin, thread=self.b.moved, forum=self.b.private, leave_redirect=True
        )
        stub = Thread.objects.get(redirect_to=self.b.moved, forum=self.w.news)
        response = self.client.get(links.thread_feed_url(stub))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.get("Location"), None)

    def test_the_slug_is_cosmetic(self) -> None:
        thread = self.w.long_thread
        response = self.client.get(f"/threads/{thread.pk}/index.rss")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], links.thread_feed_url(thread))

    def test_queries_do_not_grow_with_items(self) -> None:
        thread = self.w.locked_thread
        self.client.get(links.thread_feed_url(thread))
        with CaptureQueriesContext(connection) as before:
            self.client.get(links.thread_feed_url(thread))
        with CaptureQueriesContext(connection) as long:
            response = self.client.get(links.thread_feed_url(self.w.long_thread))
        self.assertEqual(len(items(response.content)), FEED_ITEMS)
        self.assertEqual(len(long), len(before))
        self.assertLessEqual(len(before), 3)  # stamps, the thread, its posts


class HostileTextTests(TestCase):
    """Titles, names and bodies holding markup reach feed readers as text: escaped for the HTML
    readers make of titles and descriptions, and escaped again by the XML writer."""

    TITLE = '<script>alert("t")</script> & <b>bold</b>'
    NAME = '<img src=x onerror=alert("n")>'

    @classmethod
    def setUpTestData(cls) -> None:
        cls.b = build_board()
        cls.w = cls.b.w
        forum = create_forum(category=cls.w.category, title='<i>Forum</i> "quoted"')
        cls.thread = services.create_thread(
            actor=cls.w.member,
            forum=forum,
            title=cls.TITLE,
            body=(
                'Text with <script>alert("b")</script> and **bold** &amp; '
                "[url=https://example.org]a link[/url]"
            ),
            source_name="<svg onload=alert(1)>",
            source_url="https://example.org/a?b=1&c=2",
            now=timezone.now() + timedelta(minutes=1),
        )
        # A name from before today's username rules (an import, an old account).
        Thread.objects.filter(pk=cls.thread.pk).update(author_name=cls.NAME)
        Post.objects.filter(thread=cls.thread).update(author_name=cls.NAME)
        cls.forum = forum

    def check(self, content: bytes) -> None:
        self.assertNotIn(b"<script", content)
        self.assertNotIn(b"<img", content)
        self.assertNotIn(b"<svg", content)
        self.assertNotIn(b"<b>", content)
        channel = rss_channel(content)
        texts = [
            node.text or ""
            for node in channel.iter()
            if node.tag in ("title", "description", f"{DC}creator", "category", "source")
        ]
        for text in texts:
            self.assertNotIn("<", text)  # markup only ever as escaped text

    def test_the_board_feed(self) -> None:
        content = self.client.get("/forums/-/index.rss").content
        self.check(content)
        item = items(content)[0]
        self.assertEqual(html.unescape(item.findtext("title") or ""), self.TITLE)
        self.assertEqual(html.unescape(item.findtext(f"{DC}creator") or ""), self.NAME)
        self.assertEqual(html.unescape(item.findtext("category") or ""), '<i>Forum</i> "quoted"')
        description = html.unescape(item.findtext("description") or "")
        self.assertEqual(
            description,
            'Text with <script>alert("b")</script> and bold & a link'
            "\n\nSource: <svg onload=alert(1)>",
        )
        source = item.find("source")
        assert source is not None
        self.assertEqual(source.get("url"), "https://example.org/a?b=1&c=2")

    def test_the_forum_and_thread_feeds(self) -> None:
        for url in (links.forum_feed_url(self.forum), links.thread_feed_url(self.thread)):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.check(response.content)
            channel = rss_channel(response.content)
            self.assertNotIn("<", channel.findtext("title") or "")
