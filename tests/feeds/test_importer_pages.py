"""Imported stories on the board's pages, read by parsing the HTML: the thread page looks like a
news post (prefix label, headline, the source linked, "21 minutes ago", a Report link), and
thread lists (the forum page, What's new) name the source beside the thread, its link
nofollow. None of it costs a query per thread."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.feeds.importer import services
from parley.feeds.models import NewsFeed
from parley.forums.models import Thread
from tests.core.parsed import Node, parse
from tests.feeds.importer_server import rss, rss_item
from tests.world import build_world

STORY = "Ketterin observatory names its new comet after a schoolgirl"


class NewsPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        bot = services.ensure_news_member()
        cls.feed = services.register_feed(
            actor=None,
            url="https://wire.example.org/rss",
            forum=cls.w.news,
            member=bot,
            prefix=cls.w.breaking,
            is_active=False,
        )
        published = timezone.now() - timedelta(minutes=21)
        document = rss(
            "Meridian Wire",
            rss_item(
                STORY,
                "https://wire.example.org/science/comet-name",
                "wire-comet-name",
                "The comet found last week on Mount Ketterin will carry the name of the pupil "
                "who first spotted it on the observatory's public night.",
                published.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            ),
        )
        services.import_document(
            feed=NewsFeed.objects.get(pk=cls.feed.pk), document=document.encode()
        )  # noqa: E501
        cls.story = Thread.objects.get(title=STORY)

    def test_the_thread_page_looks_like_a_news_post(self) -> None:
        self.client.force_login(self.w.member)
        page = parse(self.client.get(self.story.get_absolute_url()).content)
        title = page.one("h1", cls="page-title")
        assert title.one("span", cls="label").folded_text == "Breaking news"
        assert "label-red" in title.one("span", cls="label").classes
        assert title.folded_text == f"Breaking news {STORY}"
        post = page.find_all("article", cls="post")[0]
        source = post.one("div", cls="news-source")
        assert source.folded_text == "Source: Meridian Wire"
        link = source.one("a")
        assert link.attrs["href"] == "https://wire.example.org/science/comet-name"
        assert set(link.attrs["rel"].split()) == {"nofollow", "noopener", "ugc"}
        assert post.one("a", cls="post-time").folded_text == "21 minutes ago"
        actions = [a.folded_text for a in post.one("footer", cls="post-actions").find_all("a")]
        assert "Report" in actions
        body = post.one("div", cls="post-body")
        assert body.find_all("p")[-1].folded_text == "Continue reading at Meridian Wire"
        assert (
            post.one("span", cls="username").folded_text == "Newsroom"
            if post.find_all("span", cls="username")
            else post.one("a", cls="username").folded_text == "Newsroom"
        )  # noqa: E501

    def assert_row_names_the_source(self, page: Node) -> None:
        rows = [r for r in page.find_all("div", cls="thread-row") if STORY in r.folded_text]
        (row,) = rows
        assert row.one("span", cls="label").folded_text == "Breaking news"
        via = row.one("span", cls="thread-source")
        assert via.folded_text == "via Meridian Wire"
        link = via.one("a")
        assert link.attrs["href"] == "https://wire.example.org/science/comet-name"
        assert link.attrs["rel"] == "nofollow noopener ugc"
        # Any thread with a source gets the same line (the world's is a member's news thread).
        rows = {
            r.one("a", cls="thread-link").folded_text: r
            for r in page.find_all("div", cls="thread-row")
        }
        assert rows[self.w.long_thread.title].one("span", cls="thread-source").folded_text == (
            "via Coast Courier"
        )

    def test_the_forum_page_names_the_source(self) -> None:
        self.assert_row_names_the_source(
            parse(self.client.get(self.w.news.get_absolute_url()).content)
        )  # noqa: E501

    def test_whats_new_names_the_source(self) -> None:
        self.assert_row_names_the_source(parse(self.client.get("/whats-new/threads/").content))

    @override_settings(PARLEY_GUEST_PAGE_CACHE=False)  # the render's cost, not the cache's
    def test_sources_cost_no_query_per_thread(self) -> None:
        url = self.w.news.get_absolute_url()
        self.client.get(url)  # warm the permission tables
        with CaptureQueriesContext(connection) as with_story:
            self.client.get(url)
        Thread.objects.filter(pk=self.story.pk).update(source_name="", source_url="")
        with CaptureQueriesContext(connection) as without:
            self.client.get(url)
        assert len(with_story) == len(without)
