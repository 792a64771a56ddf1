"""What the viewers blocks print, exactly: the members named (in order, each a link to their
profile, comma-separated), the counts with the reader counted once, whatever became of a member's
name or the address the board is served under. Every class runs on the database and on Redis
(the `…RedisTests` subclasses); the functions below them take both backends as a parameter."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_script_prefix
from django.utils import timezone

from parley.accounts.models import Member
from parley.activity.presence.window import window, window_start
from parley.core.slugs import make_slug
from tests.activity.presence_support import (
    BACKENDS,
    PresenceBoardTestCase,
    TickingClient,
    discard,
    guest,
    make_backend,
    member,
    robot,
    visit,
)
from tests.world import make_member

AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
THREAD = 101


def names_paragraph(html: str) -> str:
    """The block's line of names, as the reader's browser receives it."""
    match = re.search(r'<p class="presence-names">(.*?)</p>', html)
    return match.group(1) if match else ""


def link(m: Member, prefix: str = "/") -> str:
    """A member's link as the block prints it, to their profile under `prefix`."""
    url = f"{prefix}members/{make_slug(m.username)}.{m.pk}/"
    return f'<a class="username" href="{url}">{m.username}</a>'


class ViewersShownTests(PresenceBoardTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.guest = TickingClient(HTTP_USER_AGENT=AGENT)

    def reads(self, m: Member) -> TickingClient:
        client = TickingClient(HTTP_USER_AGENT=AGENT)
        client.force_login(m)
        self.assertEqual(client.get(self.thread.get_absolute_url()).status_code, 200)
        return client

    def test_members_are_links_to_their_profiles_newest_first_between_commas(self) -> None:
        for m in (self.w.member, self.w.other, self.w.moderator):
            self.reads(m)
        page = self.guest.get(self.thread.get_absolute_url()).content.decode()
        shown = (self.w.moderator, self.w.other, self.w.member)
        self.assertEqual(names_paragraph(page), ", ".join(link(m) for m in shown))
        self.assertIn("(Total: 4, Members: 3, Guests: 1)", page)
        # The polled fragment prints the same line.
        fragment = self.guest.get(self.fragment).content.decode()
        self.assertEqual(names_paragraph(fragment), names_paragraph(page))

    def test_a_renamed_member_is_shown_by_their_new_name_and_profile(self) -> None:
        alice = self.reads(self.w.member)
        self.assertIn(link(self.w.member), self.guest.get(self.fragment).content.decode())
        renamed = Member.objects.get(pk=self.w.member.pk)
        renamed.username = "Alicia"
        renamed.save()
        alice.get(self.thread.get_absolute_url())  # their next visit, under the new name
        html = self.guest.get(self.fragment).content.decode()
        self.assertEqual(names_paragraph(html), link(renamed))
        self.assertNotIn(">Alice<", html)

    def test_links_follow_the_address_the_board_is_served_under(self) -> None:
        self.reads(self.w.member)
        with override_script_prefix("/forum/"):  # as a server mounting the board there sets
            under_forum = self.guest.get(self.fragment).content.decode()
        self.assertEqual(names_paragraph(under_forum), link(self.w.member, "/forum/"))
        self.assertIn(f'hx-get="/forum{self.fragment}"', under_forum)
        at_root = self.guest.get(self.fragment).content.decode()
        self.assertEqual(names_paragraph(at_root), link(self.w.member))

    def test_the_index_sidebar_names_members_the_same_way(self) -> None:
        for m in (self.w.member, self.w.other):
            self.reads(m)
        sidebar = self.guest.get("/online/sidebar").content.decode()
        self.assertEqual(names_paragraph(sidebar), f"{link(self.w.other)}, {link(self.w.member)}")
        self.assertIn("Total: 3 (members: 2, guests: 1, robots: 0)", sidebar)


class ViewersShownRedisTests(ViewersShownTests):
    backend = "redis"


# --- The reader counted once --------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request):
    b = make_backend(request.param)
    yield b
    discard(b)


@pytest.mark.django_db
def test_a_reader_whose_last_visit_left_the_window_is_not_taken_off_the_count(backend):
    # The page adds the reader as they are now; only a stored visit inside the window is theirs
    # to take off. Stored newest first, so the older visits stay in storage (past the window).
    now, long_ago = timezone.now(), timezone.now() - window() - timedelta(minutes=5)
    alice = make_member("Alice")
    for v in (
        visit(guest(2), "thread", THREAD, at=now),
        visit(robot("Googlebot"), "thread", THREAD, at=now),
        visit(member(alice), "thread", THREAD, at=now),
        visit(guest(1), "thread", THREAD, at=long_ago),
        visit(robot("Bingbot"), "thread", THREAD, at=long_ago),
    ):
        backend.record(v)
        backend.flush()
    here = backend.viewers("thread", THREAD, window_start(), exclude_key=guest(1).key)
    assert (here.member_count, here.guest_count, [m.name for m in here.named]) == (
        1,
        1,
        ["Alice"],
    )
    online = backend.online(window_start(), exclude_key=robot("Bingbot").key)
    assert (online.member_count, online.guest_count, online.robot_count) == (1, 1, 1)
    online = backend.online(window_start(), exclude_key=robot("Googlebot").key)
    assert (online.member_count, online.guest_count, online.robot_count) == (1, 1, 0)


# --- What naming viewers costs ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")
def test_naming_viewers_looks_up_the_members_online_not_every_registered_one():
    # Named members come from presence rows (one per member online), each joined to its member
    # by primary key. Planner statistics taken while nobody was online (the hourly ANALYZE of
    # a quiet board, or the seeder's) know the member table and nothing of presence; with an
    # INNER JOIN, SQLite then started from the member table and looked every registered member
    # up in presence, on every block: a cost that grew with the board's membership.
    dbb = make_backend("db")
    for n in range(30):
        make_member(f"Registered {n}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    dbb.record(visit(member(make_member("Alice")), "thread", THREAD))
    dbb.flush()
    for read in (
        lambda: dbb.viewers("thread", THREAD, window_start()),
        lambda: dbb.online(window_start()),
    ):
        with CaptureQueriesContext(connection) as captured:
            read()
        (statement,) = captured.captured_queries
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {statement['sql']}")
            steps = [row[-1] for row in cursor.fetchall()]
        on_members = [s for s in steps if re.match(r"(SCAN|SEARCH) m\b", s)]
        assert on_members == ["SEARCH m USING INTEGER PRIMARY KEY (rowid=?)"], steps
