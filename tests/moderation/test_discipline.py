"""Warnings, bans and the spam cleaner as services: who may, what changes, what is logged."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.moderation.discipline import queries as discipline_queries
from parley.moderation.discipline import services as discipline
from parley.moderation.models import Ban, ModeratorLogEntry, Warning
from parley.notifications.models import Alert
from parley.permissions.guardian import perms_for
from parley.permissions.services import add_forum_moderator
from tests.moderation.support import (
    assert_counters_consistent,
    contiguous_positions,
    gate_settings,
)
from tests.world import build_world, make_member


class DisciplineTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.lounge_mod = make_member("Lounge Mod")
        add_forum_moderator(member=cls.lounge_mod, forum=cls.w.lounge)
        cls.bob_post = Post.objects.filter(author=cls.w.other, thread=cls.w.short_thread).first()
        cls.alice_news_post = Post.objects.filter(
            author=cls.w.member, thread=cls.w.long_thread
        ).last()

    def setUp(self) -> None:
        self.enterContext(gate_settings())


class WarningTests(DisciplineTestCase):
    def test_a_warning_is_recorded_alerted_and_logged(self) -> None:
        warning = discipline.warn_member(
            actor=self.w.moderator,
            member=self.w.other,
            points=2,
            reason="Personal attack",
            post=self.bob_post,
        )
        self.assertEqual(
            (warning.points, warning.issued_by, warning.post), (2, self.w.moderator, self.bob_post)
        )
        alert = Alert.objects.get(member=self.w.other)
        self.assertEqual(alert.kind, "warning")
        self.assertIn("2 points", alert.text)
        self.assertIn("Personal attack", alert.text)
        self.assertEqual(alert.url, f"/posts/{self.bob_post.pk}/")
        entry = ModeratorLogEntry.objects.get(action="warn")
        self.assertEqual((entry.target_kind, entry.target_id), ("member", self.w.other.pk))
        self.assertEqual(entry.details["points"], 2)

    def test_active_points_leave_out_expired_warnings(self) -> None:
        now = timezone.now()
        discipline.warn_member(actor=self.w.moderator, member=self.w.other, points=1, reason="a")
        discipline.warn_member(
            actor=self.w.moderator,
            member=self.w.other,
            points=3,
            reason="b",
            expires_at=now + timedelta(days=30),
        )
        expiring = discipline.warn_member(
            actor=self.w.moderator,
            member=self.w.other,
            points=5,
            reason="c",
            expires_at=now + timedelta(days=1),
        )
        self.assertEqual(discipline_queries.active_warning_points(self.w.other), 9)
        Warning.objects.filter(pk=expiring.pk).update(expires_at=now - timedelta(seconds=1))
        self.assertEqual(discipline_queries.active_warning_points(self.w.other), 4)
        self.assertEqual(
            discipline_queries.active_warning_points(self.w.other, now=now + timedelta(days=31)), 1
        )

    def test_bad_input_is_refused(self) -> None:
        for kwargs in (
            {"points": 1, "reason": "  "},
            {"points": 1000, "reason": "x"},
            {"points": 1, "reason": "x", "expires_at": timezone.now() - timedelta(days=1)},
        ):
            with self.assertRaises(ValidationError, msg=kwargs):
                discipline.warn_member(actor=self.w.moderator, member=self.w.other, **kwargs)
        self.assertFalse(Warning.objects.exists())

    def test_who_may_warn_whom(self) -> None:
        cases = [
            (self.w.member, self.w.other, None, False),  # members do not warn
            (self.w.moderator, self.w.moderator, None, False),  # nor anyone themselves
            (self.w.moderator, self.w.admin, None, False),  # nobody warns an administrator
            (self.w.moderator, self.lounge_mod, None, False),  # peers are not warned
            (self.w.admin, self.w.moderator, None, True),
            (self.lounge_mod, self.w.other, self.bob_post, True),  # in their forum
            (self.lounge_mod, self.w.member, self.alice_news_post, False),  # not in theirs
            (self.w.moderator, self.w.member, self.alice_news_post, True),
        ]
        for actor, member, post, expected in cases:
            perms = perms_for(actor)
            self.assertEqual(perms.can_warn_member(member, post), expected, (actor, member))
            if not expected:
                with self.assertRaises(PermissionDenied):
                    discipline.warn_member(
                        actor=actor, member=member, points=1, reason="x", post=post
                    )
        self.assertEqual(Warning.objects.count(), 0)


class BanTests(DisciplineTestCase):
    def test_a_temporary_ban_stops_posting_until_it_ends(self) -> None:
        ends = timezone.now() + timedelta(days=3)
        ban = discipline.ban_member(
            actor=self.w.moderator, member=self.w.other, reason="Cooling off", ends_at=ends
        )
        self.assertEqual((ban.ends_at, ban.banned_by), (ends, self.w.moderator))
        perms = perms_for(self.w.other)
        self.assertEqual((perms.ban.reason, perms.ban.ends_at), ("Cooling off", ends))
        self.assertFalse(perms.can_act)
        with self.assertRaises(PermissionDenied) as refused:
            services.reply_to_thread(actor=self.w.other, thread=self.w.short_thread, body="Hi")
        self.assertIn("You have been banned until", str(refused.exception))
        self.assertIn("Cooling off", str(refused.exception))
        self.assertTrue(
            ModeratorLogEntry.objects.filter(action="ban", reason="Cooling off").exists()
        )

        # Once the end has passed the ban is over without anyone lifting it.
        later = ends + timedelta(minutes=1)
        with mock.patch("django.utils.timezone.now", return_value=later):
            self.assertIsNone(perms_for(self.w.other).ban)
            post = services.reply_to_thread(
                actor=self.w.other, thread=self.w.short_thread, body="Back again", now=later
            )
        self.assertFalse(post.is_deleted)
        self.assertIsNone(discipline_queries.active_ban(self.w.other, now=later))

    def test_a_permanent_ban_and_lifting_it(self) -> None:
        discipline.ban_member(actor=self.w.admin, member=self.w.other, reason="Spam")
        perms = perms_for(self.w.other)
        self.assertIsNone(perms.ban.ends_at)
        with self.assertRaises(PermissionDenied) as refused:
            services.create_thread(
                actor=self.w.other, forum=self.w.lounge, title="Sneaky", body="x"
            )
        self.assertEqual(str(refused.exception), "You have been banned: Spam")
        self.assertEqual(discipline.lift_ban(actor=self.w.admin, member=self.w.other), 1)
        self.assertIsNone(perms_for(self.w.other).ban)
        services.reply_to_thread(actor=self.w.other, thread=self.w.short_thread, body="Sorry")
        self.assertTrue(ModeratorLogEntry.objects.filter(action="ban_lift").exists())
        self.assertEqual(discipline.lift_ban(actor=self.w.admin, member=self.w.other), 0)

    def test_a_new_ban_replaces_the_one_in_force(self) -> None:
        discipline.ban_member(actor=self.w.admin, member=self.w.other, reason="First")
        discipline.ban_member(
            actor=self.w.admin,
            member=self.w.other,
            reason="Shortened",
            ends_at=timezone.now() + timedelta(days=1),
        )
        self.assertEqual(Ban.objects.filter(member=self.w.other, lifted_at=None).count(), 1)
        self.assertEqual(perms_for(self.w.other).ban.reason, "Shortened")

    def test_an_end_in_the_past_is_refused(self) -> None:
        with self.assertRaises(ValidationError):
            discipline.ban_member(
                actor=self.w.admin,
                member=self.w.other,
                reason="x",
                ends_at=timezone.now() - timedelta(hours=1),
            )
        self.assertFalse(Ban.objects.exists())

    def test_who_may_ban_whom(self) -> None:
        cases = [
            (self.w.member, self.w.other, False),
            (self.lounge_mod, self.w.other, False),  # forum moderators do not ban
            (self.w.moderator, self.w.other, True),  # global moderators do
            (self.w.moderator, self.lounge_mod, False),
            (self.w.moderator, self.w.admin, False),
            (self.w.admin, self.w.moderator, True),
            (self.w.admin, self.w.admin, False),
        ]
        for actor, member, expected in cases:
            self.assertEqual(perms_for(actor).can_ban_member(member), expected, (actor, member))
            if not expected:
                with self.assertRaises(PermissionDenied):
                    discipline.ban_member(actor=actor, member=member, reason="x")
                with self.assertRaises(PermissionDenied):
                    discipline.clean_spammer(actor=actor, member=member, reason="x")
        self.assertFalse(Ban.objects.exists())

    def test_a_banned_moderator_cannot_moderate(self) -> None:
        discipline.ban_member(actor=self.w.admin, member=self.w.moderator, reason="Rogue")
        perms = perms_for(self.w.moderator)
        self.assertFalse(perms.can_ban_member(self.w.other))
        self.assertFalse(perms.can_warn_member(self.w.other))
        self.assertFalse(perms.can_view_approval_queue())


class SpamCleanerTests(DisciplineTestCase):
    def test_removes_everything_keeps_counters_right_and_bans(self) -> None:
        spammer = make_member("Spammer", joined_at=timezone.now() - timedelta(days=3))
        t0 = timezone.now() - timedelta(hours=1)
        own = services.create_thread(
            actor=spammer, forum=self.w.lounge, title="Cheap watches", body="Buy", now=t0
        )
        victim_reply = services.reply_to_thread(
            actor=self.w.member, thread=own, body="Is this spam?", now=t0 + timedelta(minutes=1)
        )
        long_thread = Thread.objects.get(pk=self.w.long_thread.pk)
        spam_replies = [
            services.reply_to_thread(
                actor=spammer,
                thread=long_thread,
                body=f"Buy now {i}",
                now=t0 + timedelta(minutes=2 + i),
            )
            for i in range(3)
        ]
        services.reply_to_thread(
            actor=self.w.other, thread=long_thread, body="Last word", now=t0 + timedelta(minutes=9)
        )
        alice_before = Member.objects.get(pk=self.w.member.pk).message_count

        result = discipline.clean_spammer(actor=self.w.moderator, member=spammer, reason="Spam")

        self.assertEqual((result.threads, result.posts), (1, 4))
        self.assertTrue(Thread.objects.get(pk=own.pk).is_deleted)
        self.assertTrue(all(Post.objects.get(pk=p.pk).is_deleted for p in spam_replies))
        self.assertFalse(Post.objects.get(pk=victim_reply.pk).is_deleted)
        long_thread.refresh_from_db()
        self.assertEqual(contiguous_positions(long_thread), list(range(1, 47)))
        self.assertEqual(long_thread.reply_count, 45)
        self.assertEqual(Member.objects.get(pk=spammer.pk).message_count, 0)
        # Alice's reply went with the spammer's thread, so it no longer counts for her.
        self.assertEqual(Member.objects.get(pk=self.w.member.pk).message_count, alice_before - 1)
        lounge = Forum.objects.get(pk=self.w.lounge.pk)
        self.assertEqual(lounge.thread_count, 2)
        assert_counters_consistent(self)

        ban = perms_for(spammer).ban
        self.assertEqual((ban.reason, ban.ends_at), ("Spam", None))
        entries = ModeratorLogEntry.objects.filter(target_kind="member", target_id=spammer.pk)
        self.assertEqual([e.action for e in entries], ["spam_clean"])
        self.assertEqual(entries[0].details, {"threads": 1, "posts": 4})

    def test_footprint_counts_what_would_go(self) -> None:
        self.assertEqual(discipline_queries.spam_footprint(self.w.other), (1, 23))
