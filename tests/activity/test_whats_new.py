"""What's new: the hub, new posts (with the member filters), new threads and latest members, as
guests and members see them, through permissions, at a fixed query cost."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.activity import services
from parley.activity.queries import WHATS_NEW_MAX_PAGES, WHATS_NEW_PER_PAGE
from parley.core import knobs
from parley.forums import services as forum_services
from parley.forums.models import Thread
from tests.world import build_world, make_member

POSTS = "/whats-new/posts/"
THREADS = "/whats-new/threads/"
MEMBERS = "/whats-new/members/"

# Pinned costs. A member's request loads the member (1); the session and permission tables come
# from the cache. Listing unread state is one query more, however many threads are shown.
GUEST_LIST_QUERIES = 2  # the permission stamp, the list
MEMBER_LIST_QUERIES = 5  # session, member, permission stamp, read markers, the list


def titles(html: str) -> list[str]:
    return re.findall(r'<a class="thread-link" href="[^"]+">([^<]+)</a>', html)


class WhatsNewTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_max_num_queries):
        self.max_queries = django_assert_max_num_queries

    def warm(self, url: str) -> None:
        """Load the page once: the session and cached permission tables are then warm, as
        they are for every request but a process's first."""
        self.client.get(url)

    def html(self, url: str) -> str:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return response.content.decode()

    def add_threads(self, count: int, **kwargs: object) -> list[Thread]:
        return [
            forum_services.create_thread(
                actor=self.w.other,
                forum=self.w.lounge,
                title=f"Topic number {i}",
                body="Something",
                **kwargs,  # type: ignore[arg-type]
            )
            for i in range(count)
        ]


class HubTests(WhatsNewTestCase):
    def test_hub_links_each_listing_and_shows_the_latest(self) -> None:
        html = self.html("/whats-new/")
        for href, text in (
            (POSTS, "New posts"),
            (THREADS, "New threads"),
            (MEMBERS, "Latest members"),
        ):
            self.assertIn(f'href="{href}"', html)
            self.assertIn(text, html)
        self.assertIn("Harbour bridge closed after storm", html)
        self.assertIn("Favourite tea", html)
        self.assertIn(self.w.other.get_absolute_url(), html)  # Bob, the newest member
        self.assertNotIn("Mark forums read", html)

    def test_member_hub_offers_mark_forums_read(self) -> None:
        self.client.force_login(self.w.member)
        html = self.html("/whats-new/")
        self.assertIn('action="/forums/mark-read"', html)
        self.assertIn("Mark forums read", html)


