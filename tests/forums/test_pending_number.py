"""A reply held for approval shares the position of the post above it until it is approved, so
it is shown as "Pending", never as a second "#N"; once approved it takes its own number."""

from __future__ import annotations

from django.test import TestCase, override_settings

from parley.forums import services
from parley.moderation.approval import services as approval
from tests.core.parsed import parse
from tests.world import build_world, make_member


class PendingNumberTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.newcomer = make_member("Newcomer Nia")
        cls.thread = cls.w.short_thread
        with override_settings(PARLEY_APPROVAL_FIRST_POSTS=1000):
            cls.held = services.reply_to_thread(
                actor=cls.newcomer, thread=cls.thread, body="My first words here"
            )
        assert cls.held.awaiting_approval

    def numbers(self) -> list[str]:
        page = parse(self.client.get(self.thread.get_absolute_url()).content)
        return [a.text.strip() for a in page.find_all("a", cls="post-number")]

    def test_the_author_and_moderators_see_pending_not_a_repeated_number(self) -> None:
        for reader in (self.newcomer, self.w.moderator):
            self.client.force_login(reader)
            self.assertEqual(self.numbers(), ["#1", "Pending"], reader.username)

    def test_once_approved_it_takes_the_next_number(self) -> None:
        approval.approve_post(actor=self.w.moderator, post=self.held)
        self.assertEqual(self.numbers(), ["#1", "#2"])
