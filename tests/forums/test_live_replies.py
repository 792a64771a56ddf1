"""An open thread page learns about new replies and loads them in place."""

from __future__ import annotations

import pytest
from django.test import TestCase

from parley.forums import services
from tests.world import THREE_PAGE_POSTS, build_world, warm_permission_cache


class LiveRepliesTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.poll = f"{cls.w.long_thread.get_absolute_url()}new-replies"

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_max_num_queries):
        self.max_queries = django_assert_max_num_queries

    def test_last_page_polls_and_earlier_pages_do_not(self) -> None:
        last = self.client.get(self.w.long_thread.page_url(3)).content.decode()
        self.assertIn(f'hx-get="{self.poll}?after={THREE_PAGE_POSTS}"', last)
        first = self.client.get(self.w.long_thread.page_url(1)).content.decode()
        self.assertNotIn("new-replies?after=", first)

    def test_nothing_new_is_a_cheap_204(self) -> None:
        warm_permission_cache(self.client)
        with self.max_queries(2):
            response = self.client.get(f"{self.poll}?after={THREE_PAGE_POSTS}")
        self.assertEqual(response.status_code, 204)

    def test_new_replies_are_announced_then_loaded_in_place(self) -> None:
        services.reply_to_thread(actor=self.w.other, thread=self.w.long_thread, body="Fresh one")
        services.reply_to_thread(actor=self.w.member, thread=self.w.long_thread, body="Fresh two")
        notice = self.client.get(f"{self.poll}?after={THREE_PAGE_POSTS}")
        self.assertContains(notice, "2 new replies")
        self.assertContains(notice, f"after={THREE_PAGE_POSTS}&amp;load=1")
        warm_permission_cache(self.client)
        with self.max_queries(3):
            loaded = self.client.get(f"{self.poll}?after={THREE_PAGE_POSTS}&load=1")
        html = loaded.content.decode()
        self.assertIn("Fresh one", html)
        self.assertIn("Fresh two", html)
        self.assertIn(f"#{THREE_PAGE_POSTS + 2}</a>", html)
        # The poller comes back out-of-band, now waiting for replies after the loaded ones.
        self.assertIn(f'new-replies?after={THREE_PAGE_POSTS + 2}"', html)
        self.assertIn('hx-swap-oob="true"', html)

    def test_bad_after_is_refused_and_hidden_threads_are_404(self) -> None:
        self.assertEqual(self.client.get(f"{self.poll}?after=abc").status_code, 400)
        self.assertEqual(self.client.get(f"{self.poll}").status_code, 400)
        self.assertEqual(self.client.get("/threads/x.999999/new-replies?after=1").status_code, 404)

    def test_member_loading_new_replies_gets_actions_on_them(self) -> None:
        post = services.reply_to_thread(actor=self.w.other, thread=self.w.long_thread, body="Hi")
        self.client.force_login(self.w.member)
        html = self.client.get(f"{self.poll}?after={THREE_PAGE_POSTS}&load=1").content.decode()
        self.assertIn(f'href="{post.report_url}"', html)
        self.assertIn(f"?quote={post.pk}", html)