class NewPostsTests(WhatsNewTestCase):
    def test_guest_sees_threads_by_latest_activity_without_unread_state(self) -> None:
        self.warm(POSTS)
        with self.max_queries(GUEST_LIST_QUERIES):
            html = self.html(POSTS)
        self.assertEqual(titles(html)[0], "Harbour bridge closed after storm")
        self.assertEqual(
            set(titles(html)), {"Harbour bridge closed after storm", "Favourite tea", "Old news"}
        )
        self.assertIn('class="label label-red">Breaking news</span>', html)  # prefix
        self.assertIn(f'href="{self.w.news.get_absolute_url()}">Breaking news</a>', html)  # forum
        self.assertIn(f'href="{self.w.member.get_absolute_url()}">Alice</a>', html)  # starter
        self.assertIn("<dd>44</dd>", html)  # replies
        self.assertIn(f'href="{self.w.other.get_absolute_url()}">Bob</a>', html)  # last poster
        self.assertRegex(html, r'<time datetime="[^"]+" title="[^"]+" class="u-dt">')
        self.assertNotIn("is-unread", html)
        self.assertNotIn('name="unread"', html)
        self.assertNotIn("Mark forums read", html)

    def test_guest_filters_are_ignored(self) -> None:
        html = self.html(f"{POSTS}?unread=1&participated=1")
        self.assertEqual(len(titles(html)), 3)

    def test_member_sees_unread_marked(self) -> None:
        self.client.force_login(self.w.member)
        self.client.get(self.w.short_thread.get_absolute_url())
        with self.max_queries(MEMBER_LIST_QUERIES):
            html = self.html(POSTS)
        self.assertEqual(html.count('class="unread-dot"'), 2)
        self.assertIn(f'href="{self.w.long_thread.get_absolute_url()}unread">Jump to new', html)
        self.assertNotIn(f'href="{self.w.short_thread.get_absolute_url()}unread"', html)
        self.assertIn('name="unread"', html)
        self.assertIn('name="participated"', html)
        self.assertNotIn("watch", html.lower())  # watching comes later; no filter for it yet

    def test_unread_filter(self) -> None:
        self.client.force_login(self.w.member)
        self.client.get(self.w.short_thread.get_absolute_url())
        with self.max_queries(MEMBER_LIST_QUERIES):
            html = self.html(f"{POSTS}?unread=1")
        self.assertEqual(set(titles(html)), {"Harbour bridge closed after storm", "Old news"})
        self.assertIn('name="unread" value="1" checked', html)
        services.mark_all_forums_read(member=self.w.member)
        self.assertIn("No threads match these filters.", self.html(f"{POSTS}?unread=1"))

    def test_participated_filter(self) -> None:
        self.client.force_login(self.w.other)  # Bob posted in the long thread and the tea one
        html = self.html(f"{POSTS}?participated=1")
        self.assertEqual(set(titles(html)), {"Harbour bridge closed after storm", "Favourite tea"})
        both = self.html(f"{POSTS}?participated=1&unread=1")
        self.assertEqual(set(titles(both)), set(titles(html)))

    def test_filters_leave_out_activity_older_than_the_cutoff(self) -> None:
        days = knobs.UNREAD_CUTOFF_DAYS.get()
        self.add_threads(1, now=timezone.now() - timedelta(days=days + 2))
        self.client.force_login(self.w.other)
        self.assertIn("Topic number 0", titles(self.html(POSTS)))
        self.assertNotIn("Topic number 0", titles(self.html(f"{POSTS}?participated=1")))
        self.assertNotIn("Topic number 0", titles(self.html(f"{POSTS}?unread=1")))

    def test_junk_parameters_are_ignored(self) -> None:
        self.client.force_login(self.w.member)
        for query in ("unread=yes", "participated=2&page=abc", "page=-1", "page=0", "page=٣"):
            html = self.html(f"{POSTS}?{query}")
            self.assertEqual(len(titles(html)), 3, query)

    def test_pagination(self) -> None:
        self.add_threads(WHATS_NEW_PER_PAGE)
        first = self.html(POSTS)
        self.assertEqual(len(titles(first)), WHATS_NEW_PER_PAGE)
        self.assertIn('href="?page=2"', first)
        second = self.html(f"{POSTS}?page=2")
        self.assertEqual(len(titles(second)), 3)
        self.assertFalse(set(titles(first)) & set(titles(second)))
        self.assertIn('rel="prev"', second)
        self.assertEqual(self.client.get(f"{POSTS}?page=3").status_code, 404)
        self.assertEqual(
            self.client.get(f"{POSTS}?page={WHATS_NEW_MAX_PAGES + 1}").status_code, 404
        )

    def test_pagination_keeps_the_filters(self) -> None:
        self.add_threads(WHATS_NEW_PER_PAGE)
        self.client.force_login(self.w.member)
        html = self.html(f"{POSTS}?unread=1")
        self.assertIn('href="?unread=1&amp;page=2"', html)
        self.assertEqual(len(titles(self.html(f"{POSTS}?unread=1&page=2"))), 3)

    def test_query_count_does_not_grow_with_threads(self) -> None:
        self.client.force_login(self.w.member)
        urls = (POSTS, f"{POSTS}?unread=1", f"{POSTS}?participated=1", THREADS, "/whats-new/")
        counts = {}
        for url in urls:
            self.client.get(url)
            with CaptureQueriesContext(connection) as captured:
                self.client.get(url)
            counts[url] = len(captured)
        self.add_threads(2 * WHATS_NEW_PER_PAGE)
        for i, thread in enumerate(Thread.objects.all()[:10]):
            forum_services.reply_to_thread(actor=self.w.member, thread=thread, body=f"Me too {i}")
        for url in urls:
            with self.max_queries(counts[url]):
                self.client.get(url)
        with self.max_queries(MEMBER_LIST_QUERIES):
            self.client.get(f"{POSTS}?page=2")

    def test_soft_deleted_threads_show_only_to_moderators(self) -> None:
        # No thread-deletion service exists yet; soft-delete as moderation will.
        Thread.objects.filter(pk=self.w.short_thread.pk).update(is_deleted=True)
        for who in (None, self.w.member):
            if who:
                self.client.force_login(who)
            for url in (POSTS, THREADS, "/whats-new/", f"{POSTS}?unread=1"):
                self.assertNotIn("Favourite tea", self.html(url), url)
        self.client.force_login(self.w.moderator)
        self.assertIn("Favourite tea", self.html(POSTS))

    def test_what_s_new_tab_is_in_every_page_header(self) -> None:
        self.assertIn('href="/whats-new/"', self.html("/"))


class NewThreadsTests(WhatsNewTestCase):
    def test_newest_threads_first_by_creation(self) -> None:
        old = forum_services.create_thread(
            actor=self.w.other,
            forum=self.w.lounge,
            title="Backdated story",
            body="From the archive",
            now=timezone.now() - timedelta(days=3),
        )
        newest = self.add_threads(1)[0]
        forum_services.reply_to_thread(actor=self.w.member, thread=old, body="Bumped")
        self.warm(THREADS)
        with self.max_queries(GUEST_LIST_QUERIES):
            html = self.html(THREADS)
        shown = titles(html)
        self.assertEqual(shown[0], newest.title)
        self.assertEqual(shown[-1], "Backdated story")
        self.assertEqual(self.client.get(f"{THREADS}?page=2").status_code, 404)

    def test_member_sees_unread_state(self) -> None:
        self.client.force_login(self.w.member)
        self.warm(THREADS)
        with self.max_queries(MEMBER_LIST_QUERIES):
            html = self.html(THREADS)
        self.assertEqual(html.count('class="unread-dot"'), 3)


class LatestMembersTests(WhatsNewTestCase):
    def test_latest_members_with_join_date_and_messages(self) -> None:
        newest = make_member("Nadia Okafor")
        self.warm(MEMBERS)
        with self.max_queries(GUEST_LIST_QUERIES):
            html = self.html(MEMBERS)
        names = re.findall(r'class="username" href="[^"]+">([^<]+)</a>', html)
        self.assertEqual(names[:3], ["Nadia Okafor", "Bob", "Alice"])
        self.assertIn(f'href="{newest.get_absolute_url()}"', html)
        self.assertIn("Joined", html)
        bob = self.w.other
        bob.refresh_from_db()
        self.assertIn(f"<dd>{bob.message_count}</dd>", html)
        self.assertIn(f"{bob.date_joined:%b} {bob.date_joined.day}, {bob.date_joined.year}", html)

    def test_deactivated_members_are_not_listed(self) -> None:
        gone = make_member("Gone Away")
        gone.is_active = False
        gone.save(update_fields=["is_active"])
        self.assertNotIn("Gone Away", self.html(MEMBERS))
