"""Forums and categories deleted in the admin take their threads and posts with them through
`forums.services.delete_forums`: message counts stay right, the permission stamp moves, and the
deletion is logged. A forum cannot be put inside itself."""

from __future__ import annotations

from django.test import TestCase

from parley.forums.models import Category, Forum, Thread
from parley.forums.services.structure import create_category, create_forum
from parley.moderation.models import ModeratorLogEntry
from parley.permissions import grants
from tests.admin.support import bulk_delete, submit
from tests.admin.test_threads import counters, rebuilt
from tests.world import build_world


class ForumDeleteTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.corner = create_forum(
            category=cls.w.category, parent=cls.w.lounge, title="Quiet corner"
        )

    def setUp(self) -> None:
        self.client.force_login(self.w.admin)
        self.members = [self.w.member, self.w.other]

    def test_deleting_a_forum_takes_its_sub_forums_and_threads_and_keeps_counts_right(
        self,
    ) -> None:
        before = grants.version()
        url = f"/admin/forums/forum/{self.w.lounge.pk}/delete/"
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 302)
        self.assertFalse(Forum.objects.filter(pk__in=[self.w.lounge.pk, self.corner.pk]).exists())
        self.assertFalse(Thread.objects.filter(pk=self.w.short_thread.pk).exists())
        self.assertGreater(grants.version(), before)
        after = counters([self.w.news], self.members)
        self.assertEqual(after, rebuilt([self.w.news], self.members))
        entry = ModeratorLogEntry.objects.get(action="forum_delete", target_id=self.w.lounge.pk)
        self.assertEqual(entry.details, {"threads": 2})

    def test_bulk_deleting_categories_keeps_counts_right(self) -> None:
        spare = create_category(title="Spare")
        before = grants.version()
        response = bulk_delete(
            self.client, "/admin/forums/category/", [self.w.category.pk, spare.pk]
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Category.objects.exists())
        self.assertFalse(Thread.objects.exists())
        self.assertGreater(grants.version(), before)
        self.assertEqual(counters([], self.members), rebuilt([], self.members))
        self.assertEqual(ModeratorLogEntry.objects.filter(action="forum_delete").count(), 3)

    def test_a_forum_cannot_be_put_inside_its_own_sub_forum(self) -> None:
        url = f"/admin/forums/forum/{self.w.lounge.pk}/change/"
        response = submit(self.client, url, {"parent": str(self.corner.pk)})
        self.assertEqual(response.status_code, 200)
        self.assertIn("parent", response.context["adminform"].form.errors)
        self.w.lounge.refresh_from_db()
        self.assertIsNone(self.w.lounge.parent_id)
