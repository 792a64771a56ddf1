"""Report services: complaints joining one report per post, assignment, comments, resolving
with an action, rejecting, the moderator log and the reporters' alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import TestCase

from parley.forums.models import Post
from parley.moderation.discipline import services as discipline
from parley.moderation.models import (
    ModeratorLogEntry,
    Report,
    ReportComment,
    ReportEntry,
    ReportReason,
    Warning,
)
from parley.moderation.reports import queries as report_queries
from parley.moderation.reports import services as reports
from parley.notifications.models import Alert
from parley.permissions.guardian import perms_for
from parley.permissions.services import add_forum_moderator
from tests.moderation.support import counter_state, gate_settings
from tests.world import build_world, make_member


def reason(title: str = "Spam or advertising") -> ReportReason:
    return ReportReason.objects.get(title=title)


class ReportingTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.post = Post.objects.get(thread=cls.w.long_thread, position=3)  # by Bob
        cls.carol = make_member("Carol")

    def test_complaints_about_one_post_join_one_report(self) -> None:
        first = reports.report_post(
            actor=self.w.member, post=self.post, reason=reason(), message="Buy now links"
        )
        second = reports.report_post(
            actor=self.carol, post=self.post, reason=reason("Off-topic"), message=""
        )
        self.assertEqual(first.pk, second.pk)
        report = Report.objects.get()
        self.assertEqual(report.state, Report.State.OPEN)
        self.assertEqual(report.report_count, 2)
        self.assertEqual(
            [(e.reporter_id, e.reason_title, e.message) for e in report.entries.all()],
            [
                (self.w.member.pk, "Spam or advertising", "Buy now links"),
                (self.carol.pk, "Off-topic", ""),
            ],
        )

    def test_the_same_member_reporting_again_is_told_and_nothing_is_added(self) -> None:
        reports.report_post(actor=self.w.member, post=self.post, reason=reason())
        with self.assertRaises(ValidationError) as caught:
            reports.report_post(actor=self.w.member, post=self.post, reason=reason("Off-topic"))
        self.assertEqual(caught.exception.code, "already_reported")
        report = Report.objects.get()
        self.assertEqual(report.report_count, 1)
        self.assertEqual(report.entries.count(), 1)

    def test_a_closed_report_is_followed_by_a_new_one(self) -> None:
        first = reports.report_post(actor=self.w.member, post=self.post, reason=reason())
        reports.reject_report(actor=self.w.moderator, report=first, outcome="Not spam.")
        second = reports.report_post(actor=self.w.member, post=self.post, reason=reason())
        self.assertNotEqual(first.pk, second.pk)
        self.assertEqual(second.state, Report.State.OPEN)
        self.assertEqual(second.report_count, 1)

    def test_two_first_complaints_at_once_still_make_one_report(self) -> None:
        """The second writer finds no active report, loses the race to create one (the
        constraint), and joins the winner's."""
        winner = reports.report_post(actor=self.carol, post=self.post, reason=reason())
        real = reports._active_for_update
        with mock.patch.object(reports, "_active_for_update", side_effect=[None, real(self.post)]):
            joined = reports.report_post(actor=self.w.member, post=self.post, reason=reason())
        self.assertEqual(joined.pk, winner.pk)
        self.assertEqual(Report.objects.get().report_count, 2)

    def test_message_is_cleaned(self) -> None:
        reports.report_post(
            actor=self.w.member, post=self.post, reason=reason(), message="  bad\x00 post \n"
        )
        self.assertEqual(ReportEntry.objects.get().message, "bad post")

    def test_who_may_not_report(self) -> None:
        own = Post.objects.get(thread=self.w.long_thread, position=2)  # by Alice
        with self.assertRaises(PermissionDenied):
            reports.report_post(actor=self.w.member, post=own, reason=reason())
        retired = ReportReason.objects.create(title="Old rule", is_active=False)
        with self.assertRaises(ValidationError):
            reports.report_post(actor=self.w.member, post=self.post, reason=retired)
        self.assertFalse(Report.objects.exists())


class HandlingTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.post = Post.objects.get(thread=cls.w.long_thread, position=3)  # by Bob, in news
        cls.carol = make_member("Carol")
        cls.lounge_mod = make_member("Lounge Keeper")
        add_forum_moderator(member=cls.lounge_mod, forum=cls.w.lounge)

    def setUp(self) -> None:
        self.report = reports.report_post(
            actor=self.w.member, post=self.post, reason=reason(), message="spam"
        )
        reports.report_post(actor=self.carol, post=self.post, reason=reason("Off-topic"))
        # A stray second complaint by the same member (an import, an old bug) must not mean a
        # second alert.
        ReportEntry.objects.create(
            report=self.report,
            reporter=self.carol,
            reason_title="Off-topic",
            created_at=self.report.created_at,
        )
        self.report.refresh_from_db()

    def log(self) -> list[tuple[str, str, int, str]]:
        return list(
            ModeratorLogEntry.objects.order_by("id").values_list(
                "action", "target_kind", "target_id", "reason"
            )
        )

    def test_assign_and_unassign(self) -> None:
        reports.assign_report(actor=self.w.moderator, report=self.report, assignee=self.w.moderator)
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, Report.State.ASSIGNED)
        self.assertEqual(self.report.assigned_to, self.w.moderator)
        reports.assign_report(actor=self.w.moderator, report=self.report, assignee=None)
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, Report.State.OPEN)
        self.assertIsNone(self.report.assigned_to)
        self.assertEqual([a for a, *_ in self.log()][-2:], ["report_assign", "report_unassign"])

    def test_only_a_moderator_of_the_forum_can_be_assigned(self) -> None:
        with self.assertRaises(ValidationError):
            reports.assign_report(
                actor=self.w.moderator, report=self.report, assignee=self.lounge_mod
            )
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, Report.State.OPEN)

    def test_comments(self) -> None:
        comment = reports.comment_on_report(
            actor=self.w.moderator, report=self.report, body="  Looks like a bot. "
        )
        self.assertEqual(comment.body, "Looks like a bot.")
        with self.assertRaises(ValidationError):
            reports.comment_on_report(actor=self.w.moderator, report=self.report, body=" \n ")
        with self.assertRaises(Http404):
            reports.comment_on_report(actor=self.w.member, report=self.report, body="me too")
        self.assertEqual(ReportComment.objects.count(), 1)

    def test_reject_closes_alerts_each_reporter_once_and_logs(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            reports.reject_report(
                actor=self.w.moderator, report=self.report, outcome="  No rule broken. "
            )
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, Report.State.REJECTED)
        self.assertEqual(self.report.closed_by, self.w.moderator)
        self.assertIsNotNone(self.report.closed_at)
        self.assertEqual(self.report.outcome, "No rule broken.")
        alerts = Alert.objects.filter(kind="report_closed").order_by("member_id")
        self.assertEqual(
            [(a.member_id, a.text, a.url) for a in alerts],
            [
                (
                    member.pk,
                    "Your report on Harbour bridge closed after storm was rejected: "
                    "No rule broken.",
                    self.post.get_absolute_url(),
                )
                for member in sorted([self.w.member, self.carol], key=lambda m: m.pk)
            ],
        )
        self.assertFalse(Post.objects.get(pk=self.post.pk).is_deleted)
        self.assertEqual(
            self.log()[-1], ("report_reject", "report", self.report.pk, "No rule broken.")
        )

    def test_resolve_with_delete_hides_the_post_and_links_the_thread(self) -> None:
        """Needs parley.moderation.actions.services.soft_delete_post (moderator actions)."""
        with self.captureOnCommitCallbacks(execute=True):
            reports.resolve_report(
                actor=self.w.moderator,
                report=self.report,
                outcome="Removed, thanks.",
                delete_post=True,
                delete_reason="Spam",
            )
        post = Post.objects.get(pk=self.post.pk)
        self.assertTrue(post.is_deleted)
        self.assertEqual(post.delete_reason, "Spam")
        member_perms = perms_for(self.w.member)
        self.assertFalse(member_perms.visible_posts(Post.objects.filter(pk=post.pk)).exists())
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, Report.State.RESOLVED)
        alerts = Alert.objects.filter(kind="report_closed")
        self.assertEqual(
            sorted(a.member_id for a in alerts), sorted([self.w.member.pk, self.carol.pk])
        )
        for alert in alerts:
            self.assertEqual(
                alert.text,
                "Your report on Harbour bridge closed after storm was resolved: Removed, thanks.",
            )
            self.assertEqual(alert.url, self.w.long_thread.get_absolute_url())
        entry = ModeratorLogEntry.objects.get(action="report_resolve")
        self.assertEqual(entry.details["deleted_post"], True)
        self.assertEqual(entry.details["post_id"], self.post.pk)

    def test_deleting_a_first_post_links_reporters_to_the_forum(self) -> None:
        """Needs parley.moderation.actions.services.soft_delete_post: a thread's first post
        deletes the thread, so the alert cannot point into it."""
        first = Post.objects.get(thread=self.w.short_thread, position=1)  # by Bob, in the lounge
        report = reports.report_post(actor=self.w.member, post=first, reason=reason())
        reports.resolve_report(
            actor=self.w.moderator, report=report, outcome="Thread removed.", delete_post=True
        )
        alert = Alert.objects.get(kind="report_closed", member=self.w.member)
        self.assertEqual(alert.url, self.w.lounge.get_absolute_url())

    def test_resolve_with_a_warning(self) -> None:
        """Needs parley.moderation.discipline.services.warn_member."""
        with self.captureOnCommitCallbacks(execute=True):
            reports.resolve_report(
                actor=self.w.moderator,
                report=self.report,
                outcome="The member was warned.",
                warn_points=3,
                warn_reason="Advertising",
            )
        warning = Warning.objects.get()
        self.assertEqual(
            (warning.member_id, warning.points, warning.reason, warning.post_id),
            (self.w.other.pk, 3, "Advertising", self.post.pk),
        )
        self.assertFalse(Post.objects.get(pk=self.post.pk).is_deleted)
        self.assertEqual(Alert.objects.filter(kind="report_closed").count(), 2)
        entry = ModeratorLogEntry.objects.get(action="report_resolve")
        self.assertEqual(entry.details["warn_points"], 3)

    def test_a_failing_action_undoes_everything(self) -> None:
        """The post really is deleted first (thread, forum and author counters move, a log
        entry is written), then the warning is refused: all of it must roll back."""
        before = (counter_state(), self.log(), list(Alert.objects.values_list("pk", flat=True)))
        with self.assertRaisesMessage(ValidationError, "Points must be between 0 and 100."):
            reports.resolve_report(
                actor=self.w.moderator,
                report=self.report,
                outcome="Done",
                delete_post=True,
                warn_points=discipline.WARNING_MAX_POINTS + 1,
                warn_reason="Spam",
            )
        post = Post.objects.get(pk=self.post.pk)
        self.assertEqual(
            (post.is_deleted, post.deleted_by_id, post.delete_reason), (False, None, "")
        )
        self.assertEqual(
            (counter_state(), self.log(), list(Alert.objects.values_list("pk", flat=True))),
            before,
        )
        self.report.refresh_from_db()
        self.assertEqual((self.report.state, self.report.closed_by_id), (Report.State.OPEN, None))
        self.assertFalse(Warning.objects.exists())
        # Without the failing warning the same call deletes the post: the rollback above undid
        # a real deletion, not one that never happened.
        reports.resolve_report(
            actor=self.w.moderator, report=self.report, outcome="Done", delete_post=True
        )
        self.assertTrue(Post.objects.get(pk=self.post.pk).is_deleted)
        self.assertNotEqual(counter_state(), before[0])

    def test_a_warning_needs_a_reason_and_an_outcome_is_required(self) -> None:
        with self.assertRaises(ValidationError):
            reports.resolve_report(
                actor=self.w.moderator, report=self.report, outcome="x", warn_points=2
            )
        with self.assertRaises(ValidationError):
            reports.reject_report(actor=self.w.moderator, report=self.report, outcome="   ")
        self.report.refresh_from_db()
        self.assertTrue(self.report.is_active)

    def test_a_closed_report_cannot_be_closed_again(self) -> None:
        reports.reject_report(actor=self.w.moderator, report=self.report, outcome="No.")
        with self.assertRaises(ValidationError) as caught:
            reports.resolve_report(actor=self.w.admin, report=self.report, outcome="Yes.")
        self.assertEqual(caught.exception.code, "report_closed")
        with self.assertRaises(ValidationError):
            reports.assign_report(actor=self.w.admin, report=self.report, assignee=self.w.admin)
        self.report.refresh_from_db()
        self.assertEqual((self.report.state, self.report.outcome), ("rejected", "No."))
        self.assertEqual(Alert.objects.count(), 2)

    def test_moderators_of_other_forums_and_members_cannot_handle_it(self) -> None:
        for actor in (self.lounge_mod, self.w.member, self.w.other):
            for attempt in (
                lambda a: reports.resolve_report(
                    actor=a, report=self.report, outcome="x", delete_post=True
                ),
                lambda a: reports.reject_report(actor=a, report=self.report, outcome="x"),
                lambda a: reports.assign_report(actor=a, report=self.report, assignee=a),
            ):
                with self.subTest(actor=actor.username), self.assertRaises(Http404):
                    attempt(actor)
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, Report.State.OPEN)
        self.assertFalse(Post.objects.get(pk=self.post.pk).is_deleted)
        self.assertFalse(Alert.objects.exists())
        self.assertFalse(ModeratorLogEntry.objects.filter(target_kind="report").exists())

    def test_a_forum_moderator_handles_reports_in_their_forum(self) -> None:
        lounge_post = Post.objects.get(thread=self.w.short_thread, position=1)  # by Bob
        lounge_report = reports.report_post(actor=self.w.member, post=lounge_post, reason=reason())
        with self.captureOnCommitCallbacks(execute=True):
            reports.reject_report(actor=self.lounge_mod, report=lounge_report, outcome="Fine.")
        lounge_report.refresh_from_db()
        self.assertEqual(lounge_report.state, Report.State.REJECTED)


