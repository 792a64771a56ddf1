"""The forum layer's hooks (`forums.hooks`): moderation plugs in its posting gate, moderator log
and revision keeper at start-up, and the forum services still work on their own with the
defaults (publish every post, record nothing)."""

from __future__ import annotations

from unittest import mock

from django.core.exceptions import ValidationError
from django.test import TestCase

from parley.forums import hooks, services
from parley.forums.models import Post
from parley.moderation import gate
from parley.moderation.history.services import keep_revision
from parley.moderation.log.services import log_action
from parley.moderation.models import ModeratorLogEntry, PostRevision
from tests.world import build_world


class PluggedInTests(TestCase):
    def test_moderation_provides_every_forum_hook(self) -> None:
        self.assertIs(hooks._posting_gate, gate.check_new_post)
        self.assertIs(hooks._moderator_log, log_action)
        self.assertIs(hooks._revision_keeper, keep_revision)


class DefaultsTests(TestCase):
    """With nothing plugged in, a board posts and edits without a gate, log or history."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def setUp(self) -> None:
        for name, default in (
            ("_posting_gate", hooks._publish),
            ("_moderator_log", hooks._record_nothing),
            ("_revision_keeper", hooks._record_nothing),
        ):
            self.enterContext(mock.patch.object(hooks, name, default))

    def test_posts_publish_and_edits_record_nothing(self) -> None:
        logged = ModeratorLogEntry.objects.count()  # the world's own actions
        post = services.reply_to_thread(actor=self.w.member, thread=self.w.short_thread, body="Hi")
        self.assertFalse(post.awaiting_approval)
        services.edit_post(
            actor=self.w.moderator, post=post, body="Hello", base_edit_count=0, reason="Typo"
        )
        self.assertEqual(Post.objects.get(pk=post.pk).body_source, "Hello")
        self.assertFalse(PostRevision.objects.exists())
        self.assertEqual(ModeratorLogEntry.objects.count(), logged)


class InTheCallersTransactionTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_a_refusal_by_the_gate_writes_nothing(self) -> None:
        def refuse(**kwargs: object) -> bool:
            raise ValidationError("No.", code="refused")

        before = Post.objects.count()
        with mock.patch.object(hooks, "_posting_gate", refuse), self.assertRaises(ValidationError):
            services.reply_to_thread(actor=self.w.member, thread=self.w.short_thread, body="Hi")
        self.assertEqual(Post.objects.count(), before)

    def test_a_failed_edit_keeps_no_revision_and_logs_nothing(self) -> None:
        post = services.reply_to_thread(actor=self.w.member, thread=self.w.short_thread, body="Hi")

        def fail(**kwargs: object) -> None:
            raise RuntimeError("the log is full")

        with mock.patch.object(hooks, "_moderator_log", fail), self.assertRaises(RuntimeError):
            services.edit_post(actor=self.w.moderator, post=post, body="Hello", base_edit_count=0)
        self.assertFalse(PostRevision.objects.filter(post=post).exists())
        self.assertEqual(Post.objects.get(pk=post.pk).body_source, "Hi")
