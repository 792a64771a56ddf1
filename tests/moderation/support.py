"""Shared by the gate, approval and discipline tests: a newcomer persona, gate settings pinned
to known values, and the counter check (every denormalised counter equals what `resync_*`
rebuilds)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.test import TestCase, override_settings
from django.utils import timezone

from parley.accounts.models import Member
from parley.core import knobs
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services import counters
from tests.world import build_world, make_member

# The gate's settings as these tests assume them, whatever the test settings default to.
# The gate's knobs at their defaults (the test settings switch flood and duplicate checks off).
GATE = {
    knob.setting: knob.default
    for knob in (
        knobs.FLOOD_SECONDS,
        knobs.NEWCOMER_FLOOD_SECONDS,
        knobs.NEWCOMER_POSTS,
        knobs.NEWCOMER_DAYS,
        knobs.DUPLICATE_MINUTES,
        knobs.APPROVAL_FIRST_POSTS,
        knobs.APPROVAL_MAX_LINKS,
    )
}


def gate_settings(**changes: int) -> override_settings:
    return override_settings(**{**GATE, **changes})


def make_newcomer(name: str = "Newbie") -> Member:
    return make_member(name)


def counter_state() -> dict[str, object]:
    return {
        "threads": sorted(
            Thread.objects.values_list(
                "pk", "reply_count", "last_position", "first_post_id", "last_post_id"
            )
        ),
        "positions": sorted(Post.objects.values_list("pk", "position")),
        "forums": sorted(
            Forum.objects.values_list("pk", "thread_count", "post_count", "last_post_id")
        ),
        "members": sorted(Member.objects.values_list("pk", "message_count")),
    }


def assert_counters_consistent(test: TestCase) -> None:
    """Every counter kept incrementally equals a rebuild from scratch."""
    kept = counter_state()
    for thread in Thread.objects.all():
        counters.resync_thread(thread)
    for forum in Forum.objects.all():
        counters.resync_forum(forum)
    for member in Member.objects.all():
        counters.resync_member(member)
    rebuilt = counter_state()
    for part in kept:
        test.assertEqual(kept[part], rebuilt[part], part)


def contiguous_positions(thread: Thread) -> list[int]:
    return list(
        Post.objects.filter(thread=thread)
        .published()
        .order_by("created_at", "id")
        .values_list("position", flat=True)
    )


class HeldContentTestCase(TestCase):
    """The world, a newcomer whose posts are held (first-post approval on), and helpers."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.newbie = make_newcomer()
        cls.t0 = timezone.now() - timedelta(hours=1)

    def setUp(self) -> None:
        self.enterContext(gate_settings(PARLEY_APPROVAL_FIRST_POSTS=1))

    def at(self, minutes: float) -> datetime:
        return self.t0 + timedelta(minutes=minutes)

    def held_reply(self, thread: Thread, body: str = "Held words", minutes: float = 0) -> Post:
        post = services.reply_to_thread(
            actor=self.newbie, thread=thread, body=body, now=self.at(minutes)
        )
        self.assertTrue(post.awaiting_approval)
        return post

    def held_thread(self, title: str = "A newcomer's thread", minutes: float = 0) -> Thread:
        thread = services.create_thread(
            actor=self.newbie,
            forum=self.w.lounge,
            title=title,
            body=f"First words of {title}",
            now=self.at(minutes),
        )
        self.assertTrue(thread.awaiting_approval)
        return thread
