"""The moderator log page: administrators only, newest first, filters, keyset pages with a
constant query count."""

from __future__ import annotations

import pytest
from django.test import TestCase

from parley.forums.models import Post
from parley.moderation.actions import services as actions
from parley.moderation.log.queries import LOG_PAGE_SIZE
from parley.moderation.log.services import log_action
from parley.moderation.models import ModeratorLogEntry
from tests.core.parsed import parse
from tests.world import build_world, warm_permission_cache

URL = "/moderation/log/"


class ModeratorLogPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        ModeratorLogEntry.objects.all().delete()
        cls.victim = Post.objects.get(thread=cls.w.long_thread, position=3)
        actions.soft_delete_post(actor=cls.w.moderator, post=cls.victim, reason="Spam link")
        actions.soft_delete_thread(actor=cls.w.admin, thread=cls.w.short_thread, reason="Dup")

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_num_queries):
        self.num_queries = django_assert_num_queries

    def test_administrators_only(self) -> None:
        self.assertRedirects(self.client.get(URL), f"/login/?next={URL}")  # as the queues do
        for user in (self.w.member, self.w.moderator):
            self.client.force_login(user)
            self.assertEqual(self.client.get(URL).status_code, 404)
        self.client.force_login(self.w.admin)
        self.assertEqual(self.client.get(URL).status_code, 200)

    def test_entries_say_who_did_what_to_what_and_why(self) -> None:
        self.client.force_login(self.w.admin)
        html = self.client.get(URL).content.decode()
        self.assertIn("Spam link", html)
        self.assertIn(f'href="/posts/{self.victim.pk}/"', html)
        self.assertIn("Mod Squad", html)
        rows = parse(html).find("tbody").find_all("tr")
        actions = [row.find_all("td")[2].text for row in rows]
        self.assertEqual(actions, ["Deleted a thread", "Deleted a post"])  # newest first

    def test_filters(self) -> None:
        self.client.force_login(self.w.admin)
        html = self.client.get(URL, {"action": "thread_delete"}).content.decode()
        self.assertIn("Favourite tea", html)
        self.assertNotIn("Spam link", html)
        html = self.client.get(URL, {"actor": "mod squad"}).content.decode()
        self.assertIn("Spam link", html)
        self.assertNotIn("Favourite tea", html)
        html = self.client.get(URL, {"kind": "thread"}).content.decode()
        self.assertNotIn("Spam link", html)
        html = self.client.get(URL, {"actor": "nobody"}).content.decode()
        self.assertIn("No moderator actions match", html)

    def test_pages_by_keyset_with_constant_queries(self) -> None:
        for i in range(LOG_PAGE_SIZE * 2 + 5):
            log_action(
                actor=self.w.moderator,
                action="thread_lock",
                target_kind="thread",
                target_id=self.w.long_thread.pk,
                target_title=f"Entry {i:03}",
            )
        self.client.force_login(self.w.admin)
        warm_permission_cache(self.client)
        self.client.get(URL)
        # Session, member, permission stamp, the actions for the filter, the page, the badge.
        with self.num_queries(6):
            first = self.client.get(URL, {"action": "thread_lock"})
        html = first.content.decode()
        self.assertIn("Entry 104", html)
        self.assertNotIn("Entry 054", html)
        older = first.context["page"].older
        with self.num_queries(6):
            second = self.client.get(URL, {"action": "thread_lock", "before": older})
        html = second.content.decode()
        self.assertIn("Entry 054", html)
        self.assertNotIn("Entry 104", html)
        self.assertIn("after=", html)  # a way back to newer entries
        newer = second.context["page"].newer
        back = self.client.get(URL, {"action": "thread_lock", "after": newer})
        self.assertEqual(
            [e.pk for e in back.context["page"].entries],
            [e.pk for e in first.context["page"].entries],
        )