class ReportVisibilityTests(TestCase):
    """`can_view_report` agrees with `visible_reports` for every persona and report."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.lounge_mod = make_member("Lounge Keeper")
        add_forum_moderator(member=cls.lounge_mod, forum=cls.w.lounge)
        news_post = Post.objects.get(thread=cls.w.long_thread, position=3)
        lounge_post = Post.objects.get(thread=cls.w.short_thread, position=1)
        reports.report_post(actor=cls.w.member, post=news_post, reason=reason())
        reports.report_post(actor=cls.w.member, post=lounge_post, reason=reason())

    def test_can_view_agrees_with_visible_reports(self) -> None:
        expected = {
            "Admin": 2,
            "Mod Squad": 2,
            "Lounge Keeper": 1,
            "Alice": 0,
            "Bob": 0,
            None: 0,
        }
        everyone = [self.w.admin, self.w.moderator, self.lounge_mod, self.w.member, self.w.other]
        for member in [*everyone, None]:
            perms = perms_for(member)
            visible = set(perms.visible_reports(Report.objects.all()))
            name = member.username if member else None
            with self.subTest(member=name):
                self.assertEqual(len(visible), expected[name])
                for report in Report.objects.select_related("post__thread"):
                    self.assertEqual(perms.can_view_report(report), report in visible)
                self.assertEqual(report_queries.active_report_count(perms), expected[name])


class ReportRateLimitTests(TestCase):
    """Reporting goes through the rate limit: the eleventh report in an hour is refused."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_too_many_reports_are_refused_with_a_message(self) -> None:
        from parley.moderation.models import ReportReason

        reason = ReportReason.objects.first()
        posts = list(Post.objects.filter(thread=self.w.long_thread, author=self.w.other)[:4])
        self.client.force_login(self.w.member)
        with self.settings(PARLEY_REPORTS_PER_HOUR=3):
            for post in posts[:3]:
                self.client.post(post.report_url, {"reason": reason.pk})
            response = self.client.post(posts[3].report_url, {"reason": reason.pk, "message": "x1"})
        self.assertContains(response, "You have sent a lot of reports recently.")
        self.assertContains(response, "x1")
        self.assertFalse(posts[3].reports.exists())


@gate_settings()
class ReportRateTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.member = make_member("Reporter")

    def test_a_member_may_file_a_few_reports_an_hour(self) -> None:
        # A second into an hour-long window, so the count cannot reset mid-test.
        start = datetime(2030, 1, 1, 12, 0, 1, tzinfo=UTC)
        self.enterContext(mock.patch("django.utils.timezone.now", return_value=start))
        with self.settings(PARLEY_REPORTS_PER_HOUR=3):
            for _ in range(3):
                reports.check_report_rate(self.member)
            with self.assertRaises(ValidationError) as refused:
                reports.check_report_rate(self.member)
        self.assertEqual(refused.exception.code, "rate_limited")
        self.assertIn("Please try again in", refused.exception.message)
        reports.check_report_rate(make_member("Other Reporter"))
