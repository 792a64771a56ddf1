"""Presence as readers see it: the viewers blocks under threads and forums, the forum index
sidebar, the current visitors list, and pages that keep working when Redis is down.

Pages render each block in the page itself, then htmx polls its fragment; these tests read both.
Clients tick the flusher after each request (`TickingClient`), as the real per-process thread does
within a second, so what one request saw is stored before the next one reads. Every class runs
on the database and on Redis (the `…RedisTests` subclasses)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client, SimpleTestCase, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parley.accounts import services as account_services
from parley.accounts.models import Member
from parley.activity.presence import blocks
from parley.forums.models import Thread
from tests.activity.presence_support import PresenceBoardTestCase, TickingClient
from tests.world import PASSWORD, build_world, warm_permission_cache

GUEST_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
OTHER_GUEST_AGENT = "Mozilla/5.0 (Macintosh) Safari/605.1.15"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def text(response) -> str:
    """The visible text, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


class PresenceTestCase(PresenceBoardTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client = TickingClient(HTTP_USER_AGENT=GUEST_AGENT)

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_max_num_queries):
        self.max_queries = django_assert_max_num_queries

    def member_client(self, member: Member) -> TickingClient:
        client = TickingClient(HTTP_USER_AGENT=GUEST_AGENT)
        client.force_login(member)
        return client

    def view_thread(self, client: Client, thread: Thread | None = None) -> None:
        """What a browser does: the page, then the viewers block it loads."""
        thread = thread or self.thread
        self.assertEqual(client.get(thread.get_absolute_url()).status_code, 200)
        self.assertEqual(client.get(f"/threads/{thread.pk}/viewers").status_code, 200)


