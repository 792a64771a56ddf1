"""Imported stories on the board's pages, read by parsing the HTML: the thread page looks like a
news post (prefix label, headline, the source linked, "21 minutes ago", a Report link), and
thread lists (the forum page, What's new) name the source beside the thread, its link
nofollow. None of it costs a query per thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.feeds.importer import services
from parley.feeds.models import NewsFeed
from parley.forums.models import Thread
from tests.feeds.importer_server import rss, rss_item
from tests.world import build_world

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # text, and children's text, in order

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                found.append(child)
            found.extend(child.find_all(tag, cls))
        return found

    def find(self, tag: str | None = None, cls: str | None = None) -> Node:
        (one,) = self.find_all(tag, cls)
        return one


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        for node in self.stack:
            node.parts.append(data)


def tree(content: bytes) -> Node:
    parser = _Tree()
    parser.feed(content.decode())
    return parser.root


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
        page = tree(self.client.get(self.story.get_absolute_url()).content)
        title = page.find("h1", "page-title")
        assert title.find("span", "label").text == "Breaking news"
        assert "label-red" in title.find("span", "label").classes
        assert title.text == f"Breaking news {STORY}"
        post = page.find_all("article", "post")[0]
        source = post.find("div", "news-source")
        assert source.text == "Source: Meridian Wire"
        link = source.find("a")
        assert link.attrs["href"] == "https://wire.example.org/science/comet-name"
        assert set(link.attrs["rel"].split()) == {"nofollow", "noopener", "ugc"}
        assert post.find("a", "post-time").text == "21 minutes ago"
        actions = [a.text for a in post.find("footer", "post-actions").find_all("a")]
        assert "Report" in actions
        body = post.find("div", "post-body")
        assert body.find_all("p")[-1].text == "Continue reading at Meridian Wire"
        assert (
            post.find("span", "username").text == "Newsroom"
            if post.find_all("span", "username")
            else post.find("a", "username").text == "Newsroom"
        )  # noqa: E501

    def assert_row_names_the_source(self, page: Node) -> None:
        rows = [r for r in page.find_all("div", "thread-row") if STORY in r.text]
        (row,) = rows
        assert row.find("span", "label").text == "Breaking news"
        via = row.find("span", "thread-source")
        assert via.text == "via Meridian Wire"
        link = via.find("a")
        assert link.attrs["href"] == "https://wire.example.org/science/comet-name"
        assert link.attrs["rel"] == "nofollow noopener ugc"
        # Any thread with a source gets the same line (the world's is a member's news thread).
        rows = {r.find("a", "thread-link").text: r for r in page.find_all("div", "thread-row")}
        assert rows[self.w.long_thread.title].find("span", "thread-source").text == (
            "via Coast Courier"
        )

    def test_the_forum_page_names_the_source(self) -> None:
        self.assert_row_names_the_source(
            tree(self.client.get(self.w.news.get_absolute_url()).content)
        )  # noqa: E501

    def test_whats_new_names_the_source(self) -> None:
        self.assert_row_names_the_source(tree(self.client.get("/whats-new/threads/").content))

    def test_sources_cost_no_query_per_thread(self) -> None:
        url = self.w.news.get_absolute_url()
        self.client.get(url)  # warm the permission tables
        with CaptureQueriesContext(connection) as with_story:
            self.client.get(url)
        Thread.objects.filter(pk=self.story.pk).update(source_name="", source_url="")
        with CaptureQueriesContext(connection) as without:
            self.client.get(url)
        assert len(with_story) == len(without)
