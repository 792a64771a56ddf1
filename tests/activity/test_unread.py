"""Unread tracking: markers only move forward, forum and board markers and the cut-off make older
threads read, old markers are pruned, and reading or listing costs a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parley.activity import queries, services
from parley.activity.models import ForumRead, ThreadRead
from parley.core import knobs
from parley.forums import services as forum_services
from parley.forums.models import Post, Thread
from parley.forums.services.structure import create_forum
from parley.permissions.guardian import perms_for
from tests.world import build_world, make_member


def post_at(thread: Thread, position: int) -> Post:
    return Post.objects.get(thread=thread, position=position, is_deleted=False)


class UnreadTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.alice = cls.w.member
        cls.bob = cls.w.other
        cls.thread = cls.w.long_thread

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_num_queries, django_assert_max_num_queries):
        self.num_queries = django_assert_num_queries
        self.max_queries = django_assert_max_num_queries

    def is_unread(self, member, thread: Thread) -> bool:
        thread = Thread.objects.get(pk=thread.pk)
        queries.attach_unread(perms_for(member), [thread])
        return thread.is_unread

    def marker(self, member, thread: Thread):
        row = ThreadRead.objects.filter(member=member, thread=thread).first()
        return row.read_at if row else None

    def fresh(self, member):
        member.refresh_from_db()
        return member


class ThreadMarkerTests(UnreadTestCase):
    def test_new_activity_is_unread_until_read(self) -> None:
        self.assertTrue(self.is_unread(self.alice, self.thread))
        services.mark_thread_read(
            member=self.alice, thread=self.thread, up_to=self.thread.last_post_at
        )
        self.assertFalse(self.is_unread(self.alice, self.thread))
        forum_services.reply_to_thread(actor=self.bob, thread=self.thread, body="Fresh news")
        self.assertTrue(self.is_unread(self.alice, self.thread))

    def test_marker_only_moves_forward(self) -> None:
        early, late = post_at(self.thread, 10).created_at, post_at(self.thread, 30).created_at
        services.mark_thread_read(member=self.alice, thread=self.thread, up_to=late)
        services.mark_thread_read(member=self.alice, thread=self.thread, up_to=early)
        self.assertEqual(self.marker(self.alice, self.thread), late)
        latest = self.thread.last_post_at
        services.mark_thread_read(member=self.alice, thread=self.thread, up_to=latest)
        self.assertEqual(self.marker(self.alice, self.thread), latest)
        self.assertEqual(ThreadRead.objects.filter(member=self.alice).count(), 1)

    def test_reading_costs_one_statement_and_an_old_page_writes_nothing(self) -> None:
        early, late = post_at(self.thread, 20).created_at, post_at(self.thread, 40).created_at
        with self.num_queries(1):
            services.mark_thread_read(member=self.alice, thread=self.thread, up_to=late)
        with self.num_queries(1):
            services.mark_thread_read(member=self.alice, thread=self.thread, up_to=early)
        self.assertEqual(self.marker(self.alice, self.thread), late)

    def test_markers_are_per_member(self) -> None:
        services.mark_thread_read(
            member=self.alice, thread=self.thread, up_to=self.thread.last_post_at
        )
        self.assertFalse(self.is_unread(self.alice, self.thread))
        self.assertTrue(self.is_unread(self.bob, self.thread))


class CutoffTests(UnreadTestCase):
    def test_activity_older_than_the_cutoff_counts_as_read(self) -> None:
        days = knobs.UNREAD_CUTOFF_DAYS.get()
        old = forum_services.create_thread(
            actor=self.bob,
            forum=self.w.lounge,
            title="Last month's weather",
            body="Rain.",
            now=timezone.now() - timedelta(days=days + 1),
        )
        self.assertFalse(self.is_unread(self.alice, old))
        with self.num_queries(0):
            services.mark_thread_read(member=self.alice, thread=old, up_to=old.last_post_at)
        self.assertIsNone(self.marker(self.alice, old))
        forum_services.reply_to_thread(actor=self.bob, thread=old, body="Still raining.")
        self.assertTrue(self.is_unread(self.alice, old))

    def test_guests_have_no_unread_state_and_cost_nothing(self) -> None:
        threads = list(Thread.objects.all())
        guest = perms_for(None)
        with self.num_queries(0):
            queries.attach_unread(guest, threads)
        self.assertFalse(any(t.is_unread for t in threads))


class ForumAndBoardMarkerTests(UnreadTestCase):
    def test_marking_a_forum_read_makes_its_threads_read(self) -> None:
        services.mark_thread_read(
            member=self.alice, thread=self.thread, up_to=post_at(self.thread, 5).created_at
        )
        services.mark_forum_read(member=self.alice, forum=self.w.news)
        self.assertFalse(self.is_unread(self.alice, self.thread))
        self.assertTrue(self.is_unread(self.alice, self.w.short_thread))  # another forum
        # The forum marker covers the thread marker, which is gone.
        self.assertIsNone(self.marker(self.alice, self.thread))
        forum_services.reply_to_thread(actor=self.bob, thread=self.thread, body="Update")
        self.assertTrue(self.is_unread(self.alice, self.thread))

    def test_marking_a_forum_read_covers_its_subforums(self) -> None:
        sub = create_forum(category=self.w.category, title="Local news", parent=self.w.news)
        local = forum_services.create_thread(
            actor=self.bob, forum=sub, title="Fete on Sunday", body="Cakes."
        )
        self.assertTrue(self.is_unread(self.alice, local))
        services.mark_forum_read(member=self.alice, forum=self.w.news)
        self.assertFalse(self.is_unread(self.alice, local))
        self.assertTrue(ForumRead.objects.filter(member=self.alice, forum=sub).exists())

    def test_marking_all_forums_read(self) -> None:
        services.mark_thread_read(
            member=self.alice, thread=self.thread, up_to=post_at(self.thread, 5).created_at
        )
        services.mark_forum_read(member=self.alice, forum=self.w.lounge)
        services.mark_all_forums_read(member=self.alice)
        alice = self.fresh(self.alice)
        self.assertIsNotNone(alice.board_read_at)
        for thread in (self.thread, self.w.short_thread, self.w.locked_thread):
            self.assertFalse(self.is_unread(alice, thread))
        self.assertFalse(ThreadRead.objects.filter(member=alice).exists())
        self.assertFalse(ForumRead.objects.filter(member=alice).exists())
        self.assertTrue(self.is_unread(self.bob, self.w.short_thread))
        forum_services.reply_to_thread(actor=self.bob, thread=self.w.short_thread, body="Black.")
        self.assertTrue(self.is_unread(alice, self.w.short_thread))
        # The board marker covers older pages: reading one writes nothing.
        with self.num_queries(0):
            services.mark_thread_read(
                member=alice, thread=self.thread, up_to=self.thread.last_post_at
            )

    def test_sql_filter_agrees_with_the_python_flags(self) -> None:
        """`unread_only` (SQL, for the "Unread" filter) and `attach_unread` (Python, for the
        flags) state the same rule; hold them to each other across every kind of marker."""
        extra = [
            forum_services.create_thread(
                actor=self.bob, forum=self.w.lounge, title=f"Lounge talk {i}", body="Hi"
            )
            for i in range(3)
        ]
        services.mark_thread_read(member=self.alice, thread=extra[0], up_to=extra[0].last_post_at)
        services.mark_thread_read(
            member=self.alice, thread=self.thread, up_to=post_at(self.thread, 30).created_at
        )
        services.mark_forum_read(member=self.alice, forum=self.w.lounge)
        forum_services.reply_to_thread(actor=self.bob, thread=extra[1], body="Later")
        alice = self.fresh(self.alice)
        perms = perms_for(alice)
        threads = list(Thread.objects.all())
        queries.attach_unread(perms, threads)
        flagged = {t.pk for t in threads if t.is_unread}
        filtered = set(
            queries.unread_only(alice, Thread.objects.all()).values_list("pk", flat=True)
        )
        self.assertEqual(flagged, filtered)
        self.assertEqual(flagged, {self.thread.pk, extra[1].pk})


class ListingCostTests(UnreadTestCase):
    def test_unread_state_for_a_list_is_one_query(self) -> None:
        for i in range(25):
            forum_services.create_thread(
                actor=self.bob, forum=self.w.lounge, title=f"Topic {i}", body="x"
            )
        threads = list(Thread.objects.order_by("-last_post_at")[:20])
        services.mark_thread_read(
            member=self.alice, thread=threads[0], up_to=threads[0].last_post_at
        )
        perms = perms_for(self.alice)
        with self.num_queries(1):
            queries.attach_unread(perms, threads)
        self.assertFalse(threads[0].is_unread)
        self.assertTrue(all(t.is_unread for t in threads[1:]))

    def test_forum_unread_state_is_one_query(self) -> None:
        sub = create_forum(category=self.w.category, title="Local news", parent=self.w.news)
        forum_services.create_thread(actor=self.bob, forum=sub, title="Fete", body="Cakes.")
        perms = perms_for(self.alice)
        from parley.forums.queries import index_categories

        forums = [f for c in index_categories(perms) for f in c.top_forums]
        with self.num_queries(1):
            queries.attach_forum_unread(perms, forums)
        self.assertTrue(all(f.is_unread for f in forums))
        services.mark_forum_read(member=self.alice, forum=sub)
        services.mark_forum_read(member=self.alice, forum=self.w.lounge)
        forums = [f for c in index_categories(perms) for f in c.top_forums]
        queries.attach_forum_unread(perms, forums)
        by_title = {f.title: f for f in forums}
        self.assertTrue(by_title["Breaking news"].is_unread)  # its own thread is still unread
        self.assertFalse(by_title["Breaking news"].subforums[0].is_unread)
        self.assertFalse(by_title["The lounge"].is_unread)


class PruningTests(UnreadTestCase):
    def test_prune_deletes_only_markers_older_than_the_cutoff(self) -> None:
        now = timezone.now()
        cutoff = queries.unread_cutoff(now)
        ThreadRead.objects.create(
            member=self.alice, thread=self.thread, read_at=cutoff - timedelta(hours=1)
        )
        ThreadRead.objects.create(member=self.bob, thread=self.thread, read_at=now)
        ForumRead.objects.create(
            member=self.alice, forum=self.w.news, read_at=cutoff - timedelta(days=3)
        )
        ForumRead.objects.create(member=self.bob, forum=self.w.news, read_at=now)
        with CaptureQueriesContext(connection) as captured:
            result = services.prune_read_markers(now=now)
        deletes = [q["sql"] for q in captured if q["sql"].startswith("DELETE")]
        self.assertEqual(len(deletes), 2)
        self.assertEqual((result.thread_markers, result.forum_markers), (1, 1))
        self.assertEqual(list(ThreadRead.objects.values_list("member", flat=True)), [self.bob.pk])
        self.assertEqual(list(ForumRead.objects.values_list("member", flat=True)), [self.bob.pk])

    def test_pruning_changes_no_read_state(self) -> None:
        now = timezone.now()
        ThreadRead.objects.create(
            member=self.alice, thread=self.thread, read_at=now - timedelta(days=400)
        )
        before = self.is_unread(self.alice, self.thread)
        call_command("prune_read_markers", stdout=(out := StringIO()))
        self.assertIn("Pruned 1 thread marker(s) and 0 forum marker(s).", out.getvalue())
        self.assertEqual(self.is_unread(self.alice, self.thread), before)


class ThreadPageReadingTests(UnreadTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def test_reading_a_page_marks_up_to_its_last_post(self) -> None:
        self.client.get(self.thread.get_absolute_url())
        self.assertEqual(self.marker(self.alice, self.thread), post_at(self.thread, 20).created_at)
        self.client.get(self.thread.page_url(3))
        self.assertEqual(self.marker(self.alice, self.thread), self.thread.last_post_at)
        self.client.get(self.thread.page_url(2))  # going back never moves the marker back
        self.assertEqual(self.marker(self.alice, self.thread), self.thread.last_post_at)
        self.assertFalse(self.is_unread(self.alice, self.thread))

    def test_reading_adds_at_most_one_statement(self) -> None:
        url = self.thread.get_absolute_url()
        self.client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as first:
            self.client.get(self.thread.page_url(2))
        with CaptureQueriesContext(connection) as again:
            self.client.get(self.thread.page_url(2))
        for captured in (first, again):
            marker_sql = [q for q in captured if "activity_threadread" in q["sql"]]
            self.assertEqual(len(marker_sql), 1)
        self.assertEqual(len(first), len(again))
        # Once the board marker covers the page, reading it costs no statement at all.
        services.mark_all_forums_read(member=self.alice)
        with CaptureQueriesContext(connection) as covered:
            self.client.get(self.thread.page_url(2))
        self.assertEqual(len(covered), len(again) - 1)


class UnreadJumpTests(UnreadTestCase):
    def unread_url(self, thread: Thread) -> str:
        return f"{thread.get_absolute_url()}unread"

    def test_url_matches_the_urlconf(self) -> None:
        t = self.thread
        self.assertEqual(self.unread_url(t), reverse("thread-unread", args=[t.slug, t.pk]))

    def test_member_lands_on_the_first_post_after_the_page_read(self) -> None:
        self.client.force_login(self.alice)
        self.client.get(self.thread.get_absolute_url())  # page 1: posts 1-20
        forum_services.reply_to_thread(actor=self.bob, thread=self.thread, body="Bridge reopens")
        with self.max_queries(8):
            response = self.client.get(self.unread_url(self.thread))
        first_unread = post_at(self.thread, 21)
        self.assertRedirects(
            response,
            f"{self.thread.page_url(2)}#post-{first_unread.pk}",
            fetch_redirect_response=False,
        )

    def test_nothing_unread_goes_to_the_last_post(self) -> None:
        self.client.force_login(self.alice)
        self.client.get(self.thread.page_url(3))
        response = self.client.get(self.unread_url(self.thread))
        self.thread.refresh_from_db()
        self.assertEqual(
            response["Location"], f"{self.thread.page_url(3)}#post-{self.thread.last_post_id}"
        )

    def test_never_read_starts_at_the_first_post(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(self.unread_url(self.thread))
        self.assertEqual(
            response["Location"],
            f"{self.thread.get_absolute_url()}#post-{self.thread.first_post_id}",
        )

    def test_forum_marker_counts_for_the_jump(self) -> None:
        self.client.force_login(self.alice)
        services.mark_forum_read(member=self.alice, forum=self.w.news)
        reply = forum_services.reply_to_thread(actor=self.bob, thread=self.thread, body="Later")
        response = self.client.get(self.unread_url(self.thread))
        self.assertEqual(response["Location"], f"{self.thread.page_url(3)}#post-{reply.pk}")

    def test_guest_goes_to_the_first_page(self) -> None:
        response = self.client.get(self.unread_url(self.thread))
        self.assertEqual(response["Location"], self.thread.get_absolute_url())

    def test_invisible_thread_is_404(self) -> None:
        # No thread-deletion service exists yet; soft-delete as moderation will.
        Thread.objects.filter(pk=self.w.short_thread.pk).update(is_deleted=True)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.unread_url(self.w.short_thread)).status_code, 404)
        self.assertEqual(self.client.get("/threads/x.999999/unread").status_code, 404)


class ListsShowUnreadTests(UnreadTestCase):
    def test_forum_page_marks_unread_threads_with_a_jump_link(self) -> None:
        self.client.force_login(self.alice)
        self.client.get(self.w.short_thread.get_absolute_url())
        html = self.client.get(self.w.lounge.get_absolute_url()).content.decode()
        self.assertIn(f'href="{self.w.locked_thread.get_absolute_url()}unread">Jump to new', html)
        self.assertNotIn(f'href="{self.w.short_thread.get_absolute_url()}unread"', html)
        self.assertEqual(html.count('class="unread-dot"'), 1)

    def test_guest_forum_page_shows_no_unread_state(self) -> None:
        html = self.client.get(self.w.lounge.get_absolute_url()).content.decode()
        self.assertNotIn("Jump to new", html)
        self.assertNotIn("is-unread", html)
        self.assertNotIn("Mark forum read", html)

    def test_forum_page_query_count_does_not_grow_with_threads(self) -> None:
        self.client.force_login(self.alice)
        url = self.w.lounge.get_absolute_url()
        self.client.get(url)
        with CaptureQueriesContext(connection) as before:
            self.client.get(url)
        for i in range(25):
            forum_services.create_thread(
                actor=self.bob, forum=self.w.lounge, title=f"Topic {i}", body="x"
            )
        with CaptureQueriesContext(connection) as after:
            response = self.client.get(url)
        self.assertEqual(len(after), len(before))
        self.assertEqual(response.content.decode().count('class="unread-dot"'), 20)

    def test_index_shows_unread_forums(self) -> None:
        self.client.force_login(self.alice)
        html = self.client.get("/").content.decode()
        self.assertEqual(html.count("node-row is-unread"), 2)
        services.mark_forum_read(member=self.alice, forum=self.w.lounge)
        html = self.client.get("/").content.decode()
        self.assertEqual(html.count("node-row is-unread"), 1)
        self.assertNotIn("is-unread", Client().get("/").content.decode())


class MarkReadViewTests(UnreadTestCase):
    def mark_forum_url(self, forum) -> str:
        return f"{forum.get_absolute_url()}mark-read"

    def test_mark_forum_read_redirects_back_with_a_message(self) -> None:
        self.client.force_login(self.alice)
        url = self.mark_forum_url(self.w.news)
        self.assertEqual(url, reverse("forum-mark-read", args=[self.w.news.slug, self.w.news.pk]))
        response = self.client.post(url, follow=True)
        self.assertRedirects(response, self.w.news.get_absolute_url())
        html = response.content.decode()
        self.assertIn("Breaking news is marked as read.", html)
        self.assertNotIn("Jump to new", html)
        self.assertIn("Mark forum read", html)
        self.assertTrue(ForumRead.objects.filter(member=self.alice, forum=self.w.news).exists())

    def test_mark_all_read_then_lists_show_read(self) -> None:
        self.client.force_login(self.alice)
        self.assertIn("Jump to new", self.client.get("/whats-new/posts/").content.decode())
        response = self.client.post("/forums/mark-read", {"next": "/whats-new/posts/"}, follow=True)
        self.assertRedirects(response, "/whats-new/posts/")
        html = response.content.decode()
        self.assertIn("All forums are marked as read.", html)
        self.assertNotIn("Jump to new", html)
        self.assertNotIn("is-unread", self.client.get("/").content.decode())

    def test_mark_all_read_ignores_an_offsite_next(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post("/forums/mark-read", {"next": "https://evil.example/"})
        self.assertEqual(response["Location"], "/whats-new/")

    def test_only_post_is_accepted(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.mark_forum_url(self.w.news)).status_code, 405)
        self.assertEqual(self.client.get("/forums/mark-read").status_code, 405)

    def test_guests_are_sent_to_log_in(self) -> None:
        for url in (self.mark_forum_url(self.w.news), "/forums/mark-read"):
            response = self.client.post(url)
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith("/login/"), url)
        self.assertFalse(ForumRead.objects.exists())

    def test_csrf_is_enforced(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        self.assertEqual(client.post(self.mark_forum_url(self.w.news)).status_code, 403)
        self.assertEqual(client.post("/forums/mark-read").status_code, 403)
        self.assertFalse(ForumRead.objects.exists())
        self.assertIsNone(self.fresh(self.alice).board_read_at)

    def test_missing_forum_is_404(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post("/forums/x.999999/mark-read").status_code, 404)

    def test_new_member_sees_everything_recent_as_unread(self) -> None:
        newcomer = make_member("Nadia")
        self.client.force_login(newcomer)
        html = self.client.get("/whats-new/posts/").content.decode()
        self.assertEqual(html.count('class="unread-dot"'), 3)
