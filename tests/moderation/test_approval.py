"""Approving and rejecting held posts and threads: positions, counters, alerts, the log."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.moderation.approval import queries as approval_queries
from parley.moderation.approval import services as approval
from parley.moderation.models import ModeratorLogEntry
from parley.notifications.models import Alert
from parley.permissions.guardian import perms_for
from parley.permissions.services import add_forum_moderator
from tests.moderation.support import (
    HeldContentTestCase,
    assert_counters_consistent,
    contiguous_positions,
)
from tests.world import make_member


class ApprovePostTests(HeldContentTestCase):
    def test_a_held_reply_takes_its_place_by_time_among_later_replies(self) -> None:
        thread = Thread.objects.get(pk=self.w.short_thread.pk)
        held = self.held_reply(thread, minutes=0)
        later = [
            services.reply_to_thread(
                actor=self.w.member, thread=thread, body=f"Later {i}", now=self.at(5 + i)
            )
            for i in range(3)
        ]
        forum_before = Forum.objects.get(pk=thread.forum_id)
        approval.approve_post(actor=self.w.moderator, post=held)

        held.refresh_from_db()
        thread.refresh_from_db()
        self.assertFalse(held.awaiting_approval)
        self.assertEqual(held.position, 2)  # right after the first post, by time
        self.assertEqual([Post.objects.get(pk=p.pk).position for p in later], [3, 4, 5])
        self.assertEqual(contiguous_positions(thread), [1, 2, 3, 4, 5])
        self.assertEqual((thread.reply_count, thread.last_position), (4, 5))
        self.assertEqual(thread.last_post_id, later[-1].pk)
        forum = Forum.objects.get(pk=thread.forum_id)
        self.assertEqual(forum.post_count, forum_before.post_count + 1)
        self.assertEqual(forum.last_post_id, forum_before.last_post_id)  # a later post is newer
        self.assertEqual(Member.objects.get(pk=self.newbie.pk).message_count, 1)
        assert_counters_consistent(self)

    def test_approving_the_newest_post_makes_it_the_last_post(self) -> None:
        thread = Thread.objects.get(pk=self.w.short_thread.pk)
        held = self.held_reply(thread, minutes=30)
        approval.approve_post(actor=self.w.moderator, post=held)
        thread.refresh_from_db()
        self.assertEqual(thread.last_post_id, held.pk)
        self.assertEqual(Forum.objects.get(pk=thread.forum_id).last_post_id, held.pk)
        assert_counters_consistent(self)

    def test_the_author_is_alerted_and_the_action_logged(self) -> None:
        held = self.held_reply(self.w.short_thread)
        approval.approve_post(actor=self.w.moderator, post=held)
        alert = Alert.objects.get(member=self.newbie)
        self.assertEqual(alert.kind, "post_approved")
        self.assertEqual(alert.url, f"/posts/{held.pk}/")
        entry = ModeratorLogEntry.objects.get(action="post_approve")
        self.assertEqual((entry.actor_id, entry.target_id), (self.w.moderator.pk, held.pk))

    def test_approving_twice_changes_nothing_more(self) -> None:
        held = self.held_reply(self.w.short_thread)
        approval.approve_post(actor=self.w.moderator, post=held)
        approval.approve_post(actor=self.w.moderator, post=held)
        self.assertEqual(Member.objects.get(pk=self.newbie.pk).message_count, 1)
        self.assertEqual(ModeratorLogEntry.objects.filter(action="post_approve").count(), 1)
        assert_counters_consistent(self)

    def test_only_moderators_of_the_forum_may_approve(self) -> None:
        held = self.held_reply(self.w.short_thread)  # in the lounge
        news_mod = make_member("News Mod")
        add_forum_moderator(member=news_mod, forum=self.w.news)
        for actor in (self.w.member, self.newbie, news_mod):
            with self.assertRaises(PermissionDenied, msg=actor.username):
                approval.approve_post(actor=actor, post=held)
        self.assertTrue(Post.objects.get(pk=held.pk).awaiting_approval)
        lounge_mod = make_member("Lounge Mod")
        add_forum_moderator(member=lounge_mod, forum=self.w.lounge)
        approval.approve_post(actor=lounge_mod, post=held)
        self.assertFalse(Post.objects.get(pk=held.pk).awaiting_approval)


class RejectPostTests(HeldContentTestCase):
    def test_rejecting_soft_deletes_with_the_reason_and_moves_no_counter(self) -> None:
        thread = Thread.objects.get(pk=self.w.short_thread.pk)
        held = self.held_reply(thread)
        later = services.reply_to_thread(
            actor=self.w.member, thread=thread, body="After", now=self.at(5)
        )
        positions = contiguous_positions(thread)
        approval.reject_post(actor=self.w.moderator, post=held, reason="Advertising")
        held.refresh_from_db()
        self.assertTrue(held.is_deleted)
        self.assertFalse(held.awaiting_approval)
        self.assertEqual(
            (held.delete_reason, held.deleted_by_id), ("Advertising", self.w.moderator.pk)
        )
        self.assertEqual(contiguous_positions(thread), positions)
        self.assertEqual(Post.objects.get(pk=later.pk).position, 2)
        self.assertEqual(Member.objects.get(pk=self.newbie.pk).message_count, 0)
        alert = Alert.objects.get(member=self.newbie)
        self.assertEqual(alert.kind, "post_rejected")
        self.assertIn("Advertising", alert.text)
        self.assertTrue(
            ModeratorLogEntry.objects.filter(action="post_reject", reason="Advertising").exists()
        )
        assert_counters_consistent(self)

    def test_a_reason_is_required(self) -> None:
        from django.core.exceptions import ValidationError

        held = self.held_reply(self.w.short_thread)
        with self.assertRaises(ValidationError):
            approval.reject_post(actor=self.w.moderator, post=held, reason="   ")
        self.assertTrue(Post.objects.get(pk=held.pk).awaiting_approval)


class ThreadApprovalTests(HeldContentTestCase):
    def test_approving_a_thread_counts_it_and_its_posts(self) -> None:
        forum_before = Forum.objects.get(pk=self.w.lounge.pk)
        thread = self.held_thread(minutes=50)
        approval.approve_thread(actor=self.w.moderator, thread=thread)
        thread.refresh_from_db()
        self.assertFalse(thread.awaiting_approval)
        forum = Forum.objects.get(pk=self.w.lounge.pk)
        self.assertEqual(forum.thread_count, forum_before.thread_count + 1)
        self.assertEqual(forum.post_count, forum_before.post_count + 1)
        self.assertEqual(forum.last_post_id, thread.first_post_id)
        self.assertEqual(Member.objects.get(pk=self.newbie.pk).message_count, 1)
        self.assertEqual(Alert.objects.get(member=self.newbie).kind, "thread_approved")
        self.assertTrue(ModeratorLogEntry.objects.filter(action="thread_approve").exists())
        assert_counters_consistent(self)

    def test_rejecting_a_thread_deletes_it_and_moves_no_counter(self) -> None:
        forum_before = Forum.objects.get(pk=self.w.lounge.pk)
        thread = self.held_thread()
        approval.reject_thread(actor=self.w.moderator, thread=thread, reason="Off topic")
        thread.refresh_from_db()
        self.assertTrue(thread.is_deleted)
        self.assertFalse(thread.awaiting_approval)
        self.assertEqual(thread.delete_reason, "Off topic")
        forum = Forum.objects.get(pk=self.w.lounge.pk)
        self.assertEqual(
            (forum.thread_count, forum.post_count, forum.last_post_id),
            (forum_before.thread_count, forum_before.post_count, forum_before.last_post_id),
        )
        self.assertIn("Off topic", Alert.objects.get(member=self.newbie).text)
        assert_counters_consistent(self)


class QueueTests(HeldContentTestCase):
    def test_the_queue_holds_what_the_reader_moderates(self) -> None:
        reply = self.held_reply(self.w.long_thread, body="In the news")  # news forum
        thread = self.held_thread(minutes=1)  # lounge
        everything = approval_queries.approval_queue(perms_for(self.w.moderator))
        self.assertEqual([t.pk for t in everything.threads], [thread.pk])
        self.assertEqual([p.pk for p in everything.posts], [reply.pk])
        lounge_mod = make_member("Lounge Mod")
        add_forum_moderator(member=lounge_mod, forum=self.w.lounge)
        mine = approval_queries.approval_queue(perms_for(lounge_mod))
        self.assertEqual(([t.pk for t in mine.threads], mine.posts), ([thread.pk], []))
        self.assertEqual(approval_queries.held_count(perms_for(self.w.moderator)), 2)
        self.assertEqual(len(approval_queries.approval_queue(perms_for(self.w.member))), 0)

    def test_handled_items_leave_the_queue(self) -> None:
        reply = self.held_reply(self.w.short_thread)
        thread = self.held_thread(minutes=1)
        approval.approve_post(actor=self.w.moderator, post=reply)
        approval.reject_thread(actor=self.w.moderator, thread=thread, reason="No")
        self.assertEqual(len(approval_queries.approval_queue(perms_for(self.w.moderator))), 0)