class ThreadViewersTests(PresenceTestCase):
    def test_page_shows_the_block_and_keeps_it_fresh(self) -> None:
        response = self.client.get(self.thread.get_absolute_url())
        # In the page itself (readable without JavaScript), then refreshed by polling.
        self.assertIn(
            "Users Who Are Viewing This Thread (Total: 1, Members: 0, Guests: 1)", text(response)
        )
        self.assertIn(f'hx-get="{self.fragment}" hx-trigger="every 20s"', response.content.decode())

    def test_lone_guest_sees_themself(self) -> None:
        self.view_thread(self.client)
        response = self.client.get(self.fragment)
        self.assertIn(
            "Users Who Are Viewing This Thread (Total: 1, Members: 0, Guests: 1)", text(response)
        )
        html = response.content.decode()
        self.assertIn(f'hx-get="{self.fragment}" hx-trigger="every 20s"', html)
        self.assertIn('hx-swap="outerHTML"', html)
        self.assertEqual(response["Cache-Control"].split(", ")[0], "max-age=0")

    def test_member_and_guest_see_each_other_and_the_member_is_named(self) -> None:
        alice = self.member_client(self.w.member)
        self.view_thread(self.client)
        self.view_thread(alice)
        guest_sees = self.client.get(self.fragment)
        self.assertIn(
            "Users Who Are Viewing This Thread (Total: 2, Members: 1, Guests: 1)", text(guest_sees)
        )
        self.assertIn(
            f'<a class="username" href="{self.w.member.get_absolute_url()}">Alice</a>',
            guest_sees.content.decode(),
        )
        alice_sees = alice.get(self.fragment)
        self.assertIn("(Total: 2, Members: 1, Guests: 1)", text(alice_sees))

    def test_a_poll_is_a_visit_like_a_page_view(self) -> None:
        self.member_client(self.w.member).get(self.fragment)
        self.assertIn("(Total: 2, Members: 1, Guests: 1)", text(self.client.get(self.fragment)))

    def test_readers_without_javascript_see_each_other_in_the_page(self) -> None:
        # No fragment is ever fetched: the page views alone are stored.
        alice = self.member_client(self.w.member)
        alice.get(self.thread.get_absolute_url())
        guest_page = self.client.get(self.thread.get_absolute_url())
        self.assertIn(
            "Users Who Are Viewing This Thread (Total: 2, Members: 1, Guests: 1)", text(guest_page)
        )
        self.assertIn(">Alice</a>", guest_page.content.decode())
        alice_page = alice.get(self.thread.get_absolute_url())
        self.assertIn(
            "Users Who Are Viewing This Thread (Total: 2, Members: 1, Guests: 1)", text(alice_page)
        )

    def test_two_guests_and_a_robot(self) -> None:
        other = TickingClient(HTTP_USER_AGENT=OTHER_GUEST_AGENT)
        robot = TickingClient(HTTP_USER_AGENT=GOOGLEBOT)
        self.view_thread(other)
        robot.get(self.thread.get_absolute_url())  # crawlers run no script: no fragment
        self.view_thread(self.client)
        self.assertIn("(Total: 2, Members: 0, Guests: 2)", text(self.client.get(self.fragment)))

    def test_readers_elsewhere_are_not_viewers_here(self) -> None:
        alice = self.member_client(self.w.member)
        self.view_thread(alice, self.w.short_thread)
        self.view_thread(self.client)
        self.assertIn("(Total: 1, Members: 0, Guests: 1)", text(self.client.get(self.fragment)))

    def test_invisible_member_is_counted_but_not_named(self) -> None:
        Member.objects.filter(pk=self.w.member.pk).update(is_invisible=True)
        alice = self.member_client(self.w.member)
        bob = self.member_client(self.w.other)
        self.view_thread(alice)
        self.view_thread(bob)
        for client in (alice, bob, self.client):
            response = client.get(self.fragment)
            self.assertIn("Members: 2", text(response))
            self.assertIn(">Bob</a>", response.content.decode())
            self.assertNotIn(">Alice<", response.content.decode())

    def test_poll_interval_is_a_setting(self) -> None:
        with override_settings(PARLEY_PRESENCE_POLL_SECONDS=3):
            self.assertIn('hx-trigger="every 3s"', self.client.get(self.fragment).content.decode())

    def test_hidden_and_missing_threads_are_404(self) -> None:
        # Thread deletion arrives with moderation; until then a test sets the flag directly.
        Thread.objects.filter(pk=self.w.short_thread.pk).update(is_deleted=True)
        self.assertEqual(
            self.client.get(f"/threads/{self.w.short_thread.pk}/viewers").status_code, 404
        )
        self.assertEqual(self.client.get("/threads/999999/viewers").status_code, 404)
        moderator = self.member_client(self.w.moderator)
        self.assertEqual(
            moderator.get(f"/threads/{self.w.short_thread.pk}/viewers").status_code, 200
        )

    def test_polling_keeps_the_reader_on_the_thread(self) -> None:
        alice = self.member_client(self.w.member)
        alice.get(self.thread.get_absolute_url())
        alice.get("/")  # walks off in another tab; the open thread page keeps polling
        alice.get(self.fragment, HTTP_HX_REQUEST="true")
        self.view_thread(self.client)
        self.assertIn("Members: 1", text(self.client.get(self.fragment)))

    def test_a_poll_is_cheap_and_writes_nothing(self) -> None:
        warm_permission_cache(self.client)
        self.view_thread(self.client)
        self.client.ticks = False  # count the poll's own queries, not the flusher's
        # The permission stamp, the thread through permissions and one presence read; the visit
        # waits in memory for the flusher.
        with self.max_queries(3), CaptureQueriesContext(connection) as captured:
            response = self.client.get(self.fragment)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([q["sql"] for q in captured if not q["sql"].startswith("SELECT")], [])


class ThreadViewersRedisTests(ThreadViewersTests):
    backend = "redis"


class ForumViewersTests(PresenceTestCase):
    def test_forum_block(self) -> None:
        forum = self.w.news
        page = self.client.get(forum.get_absolute_url())
        url = f"/forums/{forum.pk}/viewers"
        self.assertIn(f'hx-get="{url}" hx-trigger="every 20s"', page.content.decode())
        self.assertIn("Users Viewing This Forum (Total: 1, Members: 0, Guests: 1)", text(page))
        alice = self.member_client(self.w.member)
        alice.get(forum.get_absolute_url())
        alice.get(url)
        self.view_thread(TickingClient(HTTP_USER_AGENT=OTHER_GUEST_AGENT))  # in a thread, not here
        response = self.client.get(url)
        self.assertIn("Users Viewing This Forum (Total: 2, Members: 1, Guests: 1)", text(response))
        self.assertIn(">Alice</a>", response.content.decode())
        self.assertEqual(self.client.get("/forums/999999/viewers").status_code, 404)


class ForumViewersRedisTests(ForumViewersTests):
    backend = "redis"


