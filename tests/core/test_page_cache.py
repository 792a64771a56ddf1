"""Guests' whole-page cache (`parley/core/page_cache.py`): a second guest is served the first
guest's render, with the presence block rendered afresh; every change a guest could see retires
it on the next request; members never get a cached page; browsers revalidate with 304s."""

from __future__ import annotations

from unittest import mock

from django.db import transaction
from django.test import Client, TestCase
from django.utils import timezone

from parley.accounts import services as account_services
from parley.activity.presence import locations
from parley.activity.presence.backends import get_backend
from parley.core import page_cache, stamps
from parley.forums import services, view_counts
from parley.forums.models import Post, Thread
from parley.moderation.actions import services as actions
from parley.moderation.discipline import services as discipline
from parley.permissions import services as permission_services
from tests.activity.presence_support import member, tick, visit
from tests.core.parsed import Node, parse
from tests.world import build_world, warm_permission_cache

HIT, MISS = "hit", "miss"


def post_texts(response) -> list[str]:
    page = parse(response.content)
    return [node.folded_text for node in page.find_all("article", cls="post")]


def viewer_names(response) -> str:
    block = parse(response.content).first("section", cls="presence-viewers")
    names = block.first("p", cls="presence-names") if block is not None else None
    return names.folded_text if names is not None else ""


def content_stamp() -> int:
    return stamps.value(stamps.read_all(), stamps.CONTENT)


class WhichWritesCountTests(TestCase):
    """The statement filter: a write to a table a guest page shows counts, others do not."""

    def test_statements(self) -> None:
        seen = [
            'INSERT INTO "forums_post" ("thread_id") VALUES (%s)',
            'UPDATE "forums_thread" SET "title" = %s',
            'DELETE FROM "forums_post" WHERE "id" = %s',
            "  insert or replace into forums_forum (id) values (1)",
            'WITH doomed AS (SELECT 1) DELETE FROM "forums_post"',
            'UPDATE "parley_member" SET "custom_title" = %s',
        ]
        unseen = [
            'SELECT "forums_post"."id" FROM "forums_post"',
            'UPDATE "parley_session" SET "expire_date" = %s',
            'INSERT INTO "activity_presence" ("key") VALUES (%s)',
            'DELETE FROM "activity_threadread" WHERE "id" = %s',
            'UPDATE "core_stamp" SET value = value + 1',
            'SAVEPOINT "s1"',
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "",
        ]
        for sql in seen:
            self.assertTrue(page_cache._seen_by_guests(sql), sql)
        for sql in unseen:
            self.assertFalse(page_cache._seen_by_guests(sql), sql)


class ContentStampTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_a_write_a_guest_sees_moves_the_stamp_once_per_transaction(self) -> None:
        before = content_stamp()
        with transaction.atomic():
            services.reply_to_thread(actor=self.w.member, thread=self.w.short_thread, body="One")
        # The test's own transaction is still open, so the two replies are one transaction.
        services.reply_to_thread(actor=self.w.member, thread=self.w.short_thread, body="Two")
        self.assertEqual(content_stamp(), before + 1)

    def test_a_rolled_back_write_takes_its_bump_with_it(self) -> None:
        before = content_stamp()
        with self.assertRaises(RuntimeError), transaction.atomic():
            Thread.objects.filter(pk=self.w.short_thread.pk).update(title="Never")
            self.assertEqual(content_stamp(), before + 1)
            raise RuntimeError
        self.assertEqual(content_stamp(), before)
        Thread.objects.filter(pk=self.w.short_thread.pk).update(title="Now")
        self.assertEqual(content_stamp(), before + 1)

    def test_a_members_last_seen_moves_nothing(self) -> None:
        before = content_stamp()
        self.w.member.last_seen_at = None
        account_services.touch_last_seen(member=self.w.member, min_interval_seconds=300)
        self.assertEqual(content_stamp(), before)


class GuestPageCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def setUp(self) -> None:
        self.first = Client()
        warm_permission_cache(self.first)
        self.thread_url = self.w.short_thread.get_absolute_url()

    def guest_get(self, url: str, **headers: str):
        return Client().get(url, headers=headers)

    def assert_state(self, response, state: str) -> None:
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response[page_cache.CACHE_HEADER], state)

    def test_the_second_guest_gets_the_first_guests_page(self) -> None:
        for url in ("/", self.w.news.get_absolute_url(), self.thread_url):
            with self.subTest(url=url):
                first = self.guest_get(url)
                self.assert_state(first, MISS)
                second = self.guest_get(url)
                self.assert_state(second, HIT)
                self.assertEqual(
                    parse(second.content).one("h1").text, parse(first.content).one("h1").text
                )
                self.assertEqual(second["ETag"], first["ETag"])

    def test_a_worker_serves_its_own_copy_and_other_workers_the_shared_one(self) -> None:
        self.assert_state(self.guest_get(self.thread_url), MISS)
        with mock.patch.object(page_cache.cache, "get", wraps=page_cache.cache.get) as shared:
            self.assert_state(self.guest_get(self.thread_url), HIT)
        self.assertEqual(shared.call_count, 0)  # this process's copy, no trip to the cache
        page_cache.forget_local()  # as another worker, which has none
        with mock.patch.object(page_cache.cache, "get", wraps=page_cache.cache.get) as shared:
            self.assert_state(self.guest_get(self.thread_url), HIT)
        self.assertEqual(shared.call_count, 1)

    def test_the_presence_block_is_fresh_on_a_cached_page(self) -> None:
        first = self.guest_get(self.thread_url)
        self.assertNotIn(self.w.other.username, viewer_names(first))
        get_backend().record(visit(member(self.w.other), locations.THREAD, self.w.short_thread.pk))
        tick()
        cached = self.guest_get(self.thread_url)
        self.assert_state(cached, HIT)
        self.assertIn(self.w.other.username, viewer_names(cached))

    def test_a_cached_view_still_counts(self) -> None:
        self.guest_get(self.thread_url)
        before = view_counts.pending_views(self.w.short_thread.pk)
        self.assert_state(self.guest_get(self.thread_url), HIT)
        self.assertEqual(view_counts.pending_views(self.w.short_thread.pk), before + 1)

    def test_each_change_shows_on_the_next_request(self) -> None:
        w = self.w
        thread = w.short_thread
        first_post = Post.objects.get(thread=thread, position=1)

        def reply() -> None:
            services.reply_to_thread(actor=w.member, thread=thread, body="Fresh reply text")

        def edit() -> None:
            services.edit_post(
                actor=w.member if first_post.author_id == w.member.pk else w.admin,
                post=first_post,
                body="Edited opening text",
                base_edit_count=Post.objects.get(pk=first_post.pk).edit_count,
            )

        def delete() -> None:
            newest = Post.objects.filter(thread=thread).order_by("-position").first()
            assert newest is not None
            actions.soft_delete_post(actor=w.moderator, post=newest, reason="Off topic")

        changes = {
            "a new reply": (reply, lambda r: any("Fresh reply text" in t for t in post_texts(r))),
            "an edit": (edit, lambda r: any("Edited opening text" in t for t in post_texts(r))),
            "a deletion": (
                delete,
                lambda r: not any("Fresh reply text" in t for t in post_texts(r)),
            ),
        }
        for name, (change, shows) in changes.items():
            with self.subTest(change=name):
                self.guest_get(thread.get_absolute_url())
                self.assert_state(self.guest_get(thread.get_absolute_url()), HIT)
                change()
                after = self.guest_get(thread.get_absolute_url())
                self.assert_state(after, MISS)
                self.assertTrue(shows(after), name)

    def test_a_ban_retires_the_page(self) -> None:
        self.guest_get(self.thread_url)
        discipline.ban_member(actor=self.w.admin, member=self.w.other, reason="Trolling")
        self.assert_state(self.guest_get(self.thread_url), MISS)

    def test_a_forum_made_private_is_gone_at_once(self) -> None:
        self.assert_state(self.guest_get(self.thread_url), MISS)
        moderators = permission_services.group_named("Moderators")
        permission_services.make_forum_private(
            forum=self.w.short_thread.forum, allowed_groups=[moderators]
        )
        self.assertEqual(self.guest_get(self.thread_url).status_code, 404)
        index = self.guest_get("/")
        self.assertNotIn(self.w.short_thread.forum.title, parse(index.content).one("main").text)

    def test_a_minute_later_the_page_is_rendered_again(self) -> None:
        self.guest_get(self.thread_url)
        later = timezone.now().timestamp() + 61
        with mock.patch.object(page_cache.time, "time", return_value=later):
            self.assert_state(self.guest_get(self.thread_url), MISS)

    def test_members_never_get_a_guests_page_and_guests_never_a_members(self) -> None:
        reader = Client()
        reader.force_login(self.w.member)
        self.guest_get(self.thread_url)
        page = reader.get(self.thread_url)
        self.assertNotIn(page_cache.CACHE_HEADER, page)
        self.assertEqual(_signed_in_name(page), self.w.member.username)
        guest_page = self.guest_get(self.thread_url)
        self.assert_state(guest_page, HIT)
        self.assertIsNone(_signed_in_name(guest_page))
        self.assertIn("Cookie", guest_page["Vary"])

    def test_what_is_never_cached(self) -> None:
        self.guest_get(self.thread_url)
        skipped = {
            "a query string": self.guest_get(self.thread_url + "?utm=feed"),
            "htmx": self.guest_get(self.thread_url, HX_Request="true"),
        }
        with_session = Client()
        with_session.cookies["sessionid"] = "stale"
        skipped["a session cookie"] = with_session.get(self.thread_url)
        with_messages = Client()
        with_messages.cookies["messages"] = "x"
        skipped["a messages cookie"] = with_messages.get(self.thread_url)
        for why, response in skipped.items():
            with self.subTest(why=why):
                self.assertEqual(response.status_code, 200)
                self.assertNotIn(page_cache.CACHE_HEADER, response)
        missing = self.guest_get("/threads/nothing.999999/")
        self.assertEqual(missing.status_code, 404)
        self.assertNotIn(page_cache.CACHE_HEADER, self.guest_get("/threads/nothing.999999/"))
        wrong_slug = self.guest_get(f"/threads/wrong.{self.w.short_thread.pk}/")
        self.assertEqual(wrong_slug.status_code, 301)

    def test_a_browser_that_has_the_page_gets_304(self) -> None:
        first = self.guest_get(self.thread_url)
        by_etag = self.guest_get(self.thread_url, If_None_Match=first["ETag"])
        self.assertEqual(by_etag.status_code, 304)
        self.assertEqual(by_etag.content, b"")
        by_date = self.guest_get(self.thread_url, If_Modified_Since=first["Last-Modified"])
        self.assertEqual(by_date.status_code, 304)
        services.reply_to_thread(actor=self.w.member, thread=self.w.short_thread, body="New")
        changed = self.guest_get(self.thread_url, If_None_Match=first["ETag"])
        self.assertEqual(changed.status_code, 200)
        self.assertNotEqual(changed["ETag"], first["ETag"])

    def test_pages_of_other_settings_are_kept_apart(self) -> None:
        self.guest_get(self.thread_url)
        with self.settings(SITE_NAME="Harbour Herald"):
            renamed = self.guest_get(self.thread_url)
            self.assert_state(renamed, MISS)
            self.assertIn("Harbour Herald", parse(renamed.content).one("title").text)
        self.assert_state(self.guest_get(self.thread_url), HIT)

    def test_the_cache_can_be_switched_off(self) -> None:
        with self.settings(PARLEY_GUEST_PAGE_CACHE=False):
            self.guest_get(self.thread_url)
            self.assertNotIn(page_cache.CACHE_HEADER, self.guest_get(self.thread_url))


def _signed_in_name(response) -> str | None:
    nav = parse(response.content).one("nav", cls="user-nav")
    name: Node | None = nav.first("span", cls="user-name")
    return name.text.strip() if name is not None else None


class ViewCountsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_counted_views_leave_cached_pages_alone(self) -> None:
        """Views are handed on every few seconds on a busy board: were they a change, no guest
        page would stay cached longer than that. A cached page's count is a minute old at most."""
        from parley.forums.tasks import apply_thread_views

        url = self.w.short_thread.get_absolute_url()
        Client().get(url)
        before = content_stamp()
        apply_thread_views.call_local({self.w.short_thread.pk: 5})
        self.assertEqual(content_stamp(), before)
        self.assertEqual(Client().get(url)[page_cache.CACHE_HEADER], HIT)
