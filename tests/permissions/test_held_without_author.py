"""Held content whose author's account is gone (the author column emptied) is nobody's own: a
guest, whose member id is also empty, must not see it as its author would."""

from __future__ import annotations

from django.test import Client, TestCase

from parley.forums import services
from parley.forums.models import Post, Thread
from tests.world import build_world


class HeldWithoutAuthorTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        thread = services.create_thread(
            actor=cls.world.other, forum=cls.world.lounge, title="Orphaned story", body="Held."
        )
        reply = services.reply_to_thread(
            actor=cls.world.other, thread=cls.world.short_thread, body="An orphaned held reply"
        )
        # As a deleted account leaves them (author SET_NULL), and held.
        Thread.objects.filter(pk=thread.pk).update(author=None, awaiting_approval=True)
        Post.objects.filter(pk__in=[thread.first_post_id, reply.pk]).update(
            author=None, awaiting_approval=True
        )
        cls.thread = Thread.objects.get(pk=thread.pk)
        cls.reply = Post.objects.get(pk=reply.pk)

    def test_a_guest_does_not_get_the_held_thread_or_reply(self) -> None:
        guest = Client()
        self.assertEqual(guest.get(self.thread.get_absolute_url()).status_code, 404)
        self.assertEqual(guest.get(f"/posts/{self.reply.pk}/").status_code, 404)

    def test_a_moderator_still_does(self) -> None:
        client = Client()
        client.force_login(self.world.moderator)
        self.assertEqual(client.get(self.thread.get_absolute_url()).status_code, 200)
        self.assertEqual(client.get(f"/posts/{self.reply.pk}/").status_code, 302)