class SidebarTests(PresenceTestCase):
    def test_index_has_the_sidebar_with_members_online_and_totals(self) -> None:
        index = self.client.get("/")
        self.assertIn('hx-get="/online/sidebar" hx-trigger="every 60s"', index.content.decode())
        self.assertIn("Members online", text(index))
        self.view_thread(self.member_client(self.w.member))
        self.view_thread(self.member_client(self.w.other))
        TickingClient(HTTP_USER_AGENT=GOOGLEBOT).get(self.thread.get_absolute_url())
        Member.objects.filter(pk=self.w.other.pk).update(is_invisible=True)
        self.view_thread(self.member_client(self.w.other))  # now invisible
        response = self.client.get("/online/sidebar")
        visible = text(response)
        self.assertIn("Members online", visible)
        self.assertIn("Total: 4 (members: 2, guests: 1, robots: 1)", visible)
        html = response.content.decode()
        self.assertIn(">Alice</a>", html)
        self.assertNotIn(">Bob<", html)
        self.assertIn('href="/online/">Current visitors</a>', html)
        self.assertIn('hx-trigger="every 60s"', html)  # the board-wide summary polls less

    def test_a_guest_who_logs_in_is_one_member_not_a_guest_as_well(self) -> None:
        self.client.get("/login/")  # stored as a guest's visit by the next tick
        response = self.client.post(
            "/login/", {"username": "Alice", "password": PASSWORD}, follow=True
        )
        self.assertContains(response, "Log out")
        visible = text(self.client.get("/online/sidebar"))
        self.assertIn("Total: 1 (members: 1, guests: 0, robots: 0)", visible)


class SidebarRedisTests(SidebarTests):
    backend = "redis"


class CurrentVisitorsTests(PresenceTestCase):
    def test_lists_who_is_where_newest_first(self) -> None:
        alice = self.member_client(self.w.member)
        self.view_thread(alice)
        bob = self.member_client(self.w.other)
        bob.get(self.w.lounge.get_absolute_url())
        bob.get(f"/forums/{self.w.lounge.pk}/viewers")
        robot = TickingClient(HTTP_USER_AGENT=GOOGLEBOT)
        robot.get("/")
        robot.get(self.w.member.get_absolute_url())  # crawlers run no script: pages only
        response = self.client.get("/online/")
        self.assertEqual(response.status_code, 200)
        visible = text(response)
        self.assertIn("Current visitors", visible)
        self.assertIn("Alice Viewing thread Harbour bridge closed after storm", visible)
        self.assertIn(f'<a href="{self.thread.get_absolute_url()}">', response.content.decode())
        self.assertIn("Bob Viewing forum The lounge", visible)
        self.assertIn("Googlebot Robot Viewing member profile Alice", visible)
        self.assertIn("Guest Viewing online list", visible)  # the reader, first
        self.assertLess(visible.index("Guest Viewing online list"), visible.index("Googlebot"))
        self.assertLess(visible.index("Googlebot"), visible.index("Bob Viewing forum"))
        self.assertIn("Total: 4 (members: 2, guests: 1, robots: 1)", visible)

    def test_a_thread_the_reader_may_not_see_is_an_unknown_page(self) -> None:
        secret = self.w.short_thread
        self.view_thread(self.member_client(self.w.other), secret)
        # Thread deletion arrives with moderation; until then a test sets the flag directly.
        Thread.objects.filter(pk=secret.pk).update(is_deleted=True)
        visible = text(self.client.get("/online/"))
        self.assertIn("Bob Viewing unknown page", visible)
        self.assertNotIn(secret.title, visible)
        moderator = self.member_client(self.w.moderator)
        self.assertIn(f"Bob Viewing thread {secret.title}", text(moderator.get("/online/")))

    def test_filter_by_type_and_ignore_junk(self) -> None:
        self.view_thread(self.member_client(self.w.member))
        TickingClient(HTTP_USER_AGENT=GOOGLEBOT).get("/")
        self.view_thread(TickingClient(HTTP_USER_AGENT=OTHER_GUEST_AGENT))
        members = text(self.client.get("/online/?type=members"))
        self.assertIn("Alice Viewing thread", members)
        self.assertNotIn("Guest Viewing", members)
        self.assertNotIn("Googlebot", members)
        robots = text(self.client.get("/online/?type=robots"))
        self.assertIn("Googlebot Robot Viewing forum index", robots)
        self.assertNotIn("Alice Viewing", robots)
        guests = text(self.client.get("/online/?type=guests"))
        self.assertEqual(guests.count("Guest Viewing"), 2)  # the other guest and the reader
        self.assertNotIn("Alice Viewing", guests)
        for junk in ("?type=admins", "?type=", "?type=%00", "?type[]=x"):
            everyone = self.client.get(f"/online/{junk}")
            self.assertEqual(everyone.status_code, 200)
            self.assertIn("Alice Viewing thread", text(everyone))
            self.assertIn("Googlebot", text(everyone))

    def test_invisible_members_are_not_listed(self) -> None:
        Member.objects.filter(pk=self.w.member.pk).update(is_invisible=True)
        alice = self.member_client(self.w.member)
        self.view_thread(alice)
        self.assertNotIn("Alice", text(self.client.get("/online/")))
        self.assertNotIn("Alice Viewing", text(alice.get("/online/")))

    def test_list_is_capped(self) -> None:
        from parley.activity.presence import queries

        for n in range(5):
            self.view_thread(TickingClient(HTTP_USER_AGENT=f"{GUEST_AGENT} n{n}"))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(queries, "VISITORS_SHOWN", 3)
            visible = text(self.client.get("/online/"))
        self.assertEqual(visible.count("Guest Viewing"), 3)
        self.assertIn("Showing the 3 most recent.", visible)


