"""The navigation highlights the section a page belongs to, as XenForo's does: "Forums" on forum
pages (index, forum, thread, posting, replying, editing), "What's new" on its lists, and no tab
at all elsewhere (account, alerts, profiles, moderation queues, login). Read from the main
navigation's aria-current, the state a screen reader announces and the stylesheet draws."""

from __future__ import annotations

from django.test import TestCase

from parley.forums.models import Post
from tests.core.parsed import parse
from tests.world import build_world


class NavTabTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def current_tabs(self, url: str) -> list[str]:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        nav = parse(response.content).find("nav", cls="main-nav")
        return [a.text for a in nav.find_all("a") if a.attrs.get("aria-current") == "page"]

    def assert_tabs(self, expected: list[str], urls: list[str]) -> None:
        for url in urls:
            with self.subTest(url=url):
                assert self.current_tabs(url) == expected

    def test_forum_pages_highlight_forums(self) -> None:
        w = self.w
        own_post = Post.objects.get(thread=w.long_thread, position=2)
        bobs_post = Post.objects.get(thread=w.long_thread, position=3)
        self.client.force_login(w.member)
        self.assert_tabs(
            ["Forums"],
            [
                "/",
                w.news.get_absolute_url(),
                w.long_thread.get_absolute_url(),
                w.long_thread.page_url(2),
                f"{w.news.get_absolute_url()}post-thread",
                w.long_thread.reply_url(),
                own_post.edit_url,
                bobs_post.report_url,
            ],
        )

    def test_whats_new_pages_highlight_whats_new(self) -> None:
        self.assert_tabs(
            ["What's new"],
            ["/whats-new/", "/whats-new/posts/", "/whats-new/threads/", "/whats-new/members/"],
        )

    def test_other_pages_highlight_nothing(self) -> None:
        self.assert_tabs([], ["/login/", "/register/", self.w.member.get_absolute_url()])
        self.client.force_login(self.w.admin)
        self.assert_tabs(
            [],
            [
                "/account/",
                "/account/alerts/",
                "/reports/",
                "/approval-queue/",
                "/moderation/log/",
                self.w.member.get_absolute_url(),
            ],
        )
