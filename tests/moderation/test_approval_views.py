"""The approval queue page and its actions over HTTP, and crafted requests that must fail."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parley.forums.models import Post, Thread
from parley.moderation.models import ModeratorLogEntry
from tests.moderation.support import HeldContentTestCase
from tests.world import make_member, warm_permission_cache

QUEUE = "/approval-queue/"


def approve_url(item: Post | Thread) -> str:
    kind = "posts" if isinstance(item, Post) else "threads"
    return f"{QUEUE}{kind}/{item.pk}/approve"


def reject_url(item: Post | Thread) -> str:
    kind = "posts" if isinstance(item, Post) else "threads"
    return f"{QUEUE}{kind}/{item.pk}/reject"


class QueuePageTests(HeldContentTestCase):
    def test_moderators_see_held_posts_and_threads(self) -> None:
        self.held_reply(self.w.short_thread, body="Held *reply* text")
        self.held_thread(title="Held thread title", minutes=1)
        self.client.force_login(self.w.moderator)
        response = self.client.get(QUEUE)
        self.assertContains(response, "Held <em>reply</em> text")
        self.assertContains(response, "Held thread title")
        self.assertContains(response, "Newbie")

    def test_empty_queue(self) -> None:
        self.client.force_login(self.w.moderator)
        self.assertContains(self.client.get(QUEUE), "Nothing is waiting for approval.")

    def test_members_are_refused_and_guests_sent_to_log_in(self) -> None:
        self.client.force_login(self.w.member)
        self.assertEqual(self.client.get(QUEUE).status_code, 403)
        self.client.logout()
        response = self.client.get(QUEUE)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])

    def test_query_count_does_not_grow_with_the_queue(self) -> None:
        self.client.force_login(self.w.moderator)
        warm_permission_cache(self.client)
        self.held_reply(self.w.short_thread, body="One")
        self.held_thread(title="Thread one", minutes=1)
        with CaptureQueriesContext(connection) as small:
            self.client.get(QUEUE)
        self.assertLessEqual(len(small), 6)
        for i in range(6):
            self.held_reply(self.w.long_thread, body=f"More {i}", minutes=2 + i)
            self.held_thread(title=f"Thread {i + 2}", minutes=2.5 + i)
        with self.assertNumQueries(len(small.captured_queries)):
            response = self.client.get(QUEUE)
        self.assertContains(response, "More 5")


class QueueActionTests(HeldContentTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.w.moderator)

    def test_approve_a_reply(self) -> None:
        held = self.held_reply(self.w.short_thread)
        response = self.client.post(approve_url(held), follow=True)
        self.assertRedirects(response, QUEUE)
        self.assertContains(response, "Approved the reply by Newbie.")
        self.assertFalse(Post.objects.get(pk=held.pk).awaiting_approval)

    def test_approve_a_thread(self) -> None:
        thread = self.held_thread()
        self.client.post(approve_url(thread))
        self.assertFalse(Thread.objects.get(pk=thread.pk).awaiting_approval)

    def test_reject_with_a_reason(self) -> None:
        held = self.held_reply(self.w.short_thread)
        response = self.client.post(reject_url(held), {"reason": "Spam link"})
        self.assertRedirects(response, QUEUE)
        post = Post.objects.get(pk=held.pk)
        self.assertEqual((post.is_deleted, post.delete_reason), (True, "Spam link"))

    def test_reject_without_a_reason_asks_for_one(self) -> None:
        thread = self.held_thread()
        response = self.client.post(reject_url(thread), {"reason": "  "})
        self.assertContains(response, "Please give a reason.")
        self.assertTrue(Thread.objects.get(pk=thread.pk).awaiting_approval)
        self.assertContains(self.client.get(reject_url(thread)), "Reject the thread")

    def test_approving_something_already_handled_says_so(self) -> None:
        held = self.held_reply(self.w.short_thread)
        self.client.post(approve_url(held))
        response = self.client.post(approve_url(held), follow=True)
        self.assertContains(response, "already handled")
        self.assertEqual(ModeratorLogEntry.objects.filter(action="post_approve").count(), 1)

    def test_actions_are_post_only(self) -> None:
        held = self.held_reply(self.w.short_thread)
        self.assertEqual(self.client.get(approve_url(held)).status_code, 405)
        self.assertTrue(Post.objects.get(pk=held.pk).awaiting_approval)

    def test_csrf_is_enforced(self) -> None:
        held = self.held_reply(self.w.short_thread)
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.w.moderator)
        self.assertEqual(client.post(approve_url(held)).status_code, 403)
        self.assertTrue(Post.objects.get(pk=held.pk).awaiting_approval)


class CraftedApprovalTests(HeldContentTestCase):
    """IDOR: members posting straight to the action URLs change nothing."""

    def test_the_author_cannot_approve_their_own_held_post(self) -> None:
        held = self.held_reply(self.w.short_thread)
        thread = self.held_thread(minutes=1)
        self.client.force_login(self.newbie)
        self.assertEqual(self.client.post(approve_url(held)).status_code, 403)
        self.assertEqual(self.client.post(approve_url(thread)).status_code, 403)
        self.assertEqual(self.client.post(reject_url(held), {"reason": "x"}).status_code, 403)
        self.assertTrue(Post.objects.get(pk=held.pk).awaiting_approval)
        self.assertTrue(Thread.objects.get(pk=thread.pk).awaiting_approval)

    def test_other_members_and_other_forums_moderators_cannot_see_it(self) -> None:
        held = self.held_reply(self.w.short_thread)  # lounge
        news_mod = make_member("News Mod")
        from parley.permissions.services import add_forum_moderator

        add_forum_moderator(member=news_mod, forum=self.w.news)
        for actor in (self.w.member, news_mod):
            self.client.force_login(actor)
            self.assertEqual(self.client.post(approve_url(held)).status_code, 404)
            self.assertEqual(self.client.post(reject_url(held), {"reason": "x"}).status_code, 404)
        self.assertTrue(Post.objects.get(pk=held.pk).awaiting_approval)
        self.assertFalse(
            ModeratorLogEntry.objects.filter(action__in=["post_approve", "post_reject"]).exists()
        )

    def test_a_published_post_cannot_be_approved_or_rejected_by_a_member(self) -> None:
        post = Post.objects.filter(thread=self.w.short_thread).first()
        self.client.force_login(self.w.member)
        self.assertEqual(self.client.post(reject_url(post), {"reason": "x"}).status_code, 403)
        self.assertFalse(Post.objects.get(pk=post.pk).is_deleted)