class CurrentVisitorsRedisTests(CurrentVisitorsTests):
    backend = "redis"


class RedisDownTests(PresenceTestCase):
    backend = "down"

    def test_every_page_renders_and_the_outage_is_logged_once(self) -> None:
        alice = self.member_client(self.w.member)
        with self.assertLogs("parley.activity.presence", level="WARNING") as logs:
            for client in (self.client, alice):
                for url in ("/", self.thread.get_absolute_url(), self.w.news.get_absolute_url()):
                    self.assertEqual(client.get(url).status_code, 200)
                fragment = client.get(self.fragment)
                self.assertEqual(fragment.status_code, 200)
                self.assertNotIn("Users Who Are Viewing", fragment.content.decode())
                # The block stays in the page and comes back by itself once Redis does.
                self.assertIn(
                    f'hx-get="{self.fragment}" hx-trigger="every 20s"', fragment.content.decode()
                )
                self.assertNotIn("Members online", client.get("/online/sidebar").content.decode())
                online = client.get("/online/")
                self.assertEqual(online.status_code, 200)
                self.assertIn("unavailable right now", text(online))
        self.assertEqual(len(logs.records), 1)


class FragmentUrlTests(SimpleTestCase):
    def test_urls_built_without_reverse_match_the_urlconf(self) -> None:
        self.assertEqual(blocks.thread_viewers_url(12), reverse("thread-viewers", args=[12]))
        self.assertEqual(blocks.forum_viewers_url(3), reverse("forum-viewers", args=[3]))
        self.assertEqual(blocks.online_sidebar_url(), reverse("online-sidebar"))
        self.assertEqual(reverse("online"), "/online/")


class InvisiblePreferenceTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_service_sets_and_keeps_the_choice(self) -> None:
        alice = self.w.member
        account_services.update_preferences(member=alice, time_zone="UTC", is_invisible=True)
        alice.refresh_from_db()
        self.assertTrue(alice.is_invisible)
        account_services.update_preferences(member=alice, time_zone="Europe/Paris")
        alice.refresh_from_db()
        self.assertEqual((alice.time_zone, alice.is_invisible), ("Europe/Paris", True))
        account_services.update_preferences(member=alice, time_zone="UTC", is_invisible=False)
        alice.refresh_from_db()
        self.assertFalse(alice.is_invisible)

    def test_account_page_offers_the_checkbox(self) -> None:
        self.client.force_login(self.w.member)
        html = self.client.get("/account/").content.decode()
        self.assertIn('name="is_invisible"', html)
        self.assertIn("Hide my online status", html)

    def test_member_hides_their_online_status_from_account_settings(self) -> None:
        self.client.force_login(self.w.member)
        response = self.client.post(
            "/account/", {"form": "prefs", "time_zone": "UTC", "is_invisible": "on"}
        )
        self.assertEqual(response.status_code, 302)
        self.w.member.refresh_from_db()
        self.assertTrue(self.w.member.is_invisible)
        html = self.client.get("/account/").content.decode()
        self.assertRegex(html, r'<input type="checkbox" name="is_invisible"[^>]* checked')
