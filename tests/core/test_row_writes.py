"""Single-row writes built once (`parley/core/row_writes.py`): the row the ORM would have
written, seen by everything that watches queries (the guest page cache's write watcher too)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.accounts.models import Member
from parley.core import row_writes, stamps
from parley.forums.models import Forum, Post, Thread
from parley.forums.services.posting import POST_FIELDS
from tests.world import build_world


def stored(model: type[Model], pk: int) -> dict[str, Any]:
    """The row as the database holds it, every column."""
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    return model.objects.filter(pk=pk).values(*names).get()


class RowWritesTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.at = timezone.now() - timedelta(minutes=3, microseconds=11)

    def new_post(self, token: str, **changes: Any) -> Post:
        fields: dict[str, Any] = {
            "thread": self.w.short_thread,
            "author": self.w.other,
            "author_name": "Bob",
            "position": 99,
            "created_at": self.at,
            "body_source": "It's **open** again.",
            "body_html": "<p>It's <strong>open</strong> again.</p>",
            "renderer_version": 7,
            "client_token": token,
        }
        return Post(**(fields | changes))

    def test_an_insert_writes_the_row_the_orm_writes(self) -> None:
        by_orm = self.new_post("a")
        by_orm.save()
        for changes in ({}, {"awaiting_approval": True, "edit_count": 2, "author": None}):
            with self.subTest(changes=changes):
                orm = self.new_post("orm" + str(len(changes)), **changes)
                orm.save()
                ours = self.new_post("ours" + str(len(changes)), **changes)
                row_writes.insert(ours, POST_FIELDS)
                self.assertIsInstance(ours.pk, int)
                self.assertGreater(ours.pk, orm.pk)
                self.assertEqual(ours._state.db, "default")
                self.assertFalse(ours._state.adding)
                want = stored(Post, orm.pk) | {"client_token": ours.client_token}
                self.assertEqual(stored(Post, ours.pk), want)
                self.assertEqual(Post.objects.get(pk=ours.pk).created_at, ours.created_at)

    def test_an_update_sets_values_and_adds_in_the_database(self) -> None:
        forum = self.w.news
        before = stored(Forum, forum.pk)
        post = self.w.short_thread.first_post
        Forum.objects.filter(pk=forum.pk).update(post_count=40)  # another writer moved it on
        changed = row_writes.update(
            Forum, forum.pk, values={"last_post": post.pk}, add={"post_count": 2}
        )
        self.assertEqual(changed, 1)
        after = stored(Forum, forum.pk)
        self.assertEqual(after["post_count"], 42)
        self.assertEqual(after["last_post_id"], post.pk)
        unchanged = {k: v for k, v in before.items() if k not in ("post_count", "last_post_id")}
        self.assertEqual({k: after[k] for k in unchanged}, unchanged)

    def test_datetimes_and_missing_rows(self) -> None:
        at = timezone.now() - timedelta(days=2, microseconds=7)
        thread = self.w.long_thread
        self.assertEqual(row_writes.update(Thread, thread.pk, values={"last_post_at": at}), 1)
        self.assertEqual(Thread.objects.get(pk=thread.pk).last_post_at, at)
        self.assertEqual(row_writes.update(Member, 10**9, add={"message_count": 1}), 0)

    def test_names_that_are_not_columns_are_refused(self) -> None:
        with self.assertRaisesRegex(ValueError, "not a column"):
            row_writes.update(Forum, self.w.news.pk, add={"threads": 1})
        with self.assertRaisesRegex(ValueError, "Nothing"):
            row_writes.update(Forum, self.w.news.pk)

    def test_query_watchers_and_the_page_cache_see_the_writes(self) -> None:
        content = stamps.value(stamps.read_all(), stamps.CONTENT)
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            row_writes.update(Member, self.w.member.pk, add={"message_count": 1})
            row_writes.insert(self.new_post("seen"), POST_FIELDS)
        sql = [q["sql"] for q in queries]
        self.assertTrue(any(s.startswith('UPDATE "parley_member"') for s in sql), sql)
        self.assertTrue(any(s.startswith('INSERT INTO "forums_post"') for s in sql), sql)
        self.assertGreater(stamps.value(stamps.read_all(), stamps.CONTENT), content)
