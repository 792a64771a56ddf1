"""The thread page as a guest and as members see it."""

from __future__ import annotations

import re

import pytest
from django.test import TestCase

from parley.forums import services, view_counts
from parley.forums.models import Post, Thread
from tests.world import THREE_PAGE_POSTS, build_world, warm_permission_cache


class ThreadPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.url = cls.w.long_thread.get_absolute_url()

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_max_num_queries):
        self.max_queries = django_assert_max_num_queries

    def test_guest_reads_first_page_with_news_post(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("Harbour bridge closed after storm", html)
        self.assertIn('class="label label-red">Breaking news</span>', html)
        self.assertIn("Coast Courier", html)
        self.assertIn('href="https://example.org/bridge"', html)
        self.assertIn("<strong>harbour bridge</strong>", html)
        self.assertIn("Joined", html)
        self.assertIn("#1</a>", html)
        self.assertIn("#20</a>", html)
        self.assertNotIn("#21</a>", html)
        self.assertIn("You must log in or register to reply here", re.sub(r"<[^>]+>", "", html))
        self.assertNotIn('id="quick-reply"', html)
        self.assertNotIn(">Report</a>", html)
        self.assertIn('href="#top"', html)
        self.assertIn('href="#bottom"', html)
        self.assertIn('id="top"', html)
        self.assertIn('id="bottom"', html)
        self.assertRegex(html, r'<time datetime="[^"]+" title="[^"]+"')

    def test_member_card_shows_role_and_message_count(self) -> None:
        html = self.client.get(self.url).content.decode()
        alice = self.w.member
        alice.refresh_from_db()
        self.assertIn(f'href="{alice.get_absolute_url()}">Alice</a>', html)
        # The role title itself is checked on the parsed card: tests/forums/test_member_card.py.
        self.assertIn(f"<dd>{alice.message_count}</dd>", html)

    def test_pages_are_position_ranges(self) -> None:
        page2 = self.client.get(self.w.long_thread.page_url(2)).content.decode()
        self.assertIn("#21</a>", page2)
        self.assertIn("#40</a>", page2)
        self.assertNotIn("#41</a>", page2)
        page3 = self.client.get(self.w.long_thread.page_url(3)).content.decode()
        self.assertIn(f"#{THREE_PAGE_POSTS}</a>", page3)
        self.assertIn("Page 3 of 3", page3)
        # Past the end: the last page, as XenForo answers (an old link still lands somewhere).
        for past in (4, 9999, 999999):
            self.assertRedirects(
                self.client.get(self.w.long_thread.page_url(past)),
                self.w.long_thread.page_url(3),
                status_code=302,
            )

    def test_page_url_has_xenforo_shape(self) -> None:
        t = self.w.long_thread
        self.assertEqual(
            t.get_absolute_url(), f"/threads/harbour-bridge-closed-after-storm.{t.pk}/"
        )
        self.assertEqual(t.page_url(2), f"/threads/harbour-bridge-closed-after-storm.{t.pk}/page-2")

    def test_wrong_or_missing_slug_redirects_permanently(self) -> None:
        t = self.w.long_thread
        for wrong in (f"/threads/old-title.{t.pk}/", f"/threads/{t.pk}/"):
            response = self.client.get(wrong)
            self.assertEqual(response.status_code, 301, wrong)
            self.assertEqual(response["Location"], t.get_absolute_url())
        response = self.client.get(f"/threads/old.{t.pk}/page-2")
        self.assertEqual(response["Location"], t.page_url(2))

    def test_missing_thread_is_404(self) -> None:
        self.assertEqual(self.client.get("/threads/nothing.999999/").status_code, 404)

    def test_post_permalink_lands_on_its_page_and_anchor(self) -> None:
        post = Post.objects.get(thread=self.w.long_thread, position=25)
        response = self.client.get(f"/posts/{post.pk}/")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], f"{self.w.long_thread.page_url(2)}#post-{post.pk}")

    def test_guest_view_writes_nothing_and_is_counted_later(self) -> None:
        before = Thread.objects.get(pk=self.w.long_thread.pk).view_count
        warm_permission_cache(self.client)
        with self.max_queries(4):  # stamp, the page's own reads, one presence read (database)
            response = self.client.get(self.url)
        self.assertNotIn("sessionid", response.cookies)
        self.assertEqual(Thread.objects.get(pk=self.w.long_thread.pk).view_count, before)
        self.assertEqual(view_counts.pending_views(self.w.long_thread.pk), 1)
        view_counts.flush(force=True)
        self.assertEqual(Thread.objects.get(pk=self.w.long_thread.pk).view_count, before + 1)

    def test_query_count_does_not_grow_with_posts(self) -> None:
        self.client.force_login(self.w.member)
        self.client.get(self.url)  # warm the session
        with self.max_queries(7):
            self.client.get(self.url)
        for i in range(30):
            services.reply_to_thread(
                actor=self.w.other, thread=self.w.long_thread, body=f"more {i}"
            )
        with self.max_queries(7):
            response = self.client.get(self.w.long_thread.page_url(4))
        self.assertEqual(response.status_code, 200)

    def test_member_sees_actions_for_others_and_own_posts(self) -> None:
        self.client.force_login(self.w.member)
        html = self.client.get(self.url).content.decode()
        own = Post.objects.get(thread=self.w.long_thread, position=2)  # Alice wrote even positions
        theirs = Post.objects.get(thread=self.w.long_thread, position=3)
        self.assertIn(f'href="/posts/{own.pk}/edit"', html)
        self.assertIn(f'href="/posts/{own.pk}/delete"', html)
        self.assertNotIn(f'href="/posts/{own.pk}/report"', html)
        self.assertIn(f'href="/posts/{theirs.pk}/report"', html)
        self.assertNotIn(f'href="/posts/{theirs.pk}/edit"', html)
        self.assertIn(f"?quote={theirs.pk}", html)
        self.assertIn('id="quick-reply"', html)

    def test_locked_thread_offers_no_reply(self) -> None:
        self.client.force_login(self.w.member)
        html = self.client.get(self.w.locked_thread.get_absolute_url()).content.decode()
        self.assertNotIn('id="quick-reply"', html)
        self.assertIn("This thread is locked", html)

    def test_content_security_policy_on_every_page(self) -> None:
        response = self.client.get(self.url)
        csp = response["Content-Security-Policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertIn("object-src 'none'", csp)


class ForumPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_max_num_queries):
        self.max_queries = django_assert_max_num_queries

    def test_index_lists_forums_with_counts_and_last_post(self) -> None:
        warm_permission_cache(self.client)
        with self.max_queries(4):  # stamp, the page's own reads, one presence read (database)
            response = self.client.get("/")
        html = response.content.decode()
        self.assertIn("World news", html)
        self.assertIn(self.w.news.get_absolute_url(), html)
        self.assertIn(f"<dd>{THREE_PAGE_POSTS}</dd>", html)  # messages in Breaking news
        self.assertIn("Harbour bridge closed after storm", html)

    def test_forum_page_lists_threads_sticky_first(self) -> None:
        services.set_thread_state(
            actor=self.w.moderator, thread=self.w.locked_thread, is_sticky=True
        )
        warm_permission_cache(self.client)
        with self.max_queries(5):  # stamp, the page's own reads, one presence read (database)
            response = self.client.get(self.w.lounge.get_absolute_url())
        html = response.content.decode()
        self.assertLess(html.index("Old news"), html.index("Favourite tea"))
        self.assertIn("Replies", html)
        self.assertIn("Views", html)

    def test_forum_pagination(self) -> None:
        for i in range(25):
            services.create_thread(
                actor=self.w.other, forum=self.w.lounge, title=f"Topic {i}", body="x"
            )
        self.w.lounge.refresh_from_db()
        page2 = self.client.get(self.w.lounge.get_absolute_url() + "page-2")
        self.assertEqual(page2.status_code, 200)
        self.assertIn("Page 2 of 2", page2.content.decode())
        lounge = self.w.lounge.get_absolute_url()
        self.assertRedirects(self.client.get(lounge + "page-99"), lounge + "page-2")
        short = self.w.news.get_absolute_url()  # one page: its first page has no number
        self.assertRedirects(self.client.get(short + "page-2"), short)

    def test_forum_wrong_slug_redirects(self) -> None:
        response = self.client.get(f"/forums/whatever.{self.w.news.pk}/")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], self.w.news.get_absolute_url())

    def test_whats_new_lists_latest_threads(self) -> None:
        html = self.client.get("/whats-new/").content.decode()
        self.assertIn("Harbour bridge closed after storm", html)
        self.assertIn("Favourite tea", html)
