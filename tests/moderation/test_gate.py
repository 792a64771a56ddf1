"""The posting gate: flood control, duplicates, holding newcomers' and link-heavy posts, and who
skips what. Services are called with explicit times; the view tests post as a member does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.test import TestCase
from django.utils import timezone

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.moderation import gate
from parley.permissions.guardian import perms_for
from tests.moderation.support import (
    assert_counters_consistent,
    gate_settings,
    make_newcomer,
)
from tests.world import build_world

LINKS_4 = "See https://a.example https://b.example www.c.example and [url=https://d.example]d[/url]"
PUBLISHED, HELD = ("published", ""), ("held", "")
FLOOD = (
    "Please wait a little between posts (at least {seconds} seconds). You can post again in "
    "{wait} second{s}; your message is kept below."
)
DUPLICATE = (
    "You already posted this message. Please add something new rather than posting the same "
    "text again."
)


def _totals() -> tuple[int, int, int]:
    """Posts written, and posts counted in forum totals and on member cards."""
    return (
        Post.objects.count(),
        Forum.objects.aggregate(n=Sum("post_count"))["n"] or 0,
        Member.objects.aggregate(n=Sum("message_count"))["n"] or 0,
    )


def decision(write: Callable[[], Post | Thread]) -> tuple[str, str]:
    """What the gate decided about one post, as readers and the author notice it:
    ("published", "") the post is written, shown to guests and counted in its forum's total and
    on its author's card; ("held", "") written, shown to no guest, counted nowhere;
    ("refused", message) nothing written, and the member is told why."""
    written_before, forum_before, member_before = _totals()
    try:
        written = write()
    except ValidationError as refused:
        assert _totals() == (written_before, forum_before, member_before), "refused: no write"
        return "refused", refused.messages[0]
    post = written.first_post if isinstance(written, Thread) else written
    guests = perms_for(None)
    shown = guests.visible_posts(Post.objects.filter(pk=post.pk)).exists()
    written_after, forum_after, member_after = _totals()
    assert written_after == written_before + 1
    counted = (forum_after - forum_before, member_after - member_before)
    if not shown and counted == (0, 0):
        return HELD
    assert shown and counted == (1, 1), f"neither published nor held: {shown=} {counted=}"
    return PUBLISHED


@gate_settings()
class FloodTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.t0 = timezone.now()

    def reply(self, member: Member, body: str, seconds: float, thread: Thread | None = None):  # noqa: ANN201
        return services.reply_to_thread(
            actor=member,
            thread=thread or self.w.short_thread,
            body=body,
            now=self.t0 + timedelta(seconds=seconds),
        )

    def test_a_second_post_too_soon_is_refused_and_nothing_is_written(self) -> None:
        self.reply(self.w.member, "First thought", 0)
        before = Post.objects.count()
        with self.assertRaises(ValidationError) as refused:
            self.reply(self.w.member, "Second thought", 4)
        self.assertEqual(refused.exception.code, "flood")
        self.assertIn("at least 10 seconds", refused.exception.message)
        self.assertIn("in 6 seconds", refused.exception.message)
        self.assertEqual(Post.objects.count(), before)
        self.reply(self.w.member, "Second thought", 11)
        self.assertEqual(Post.objects.count(), before + 1)

    def test_flood_control_counts_across_threads_and_new_threads(self) -> None:
        self.reply(self.w.member, "In the lounge", 0)
        with self.assertRaises(ValidationError):
            services.create_thread(
                actor=self.w.member,
                forum=self.w.news,
                title="Another story",
                body="Fresh",
                now=self.t0 + timedelta(seconds=3),
            )
        with self.assertRaises(ValidationError):
            self.reply(self.w.member, "Elsewhere", 5, thread=self.w.long_thread)

    def test_other_members_do_not_slow_each_other(self) -> None:
        self.assertEqual(
            [
                decision(lambda: self.reply(self.w.member, "Alice here", 0)),
                decision(lambda: self.reply(self.w.other, "Bob here", 1)),
                decision(lambda: self.reply(self.w.member, "Alice again", 2)),
            ],
            [
                PUBLISHED,
                PUBLISHED,
                ("refused", FLOOD.format(seconds=10, wait=8, s="s")),
            ],
        )

    def test_newcomers_wait_longer(self) -> None:
        newbie = make_newcomer()
        self.reply(newbie, "Hello all", 0)
        with self.assertRaises(ValidationError) as refused:
            self.reply(newbie, "Anyone?", 15)
        self.assertIn("at least 30 seconds", refused.exception.message)
        self.reply(newbie, "Anyone?", 31)

    def test_newcomer_means_few_posts_or_joined_today(self) -> None:
        now = self.t0
        old = now - timedelta(days=30)
        self.assertTrue(gate.is_newcomer(message_count=0, joined_at=old, now=now))
        self.assertTrue(gate.is_newcomer(message_count=4, joined_at=old, now=now))
        self.assertFalse(gate.is_newcomer(message_count=5, joined_at=old, now=now))
        recent = now - timedelta(hours=3)
        self.assertTrue(gate.is_newcomer(message_count=50, joined_at=recent, now=now))

    def test_moderators_bypass_flood_and_duplicates(self) -> None:
        self.assertEqual(
            [
                decision(lambda: self.reply(self.w.moderator, "Please keep it civil.", 0)),
                decision(lambda: self.reply(self.w.moderator, "Please keep it civil.", 1)),
                decision(lambda: self.reply(self.w.admin, "Noted.", 0)),
                decision(lambda: self.reply(self.w.admin, "Noted.", 1)),
                # The same two posts from a member: the second is refused.
                decision(lambda: self.reply(self.w.member, "Noted.", 0)),
                decision(lambda: self.reply(self.w.member, "Noted.", 11)),
            ],
            [PUBLISHED] * 5 + [("refused", DUPLICATE)],
        )

    def test_posts_written_in_the_past_are_judged_against_what_came_before(self) -> None:
        # Imports and test worlds write with explicit times: only earlier posts count.
        self.assertEqual(
            [
                decision(lambda: self.reply(self.w.member, "Later post", 600)),
                decision(lambda: self.reply(self.w.member, "Earlier post", 0)),
                decision(lambda: self.reply(self.w.member, "Just after the later one", 605)),
            ],
            [PUBLISHED, PUBLISHED, ("refused", FLOOD.format(seconds=10, wait=5, s="s"))],
        )

    @gate_settings(PARLEY_FLOOD_SECONDS=0, PARLEY_NEWCOMER_FLOOD_SECONDS=0)
    def test_zero_turns_flood_control_off(self) -> None:
        newbie = make_newcomer()
        self.assertEqual(
            [
                decision(lambda: self.reply(self.w.member, "One", 0)),
                decision(lambda: self.reply(self.w.member, "Two", 0.5)),
                decision(lambda: self.reply(newbie, "Three", 0)),
                decision(lambda: self.reply(newbie, "Four", 0.5)),
            ],
            [PUBLISHED] * 4,
        )


@gate_settings()
class DuplicateTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.t0 = timezone.now()

    def reply(self, body: str, seconds: float, thread: Thread | None = None) -> Post:
        return services.reply_to_thread(
            actor=self.w.member,
            thread=thread or self.w.short_thread,
            body=body,
            now=self.t0 + timedelta(seconds=seconds),
        )

    def test_the_same_text_within_minutes_is_refused_anywhere(self) -> None:
        self.reply("Buy cheap watches", 0)
        for thread in (self.w.short_thread, self.w.long_thread):
            with self.assertRaises(ValidationError) as refused:
                self.reply("Buy cheap watches", 60, thread=thread)
            self.assertEqual(refused.exception.code, "duplicate")
            self.assertIn("You already posted this message.", refused.exception.message)

    def test_the_same_text_later_or_different_text_is_fine(self) -> None:
        self.assertEqual(
            [
                decision(lambda: self.reply("Morning!", 0)),
                decision(lambda: self.reply("Morning, all!", 60)),
                decision(lambda: self.reply("Morning!", 4 * 60)),  # within 5 minutes
                decision(lambda: self.reply("Morning!", 6 * 60)),
            ],
            [PUBLISHED, PUBLISHED, ("refused", DUPLICATE), PUBLISHED],
        )

    def test_a_deleted_post_does_not_count(self) -> None:
        post = self.reply("Oops, wrong thread", 0)
        again = lambda: self.reply("Oops, wrong thread", 60, thread=self.w.long_thread)  # noqa: E731
        self.assertEqual(decision(again), ("refused", DUPLICATE))
        services.delete_post(actor=self.w.member, post=post)
        self.assertEqual(decision(again), PUBLISHED)


@gate_settings()
class ApprovalThresholdTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.newbie = make_newcomer()
        cls.t0 = timezone.now()

    def setUp(self) -> None:
        # Not for the whole class: the world is built before any member has posts.
        self.enterContext(gate_settings(PARLEY_APPROVAL_FIRST_POSTS=2))

    def at(self, seconds: float):  # noqa: ANN201
        return self.t0 + timedelta(seconds=seconds)

    def test_a_newcomers_reply_is_held_and_counts_nowhere(self) -> None:
        thread = Thread.objects.get(pk=self.w.short_thread.pk)
        forum_posts = Forum.objects.get(pk=thread.forum_id).post_count
        post = services.reply_to_thread(
            actor=self.newbie, thread=thread, body="Hello!", now=self.at(0)
        )
        self.assertTrue(post.awaiting_approval)
        self.assertEqual(post.position, thread.last_position)  # shares its predecessor's
        fresh = Thread.objects.get(pk=thread.pk)
        self.assertEqual(
            (fresh.reply_count, fresh.last_position, fresh.last_post_id),
            (thread.reply_count, thread.last_position, thread.last_post_id),
        )
        self.assertEqual(Forum.objects.get(pk=thread.forum_id).post_count, forum_posts)
        self.assertEqual(Member.objects.get(pk=self.newbie.pk).message_count, 0)
        assert_counters_consistent(self)

    def test_a_newcomers_thread_is_held(self) -> None:
        forum = Forum.objects.get(pk=self.w.news.pk)
        thread = services.create_thread(
            actor=self.newbie, forum=forum, title="My first thread", body="Hi", now=self.at(0)
        )
        self.assertTrue(thread.awaiting_approval)
        fresh = Forum.objects.get(pk=forum.pk)
        self.assertEqual(
            (fresh.thread_count, fresh.post_count), (forum.thread_count, forum.post_count)
        )
        self.assertEqual(Member.objects.get(pk=self.newbie.pk).message_count, 0)
        assert_counters_consistent(self)

    def test_members_past_the_threshold_and_moderators_publish(self) -> None:
        decisions = [
            decision(
                lambda actor=actor: services.reply_to_thread(
                    actor=actor, thread=self.w.short_thread, body=f"From {actor}", now=self.at(0)
                )
            )
            for actor in (self.newbie, self.w.member, self.w.moderator, self.w.admin)
        ]
        self.assertEqual(decisions, [HELD, PUBLISHED, PUBLISHED, PUBLISHED])

    def test_the_threshold_counts_published_posts(self) -> None:
        def reply(body: str, seconds: float):  # noqa: ANN202
            return lambda: services.reply_to_thread(
                actor=self.newbie, thread=self.w.short_thread, body=body, now=self.at(seconds)
            )

        Member.objects.filter(pk=self.newbie.pk).update(message_count=1)
        self.assertEqual(decision(reply("Still new", 0)), HELD)
        Member.objects.filter(pk=self.newbie.pk).update(message_count=2)
        self.assertEqual(decision(reply("Now trusted", 60)), PUBLISHED)


@gate_settings()
class LinkLimitTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.newbie = make_newcomer()

    def test_links_are_counted_once_whatever_their_markup(self) -> None:
        self.assertEqual(gate.count_links(LINKS_4), 4)
        self.assertEqual(gate.count_links("https://www.example.org/x"), 1)
        self.assertEqual(gate.count_links("[url=https://a.example]https://a.example[/url]"), 1)
        self.assertEqual(gate.count_links("[see](https://a.example) [url]b.example[/url]"), 2)
        self.assertEqual(gate.count_links("No links, just www and http talk."), 0)

    def reply(self, actor: Member, body: str) -> Callable[[], Post]:
        return lambda: services.reply_to_thread(actor=actor, thread=self.w.short_thread, body=body)

    def test_a_newcomers_post_with_too_many_links_is_held(self) -> None:
        self.assertEqual(decision(self.reply(self.newbie, LINKS_4)), HELD)

    def test_a_few_links_pass(self) -> None:
        body = "Sources: https://a.example https://b.example https://c.example"
        self.assertEqual(decision(self.reply(self.newbie, body)), PUBLISHED)

    def test_established_members_and_moderators_are_not_held_for_links(self) -> None:
        decisions = [
            decision(self.reply(actor, f"{LINKS_4} {actor}"))
            for actor in (self.w.member, self.w.moderator)
        ]
        self.assertEqual(decisions, [PUBLISHED, PUBLISHED])

    @gate_settings(PARLEY_APPROVAL_MAX_LINKS=0)
    def test_zero_turns_the_link_limit_off(self) -> None:
        self.assertEqual(decision(self.reply(self.newbie, LINKS_4)), PUBLISHED)
