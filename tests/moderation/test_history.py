"""Post edit history: revisions kept by every edit, versions with their editor and reason, a
line diff rendered escaped, and the page for moderators only."""

from __future__ import annotations

from datetime import timedelta

from django.test import SimpleTestCase, TestCase
from django.utils import timezone

from parley.forums import services
from parley.forums.models import Post
from parley.moderation.history.queries import DiffLine, line_diff, post_versions
from tests.world import build_world


class LineDiffTests(SimpleTestCase):
    def test_changed_lines_with_context(self) -> None:
        old = "one\ntwo\nthree\nfour\nfive\nsix\nseven"
        new = "one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight"
        self.assertEqual(
            line_diff(old, new, context=1),
            [
                DiffLine("same", "two"),
                DiffLine("removed", "three"),
                DiffLine("added", "THREE"),
                DiffLine("same", "four"),
                DiffLine("gap", "…"),
                DiffLine("same", "seven"),
                DiffLine("added", "eight"),
            ],
        )

    def test_identical_texts_have_no_diff(self) -> None:
        self.assertEqual(line_diff("same\ntext", "same\ntext"), [])


class HistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.post = Post.objects.get(thread=cls.w.long_thread, position=2)  # Alice's
        now = timezone.now()
        services.edit_post(
            actor=cls.w.member,
            post=cls.post,
            body="Reply number 2\n<script>alert(1)</script>",
            base_edit_count=0,
            now=now - timedelta(minutes=5),
        )
        services.edit_post(
            actor=cls.w.moderator,
            post=cls.post,
            body="Reply number 2\n[removed]",
            base_edit_count=1,
            reason="No scripts <please>",
            now=now,
        )
        cls.url = f"/posts/{cls.post.pk}/history"

    def test_versions_newest_first_with_editors_and_diffs(self) -> None:
        post = Post.objects.get(pk=self.post.pk)
        versions = post_versions(post)
        self.assertEqual([v.number for v in versions], [2, 1, 0])
        self.assertEqual([v.editor_name for v in versions], ["Mod Squad", "Alice", "Alice"])
        self.assertEqual(versions[0].reason, "No scripts <please>")
        self.assertEqual(versions[0].body_source, "Reply number 2\n[removed]")
        self.assertIn(DiffLine("removed", "<script>alert(1)</script>"), versions[0].diff)
        self.assertIn(DiffLine("added", "[removed]"), versions[0].diff)
        self.assertEqual(versions[-1].body_source, "Reply number 2")
        self.assertEqual(versions[-1].diff, [])

    def test_moderators_see_the_history_escaped(self) -> None:
        self.client.force_login(self.w.moderator)
        html = self.client.get(self.url).content.decode()
        self.assertIn("<del>&lt;script&gt;alert(1)&lt;/script&gt;</del>", html)
        self.assertIn("<ins>[removed]</ins>", html)
        self.assertIn("Reason: No scripts &lt;please&gt;", html)
        self.assertNotIn("<script>alert(1)", html)
        thread_html = self.client.get(self.w.long_thread.get_absolute_url()).content.decode()
        self.assertIn(f'href="{self.url}"', thread_html)

    def test_history_is_hidden_from_everyone_else(self) -> None:
        self.assertEqual(self.client.get(self.url).status_code, 404)
        for member in (self.w.member, self.w.other):  # the author too
            self.client.force_login(member)
            self.assertEqual(self.client.get(self.url).status_code, 404)
            thread_html = self.client.get(self.w.long_thread.get_absolute_url()).content.decode()
            self.assertNotIn(self.url, thread_html)
