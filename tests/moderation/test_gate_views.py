"""The gate seen through the posting pages: refusals show on the form with the member's text
kept, a double submit stays one post, and held posts are shown to their author only."""

from __future__ import annotations

from django.test import TestCase

from parley.forums.models import Post, Thread
from tests.moderation.support import gate_settings, make_newcomer
from tests.world import build_world


@gate_settings(PARLEY_FLOOD_SECONDS=60)
class RefusalOnTheFormTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.thread = cls.w.short_thread
        cls.reply_url = f"/threads/{cls.thread.slug}.{cls.thread.pk}/reply"
        cls.post_thread_url = f"/forums/{cls.w.news.slug}.{cls.w.news.pk}/post-thread"

    def setUp(self) -> None:
        self.client.force_login(self.w.member)

    def test_flood_refusal_keeps_the_text(self) -> None:
        self.client.post(self.reply_url, {"body": "First!", "client_token": "t1"})
        response = self.client.post(
            self.reply_url, {"body": "Second, *carefully* typed.", "client_token": "t2"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please wait a little between posts")
        self.assertContains(response, "Second, *carefully* typed.</textarea>")
        self.assertFalse(Post.objects.filter(body_source__startswith="Second").exists())

    def test_duplicate_refusal_keeps_the_text(self) -> None:
        with gate_settings(PARLEY_FLOOD_SECONDS=0):
            self.client.post(self.reply_url, {"body": "Same words", "client_token": "t1"})
            response = self.client.post(
                self.post_thread_url,
                {"title": "Same again", "body": "Same words", "client_token": "t2"},
            )
        self.assertContains(response, "You already posted this message.")
        self.assertContains(response, 'value="Same again"')
        self.assertContains(response, "Same words</textarea>")
        self.assertFalse(Thread.objects.filter(title="Same again").exists())

    def test_a_double_submit_is_one_post_not_a_refusal(self) -> None:
        data = {"body": "Clicked twice", "client_token": "same1"}
        first = self.client.post(self.reply_url, data)
        second = self.client.post(self.reply_url, data)
        self.assertEqual(first.status_code, 302)
        self.assertEqual(second.status_code, 302)
        self.assertEqual(first["Location"], second["Location"])
        self.assertEqual(Post.objects.filter(body_source="Clicked twice").count(), 1)


@gate_settings()
class HeldPostPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.newbie = make_newcomer()
        cls.thread = cls.w.short_thread

    def setUp(self) -> None:
        # Not for the whole class: the world is built before any member has posts.
        self.enterContext(gate_settings(PARLEY_APPROVAL_FIRST_POSTS=1))

    def test_the_author_lands_on_the_held_post_others_do_not_see_it(self) -> None:
        self.client.force_login(self.newbie)
        response = self.client.post(
            f"/threads/{self.thread.slug}.{self.thread.pk}/reply",
            {"body": "My very first words", "client_token": "n1"},
            follow=True,
        )
        post = Post.objects.get(body_source="My very first words")
        self.assertTrue(post.awaiting_approval)
        self.assertContains(response, "My very first words")
        self.assertContains(response, "awaiting moderator approval")
        for reader in (self.w.member, None):
            if reader:
                self.client.force_login(reader)
            else:
                self.client.logout()
            page = self.client.get(self.thread.get_absolute_url())
            self.assertNotContains(page, "My very first words")
            self.assertEqual(self.client.get(f"/posts/{post.pk}/").status_code, 404)
        self.client.force_login(self.w.moderator)
        self.assertContains(self.client.get(self.thread.get_absolute_url()), "My very first words")

    def test_a_held_thread_is_the_authors_until_approved(self) -> None:
        self.client.force_login(self.newbie)
        forum = self.w.news
        response = self.client.post(
            f"/forums/{forum.slug}.{forum.pk}/post-thread",
            {"title": "Hello from a newcomer", "body": "Nice to be here", "client_token": "n2"},
            follow=True,
        )
        thread = Thread.objects.get(title="Hello from a newcomer")
        self.assertTrue(thread.awaiting_approval)
        self.assertContains(response, "Nice to be here")
        self.client.force_login(self.w.member)
        self.assertEqual(self.client.get(thread.get_absolute_url()).status_code, 404)
        self.assertNotContains(self.client.get(forum.get_absolute_url()), "Hello from a newcomer")
