"""The thread admin goes through the moderator services: a lock, sticky flag, prefix or title
changed there is logged as on the site; moderation state cannot be changed there; a delete keeps
forum totals and message counts right and is logged."""

from __future__ import annotations

from django.test import TestCase

from parley.accounts.models import Member
from parley.forums.models import Forum, Thread
from parley.forums.services import counters as forum_counters
from parley.moderation.models import ModeratorLogEntry
from tests.admin.support import bulk_delete, submit
from tests.world import build_world


def counters(forums: list[Forum], members: list[Member]) -> dict[str, int]:
    found = {}
    for forum in Forum.objects.filter(pk__in=[f.pk for f in forums]):
        found[f"forum {forum.pk} threads"] = forum.thread_count
        found[f"forum {forum.pk} posts"] = forum.post_count
        found[f"forum {forum.pk} last post"] = forum.last_post_id or 0
    for member in Member.objects.filter(pk__in=[m.pk for m in members]):
        found[f"{member.username} messages"] = member.message_count
    return found


def rebuilt(forums: list[Forum], members: list[Member]) -> dict[str, int]:
    """The same counters rebuilt from the rows by the repair tools."""
    for forum in forums:
        forum_counters.resync_forum(forum)
    for member in members:
        forum_counters.resync_member(member)
    return counters(forums, members)


class ThreadChangeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def setUp(self) -> None:
        self.client.force_login(self.w.admin)
        self.thread = self.w.short_thread
        self.url = f"/admin/forums/thread/{self.thread.pk}/change/"

    def log(self, action: str) -> list[ModeratorLogEntry]:
        return list(
            ModeratorLogEntry.objects.filter(
                action=action, target_kind="thread", target_id=self.thread.pk
            )
        )

    def test_locking_and_sticking_go_through_the_service_and_are_logged(self) -> None:
        response = submit(self.client, self.url, {"is_locked": "on", "is_sticky": "on"})
        self.assertEqual(response.status_code, 302)
        self.thread.refresh_from_db()
        self.assertTrue(self.thread.is_locked)
        self.assertTrue(self.thread.is_sticky)
        [lock] = self.log("thread_lock")
        self.assertEqual(lock.actor, self.w.admin)
        self.assertEqual(len(self.log("thread_stick")), 1)

        submit(self.client, self.url, {"is_locked": None})
        self.thread.refresh_from_db()
        self.assertFalse(self.thread.is_locked)
        self.assertTrue(self.thread.is_sticky)
        self.assertEqual(len(self.log("thread_unlock")), 1)
        self.assertEqual(len(self.log("thread_stick")), 1)  # unchanged: not logged again

    def test_a_save_without_changes_logs_nothing(self) -> None:
        before = ModeratorLogEntry.objects.count()
        self.assertEqual(submit(self.client, self.url, {}).status_code, 302)
        self.assertEqual(ModeratorLogEntry.objects.count(), before)

    def test_title_source_and_prefix_changes_are_logged_and_the_slug_follows(self) -> None:
        response = submit(
            self.client,
            self.url,
            {
                "title": "Favourite teas of the world",
                "source_name": "Tea Times",
                "source_url": "https://example.org/tea",
                "prefix": str(self.w.breaking.pk),
            },
        )
        self.assertEqual(response.status_code, 302)
        self.thread.refresh_from_db()
        self.assertEqual(self.thread.title, "Favourite teas of the world")
        self.assertEqual(self.thread.slug, "favourite-teas-of-the-world")
        self.assertEqual(self.thread.source_url, "https://example.org/tea")
        self.assertEqual(self.thread.prefix, self.w.breaking)
        [edit] = self.log("thread_edit")
        self.assertEqual(edit.details["title"], ["Favourite tea", "Favourite teas of the world"])
        self.assertEqual(len(self.log("thread_prefix")), 1)

    def test_the_services_rules_refuse_a_bad_title_or_link_under_its_field(self) -> None:
        response = submit(
            self.client, self.url, {"title": "  x ", "source_url": "javascript:alert(1)"}
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["adminform"].form.errors
        self.assertIn("title", errors)
        self.assertIn("source_url", errors)
        self.thread.refresh_from_db()
        self.assertEqual(self.thread.title, "Favourite tea")
        self.assertFalse(ModeratorLogEntry.objects.filter(action="thread_edit").exists())

    def test_moderation_state_and_counters_cannot_be_changed_here(self) -> None:
        before = Thread.objects.values().get(pk=self.thread.pk)
        response = submit(
            self.client,
            self.url,
            {
                "is_deleted": "on",
                "awaiting_approval": "on",
                "delete_reason": "gone",
                "redirect_to": str(self.w.long_thread.pk),
                "forum": str(self.w.news.pk),
                "reply_count": "99",
                "last_position": "99",
                "view_count": "99",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Thread.objects.values().get(pk=self.thread.pk), before)
        page = self.client.get(self.url).content.decode()
        for field in ("is_deleted", "awaiting_approval", "redirect_to", "reply_count", "forum"):
            self.assertNotIn(f'name="{field}"', page)

    def test_threads_are_started_on_the_site_not_added_here(self) -> None:
        self.assertEqual(self.client.get("/admin/forums/thread/add/").status_code, 403)


class ThreadDeleteTests(TestCase):
    """A delete in the admin is the administrators' permanent delete from the site."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def setUp(self) -> None:
        self.client.force_login(self.w.admin)
        self.forums = [self.w.news, self.w.lounge]
        self.members = [self.w.member, self.w.other]

    def test_deleting_one_thread_keeps_counters_right_and_is_logged(self) -> None:
        thread = self.w.long_thread
        before = counters(self.forums, self.members)
        response = self.client.post(f"/admin/forums/thread/{thread.pk}/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Thread.objects.filter(pk=thread.pk).exists())
        after = counters(self.forums, self.members)
        self.assertEqual(after, rebuilt(self.forums, self.members))
        self.assertEqual(after[f"forum {self.w.news.pk} threads"], 0)
        self.assertLess(after["Alice messages"], before["Alice messages"])
        self.assertLess(after["Bob messages"], before["Bob messages"])
        entry = ModeratorLogEntry.objects.get(action="thread_hard_delete", target_id=thread.pk)
        self.assertEqual(entry.actor, self.w.admin)

    def test_the_bulk_delete_action_keeps_counters_right_and_logs_each_thread(self) -> None:
        threads = [self.w.short_thread, self.w.locked_thread]
        response = bulk_delete(self.client, "/admin/forums/thread/", [t.pk for t in threads])
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Thread.objects.filter(pk__in=[t.pk for t in threads]).exists())
        after = counters(self.forums, self.members)
        self.assertEqual(after, rebuilt(self.forums, self.members))
        self.assertEqual(after[f"forum {self.w.lounge.pk} threads"], 0)
        logged = ModeratorLogEntry.objects.filter(action="thread_hard_delete")
        self.assertEqual(set(logged.values_list("target_id", flat=True)), {t.pk for t in threads})
