"""Every page's query count, pinned exactly: page × persona → the number of statements, with
the statements named. One more query anywhere (an N+1, a lookup that used to be cached, a
second presence read) fails here; so does one fewer, which means this table needs updating
together with the change that saved it.

The world is built once per class: the three-page thread, two open reports, two warnings
(alerts for Alice), a held reply and a held thread, a locked thread (a moderator log entry).
Before each measured request, Bob is reading the long thread and a guest the index (so the
presence blocks and the visitors list have someone to show), the reader has viewed the index
once (`warm_permission_cache`: their permission table is cached, as in the steady state), and
presence is stored (the flusher ticked).

Each count is measured twice: with presence in the database (the embedded default) and in
Redis, where the presence statements leave the database. Names used in the comments:
  session, member   the reader's session row and member row (members only)
  stamp             the permission stamp (one read per request; tables are cached under it)
  presence          one presence statement (a block: members named, guests and robots counted
                    in one statement; or the visitors list); in the database only (Redis
                    answers these without a query)
  badge             the report badge, counted per page for moderators
  unread            which of the listed threads or forums are unread (members: one query)
  marker            the reader's read marker upsert (members; the page shows unread posts)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from parley.activity.presence import locations
from parley.activity.presence.backends import get_backend
from parley.core import page_cache
from parley.forums import services
from parley.forums.models import Post
from parley.moderation.discipline import services as discipline
from parley.moderation.models import Report, ReportReason
from parley.moderation.reports import services as reports
from tests.activity.presence_support import guest, member, site_backend, tick, visit
from tests.moderation.support import make_newcomer
from tests.world import THREE_PAGE_POSTS, World, build_world, warm_permission_cache


@dataclass(frozen=True)
class Page:
    url: Callable[[World, Report], str]
    status: dict[str, int]  # persona -> expected status (200 unless named)


PAGES: dict[str, Page] = {
    "index": Page(lambda w, r: "/", {}),
    "forum": Page(lambda w, r: w.news.get_absolute_url(), {}),
    "thread": Page(lambda w, r: w.long_thread.get_absolute_url(), {}),
    "thread_last_page": Page(lambda w, r: w.long_thread.page_url(3), {}),
    "whats_new": Page(lambda w, r: "/whats-new/", {}),
    "whats_new_posts": Page(lambda w, r: "/whats-new/posts/", {}),
    "whats_new_threads": Page(lambda w, r: "/whats-new/threads/", {}),
    "whats_new_members": Page(lambda w, r: "/whats-new/members/", {}),
    "member_profile": Page(lambda w, r: w.member.get_absolute_url(), {}),
    "online": Page(lambda w, r: "/online/", {}),
    "alerts": Page(lambda w, r: "/account/alerts/", {"guest": 302}),
    "account": Page(lambda w, r: "/account/", {"guest": 302}),
    "report_queue": Page(lambda w, r: "/reports/", {"guest": 302, "member": 403}),
    "report": Page(lambda w, r: f"/reports/{r.pk}/", {"guest": 302, "member": 404}),
    "approval_queue": Page(lambda w, r: "/approval-queue/", {"guest": 302, "member": 403}),
    "moderator_log": Page(lambda w, r: "/moderation/log/", {"guest": 302, "member": 404}),
    "online_sidebar": Page(lambda w, r: "/online/sidebar", {}),
    "thread_viewers": Page(lambda w, r: f"/threads/{w.long_thread.pk}/viewers", {}),
    "forum_viewers": Page(lambda w, r: f"/forums/{w.news.pk}/viewers", {}),
    "poll_nothing_new": Page(
        lambda w, r: f"{w.long_thread.get_absolute_url()}new-replies?after={THREE_PAGE_POSTS}",
        {"guest": 204, "member": 204},
    ),
    "poll_new_replies": Page(
        lambda w, r: f"{w.long_thread.get_absolute_url()}new-replies?after={THREE_PAGE_POSTS - 2}",
        {},
    ),
    "poll_load_replies": Page(
        lambda w, r: (
            f"{w.long_thread.get_absolute_url()}new-replies?after={THREE_PAGE_POSTS - 2}&load=1"
        ),
        {},
    ),
}

# page -> persona -> (statements with presence in the database, of them presence statements)
COUNTS: dict[str, dict[str, tuple[int, int]]] = {
    "index": {
        "guest": (4, 1),  # stamp, forums with last posts, categories, presence (sidebar)
        "guest_cached": (2, 1),  # stamp, presence: the rest comes from the page cache
        # session, member, stamp, forums, categories, unread forums, presence (sidebar)
        "member": (7, 1),
    },
    "forum": {
        # forum, stamp, threads, presence (forum viewers); this forum has no sub-forums, which
        # the forum tree cached with the permissions tells without a query
        "guest": (4, 1),
        "guest_cached": (2, 1),  # stamp, presence
        # session, member, forum, stamp, threads, unread threads, presence
        "member": (7, 1),
    },
    "thread": {
        "guest": (4, 1),  # thread, stamp, posts with their authors, presence (thread viewers)
        "guest_cached": (2, 1),  # stamp, presence
        "member": (7, 1),  # session, member, thread, stamp, posts, marker, presence
    },
    "thread_last_page": {
        "guest": (4, 1),  # as the first page: a page is a range of positions
        "guest_cached": (2, 1),
        "member": (7, 1),
    },
    "whats_new": {
        "guest": (3, 0),  # stamp, latest threads, newest members
        "member": (6, 0),  # session, member, stamp, latest threads, unread threads, members
    },
    "whats_new_posts": {
        "guest": (2, 0),  # stamp, threads with new posts
        "member": (5, 0),  # session, member, stamp, threads with new posts, unread threads
    },
    "whats_new_threads": {
        "guest": (2, 0),  # stamp, new threads
        "member": (5, 0),  # session, member, stamp, new threads, unread threads
    },
    "whats_new_members": {
        "guest": (1, 0),  # newest members (no permission asked: no stamp)
        "member": (4, 0),  # session, member, newest members, stamp (the layout asks)
    },
    "member_profile": {
        "guest": (3, 0),  # the member shown, stamp, their recent posts
        "member": (5, 0),  # session, member, the member shown, stamp, recent posts
    },
    "online": {
        # visitors (presence), stamp, titles of the threads they view, presence (sidebar)
        "guest": (4, 2),
        "member": (6, 2),  # session, member, and the same four
    },
    "alerts": {
        "guest": (0, 0),  # to the login page before any query
        # session, member, alerts, stamp; nothing written (the "Mark all read" button does it)
        "member": (4, 0),
    },
    "account": {
        "guest": (0, 0),
        "member": (4, 0),  # session, member, the member's signed-in sessions counted, stamp
    },
    "report_queue": {
        "guest": (0, 0),
        "member": (3, 0),  # session, member, stamp: 403
        # session, member, stamp, reports, their reasons counted, tab counts, badge
        "moderator": (7, 0),
    },
    "report": {
        "guest": (0, 0),
        "member": (4, 0),  # session, member, the report, stamp: 404
        # session, member, the report (with post, thread, forum, people), stamp, complaints,
        # comments, earlier reports on the post, badge
        "moderator": (8, 0),
    },
    "approval_queue": {
        "guest": (0, 0),
        "member": (3, 0),  # session, member, stamp: 403
        "moderator": (6, 0),  # session, member, stamp, held threads, held replies, badge
    },
    "moderator_log": {
        "guest": (0, 0),  # to the login page, as the queues
        "member": (3, 0),  # session, member, stamp: 404
        "admin": (6, 0),  # session, member, stamp, actions for the filter, entries, badge
    },
    "online_sidebar": {
        "guest": (1, 1),  # presence (members named, guests and robots counted: one statement)
        "member": (3, 1),  # session, member, presence
    },
    "thread_viewers": {
        "guest": (3, 1),  # thread, stamp, presence
        "member": (5, 1),  # session, member, thread, stamp, presence
    },
    "forum_viewers": {
        "guest": (3, 1),  # forum, stamp, presence
        "member": (5, 1),  # session, member, forum, stamp, presence
    },
    "poll_nothing_new": {
        "guest": (2, 0),  # thread, stamp: 204
        "member": (4, 0),  # session, member, thread, stamp: 204
    },
    "poll_new_replies": {
        "guest": (2, 0),  # thread, stamp: "2 new replies"
        "member": (4, 0),  # session, member, thread, stamp
    },
    "poll_load_replies": {
        "guest": (3, 0),  # thread, stamp, the new posts
        "member": (6, 0),  # session, member, thread, stamp, the new posts, marker
    },
}


class QueryCountTests(TestCase):
    presence = "db"

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = w = build_world()
        reason = ReportReason.objects.order_by("pk").first()
        assert reason is not None
        posts = Post.objects.filter(thread=w.long_thread, position__in=[3, 5]).order_by("position")
        cls.report = reports.report_post(actor=w.member, post=posts[0], reason=reason)
        reports.report_post(actor=w.member, post=posts[1], reason=reason)
        for why in ("Be civil", "Stay on topic"):
            discipline.warn_member(actor=w.moderator, member=w.member, points=1, reason=why)
        newbie = make_newcomer()
        with override_settings(PARLEY_APPROVAL_FIRST_POSTS=5):
            services.reply_to_thread(actor=newbie, thread=w.short_thread, body="Held reply")
            services.create_thread(
                actor=newbie,
                forum=w.lounge,
                title="Held thread",
                body="Held",
                now=timezone.now() + timedelta(minutes=1),
            )

        # Signed in once for the class: each test reuses the session (its cookie).
        cls.cookies = {}
        for persona in ("member", "moderator", "admin"):
            client = Client()
            client.force_login(getattr(w, persona))
            cls.cookies[persona] = client.cookies

    def client_of(self, persona: str) -> Client:
        client = Client()
        if persona != "guest":
            client.cookies = copy.deepcopy(self.cookies[persona])
        return client

    def setUp(self) -> None:
        self.enterContext(site_backend(self.presence))
        backend = get_backend()
        backend.record(visit(member(self.w.other), locations.THREAD, self.w.long_thread.pk))
        backend.record(visit(guest(1), "index", None))

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_num_queries):
        self.num_queries = django_assert_num_queries

    def reader(self, persona: str) -> Client:
        client = self.client_of(persona)
        warm_permission_cache(client)
        tick()  # visits stored, as the flusher does within a second
        return client

    def expected(self, page: str, persona: str) -> int:
        total, presence = COUNTS[page][persona]
        return total if self.presence == "db" else total - presence

    def check(self, page: str, persona: str) -> None:
        url = PAGES[page].url(self.w, self.report)
        if persona == "guest_cached":  # a guest asks for a page another guest had rendered
            self.reader("guest").get(url)
            persona = "guest"
            client = self.reader(persona)
            with self.num_queries(self.expected(page, "guest_cached")):
                response = client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertEqual(response[page_cache.CACHE_HEADER], "hit", url)
            return
        client = self.reader(persona)
        with self.num_queries(self.expected(page, persona)):
            response = client.get(url)
        self.assertEqual(response.status_code, PAGES[page].status.get(persona, 200), url)


def _make(page: str, persona: str) -> Callable[[QueryCountTests], None]:
    def test(self: QueryCountTests) -> None:
        self.check(page, persona)

    test.__name__ = f"test_{page}_as_{persona}"
    return test


for _page, _personas in COUNTS.items():
    for _persona in _personas:
        _test = _make(_page, _persona)
        setattr(QueryCountTests, _test.__name__, _test)


class QueryCountRedisPresenceTests(QueryCountTests):
    presence = "redis"


def test_the_table_covers_every_page_for_guests_and_members() -> None:
    assert set(COUNTS) == set(PAGES)
    for page, personas in COUNTS.items():
        assert {"guest", "member"} <= set(personas), page
