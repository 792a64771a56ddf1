"""Sticky and locked threads are marked with small SVG icons that say what they mean (a title
and an accessible name), never emoji, which show as empty boxes without an emoji font."""

from __future__ import annotations

import re

from django.test import TestCase

from parley.forums import services
from tests.core.parsed import Node, parse
from tests.world import build_world

EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


class StatusIconTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        services.set_thread_state(actor=cls.w.moderator, thread=cls.w.short_thread, is_sticky=True)

    def row(self, page: Node, title: str) -> Node:
        for row in page.find_all(cls="thread-row"):
            if row.find(cls="thread-link").text == title:
                return row
        raise AssertionError(f"no row for {title!r}")

    def icons(self, node: Node) -> dict[str, Node]:
        return {svg.attrs.get("aria-label", ""): svg for svg in node.find_all("svg")}

    def test_thread_rows_mark_sticky_and_locked_threads_with_labelled_icons(self) -> None:
        page = parse(self.client.get(self.w.lounge.get_absolute_url()).content)
        sticky = self.icons(self.row(page, "Favourite tea"))
        locked = self.icons(self.row(page, "Old news"))
        assert set(sticky) == {"Sticky"} and set(locked) == {"Locked"}
        for svg, name in ((sticky["Sticky"], "Sticky"), (locked["Locked"], "Locked")):
            assert svg.attrs["role"] == "img"
            assert svg.find("title").text == name  # the tooltip on hover
        assert not EMOJI.search(page.find("main").text)
        news = parse(self.client.get(self.w.news.get_absolute_url()).content)
        assert self.icons(self.row(news, "Harbour bridge closed after storm")) == {}

    def test_the_thread_page_says_locked_and_sticky_beside_the_icon(self) -> None:
        for thread, word in ((self.w.locked_thread, "Locked"), (self.w.short_thread, "Sticky")):
            page = parse(self.client.get(thread.get_absolute_url()).content)
            statuses = page.find(cls="thread-header").find_all(cls="status")
            assert [s.text.strip() for s in statuses] == [word]
            svg = statuses[0].find("svg")
            assert svg.attrs["aria-hidden"] == "true"  # the word beside it is read, once
            assert not EMOJI.search(page.find("main").text)
