"""The report pages over HTTP: reporting a post, the moderators' queue and its filters, the report
page and its POST actions, who may see what (IDOR), CSRF, the navigation badge, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from parley.forums import services as forum_services
from parley.forums.models import Post
from parley.moderation.models import ModeratorLogEntry, Report, ReportComment, ReportReason
from parley.moderation.reports import services as reports
from parley.notifications.models import Alert
from parley.permissions.services import add_forum_moderator
from tests.world import build_world, make_member, warm_permission_cache

# Member, the page of reports, their reasons, the tab counts (session and badge are cached).
QUEUE_QUERIES = 7
# Member, the report with its post, entries, comments, earlier reports on the post.
REPORT_PAGE_QUERIES = 8


def reason(title: str = "Spam or advertising") -> ReportReason:
    return ReportReason.objects.get(title=title)


class ReportingPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.post = Post.objects.get(thread=cls.w.long_thread, position=3)
        cls.url = f"/posts/{cls.post.pk}/report"

    def test_the_form_offers_the_active_reasons(self) -> None:
        ReportReason.objects.filter(title="Misinformation").update(is_active=False)
        self.client.force_login(self.w.member)
        html = self.client.get(self.url).content.decode()
        self.assertIn("Spam or advertising", html)
        self.assertIn("Something else", html)
        self.assertNotIn("Misinformation", html)

    def test_reporting_twice_says_so_and_adds_nothing(self) -> None:
        self.client.force_login(self.w.member)
        data = {"reason": reason().pk, "message": "ads"}
        self.client.post(self.url, data)
        response = self.client.get(self.url)
        self.assertContains(response, "You have already reported this post")
        self.assertNotContains(response, 'name="reason"')
        response = self.client.post(self.url, data)
        self.assertContains(response, "You have already reported this post")
        self.assertEqual(Report.objects.get().report_count, 1)

    def test_others_join_the_same_report(self) -> None:
        for member in (self.w.member, self.w.admin):
            self.client.force_login(member)
            self.client.post(self.url, {"reason": reason().pk})
        self.assertEqual(Report.objects.get().report_count, 2)


class QueueTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.carol = make_member("Carol")
        cls.lounge_mod = make_member("Lounge Keeper")
        add_forum_moderator(member=cls.lounge_mod, forum=cls.w.lounge)
        posts = Post.objects.filter(thread=cls.w.long_thread, position__in=[3, 5, 7, 9])
        cls.news_posts = list(posts.order_by("position"))
        cls.lounge_post = Post.objects.get(thread=cls.w.short_thread, position=1)
        cls.open_report = reports.report_post(
            actor=cls.w.member, post=cls.news_posts[0], reason=reason(), message="ads"
        )
        reports.report_post(actor=cls.carol, post=cls.news_posts[0], reason=reason("Off-topic"))
        cls.assigned_report = reports.report_post(
            actor=cls.w.member, post=cls.news_posts[1], reason=reason("Off-topic")
        )
        reports.assign_report(
            actor=cls.w.moderator, report=cls.assigned_report, assignee=cls.w.moderator
        )
        cls.others_report = reports.report_post(
            actor=cls.w.member, post=cls.news_posts[2], reason=reason("Misinformation")
        )
        reports.assign_report(actor=cls.w.admin, report=cls.others_report, assignee=cls.w.admin)
        cls.rejected_report = reports.report_post(
            actor=cls.w.member, post=cls.news_posts[3], reason=reason("Something else")
        )
        reports.reject_report(
            actor=cls.w.moderator, report=cls.rejected_report, outcome="Nothing wrong."
        )
        cls.lounge_report = reports.report_post(
            actor=cls.w.member, post=cls.lounge_post, reason=reason()
        )

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_max_num_queries):
        self.max_queries = django_assert_max_num_queries

    def ids(self, html: str) -> set[int]:
        import re

        return {int(i) for i in re.findall(r'data-report-id="(\d+)"', html)}

    def test_guests_are_sent_to_log_in(self) -> None:
        response = self.client.get("/reports/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])

    def test_members_may_not_see_the_queue_or_a_report(self) -> None:
        self.client.force_login(self.w.member)
        self.assertEqual(self.client.get("/reports/").status_code, 403)
        self.assertEqual(self.client.get(f"/reports/{self.open_report.pk}/").status_code, 404)

    def test_open_tab_for_a_global_moderator(self) -> None:
        self.client.force_login(self.w.moderator)
        response = self.client.get("/reports/")
        html = response.content.decode()
        self.assertEqual(self.ids(html), {self.open_report.pk, self.lounge_report.pk})
        self.assertIn("Harbour bridge closed after storm", html)
        self.assertIn("Reply number 3", html)  # the excerpt
        self.assertIn("Spam or advertising", html)
        self.assertIn("Off-topic", html)
        self.assertIn(f'href="/reports/{self.open_report.pk}/"', html)

    def test_filters(self) -> None:
        self.client.force_login(self.w.moderator)
        cases = {
            "?state=assigned": {self.assigned_report.pk, self.others_report.pk},
            "?state=assigned&to=me": {self.assigned_report.pk},
            "?state=resolved": set(),
            "?state=rejected": {self.rejected_report.pk},
            "?state=bogus": {self.open_report.pk, self.lounge_report.pk},
        }
        for query, expected in cases.items():
            with self.subTest(query=query):
                html = self.client.get(f"/reports/{query}").content.decode()
                self.assertEqual(self.ids(html), expected)
        html = self.client.get("/reports/?state=rejected").content.decode()
        self.assertIn("Rejected by Mod Squad", html)

    def test_a_forum_moderator_sees_only_their_forums_reports(self) -> None:
        self.client.force_login(self.lounge_mod)
        for query in ("", "?state=assigned", "?state=rejected"):
            html = self.client.get(f"/reports/{query}").content.decode()
            self.assertLessEqual(self.ids(html), {self.lounge_report.pk})
        html = self.client.get("/reports/").content.decode()
        self.assertEqual(self.ids(html), {self.lounge_report.pk})
        self.assertNotIn("Harbour bridge", html)
        self.assertEqual(self.client.get(f"/reports/{self.open_report.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/reports/{self.lounge_report.pk}/").status_code, 200)

    def test_query_count_does_not_grow_with_reports(self) -> None:
        self.client.force_login(self.w.moderator)
        warm_permission_cache(self.client)
        with self.max_queries(QUEUE_QUERIES):
            self.client.get("/reports/")
        more = Post.objects.filter(thread=self.w.long_thread, position__gt=10)[:12]
        for post in more:
            reports.report_post(actor=self.w.admin, post=post, reason=reason("Off-topic"))
            reports.report_post(actor=self.carol, post=post, reason=reason())
        with self.max_queries(QUEUE_QUERIES):
            response = self.client.get("/reports/")
        self.assertEqual(len(self.ids(response.content.decode())), 14)

    def test_older_reports_are_on_the_next_page(self) -> None:
        from parley.moderation.reports.queries import REPORTS_PER_PAGE

        posts = Post.objects.filter(thread=self.w.long_thread, position__gt=10)
        for post in posts[:REPORTS_PER_PAGE]:
            reports.report_post(actor=self.w.admin, post=post, reason=reason())
        self.client.force_login(self.w.moderator)
        first = self.client.get("/reports/")
        self.assertEqual(len(self.ids(first.content.decode())), REPORTS_PER_PAGE)
        older = first.context["queue"].older_query
        self.assertTrue(older.startswith("?state=open&before="))
        second = self.client.get(f"/reports/{older}")
        self.assertEqual(
            self.ids(second.content.decode()), {self.open_report.pk, self.lounge_report.pk}
        )
        self.assertIsNone(second.context["queue"].older)


class ReportPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.carol = make_member("Carol")
        cls.lounge_mod = make_member("Lounge Keeper")
        add_forum_moderator(member=cls.lounge_mod, forum=cls.w.lounge)
        cls.post = Post.objects.get(thread=cls.w.long_thread, position=3)
        cls.report = reports.report_post(
            actor=cls.w.member, post=cls.post, reason=reason(), message="Selling <b>pills</b>"
        )
        reports.report_post(actor=cls.carol, post=cls.post, reason=reason("Off-topic"))
        cls.url = f"/reports/{cls.report.pk}/"

    def test_the_page_shows_the_post_entries_and_comments(self) -> None:
        reports.comment_on_report(actor=self.w.admin, report=self.report, body="Seen this before")
        self.client.force_login(self.w.moderator)
        response = self.client.get(self.url)
        self.assertContains(response, self.post.body_html, html=False)
        self.assertContains(response, "Selling &lt;b&gt;pills&lt;/b&gt;")
        self.assertContains(response, "Alice")
        self.assertContains(response, "Carol")
        self.assertContains(response, "Off-topic")
        self.assertContains(response, "Seen this before")
        self.assertContains(response, "Assign to me")
        self.assertContains(response, 'name="resolve-delete_post"')

    def test_query_count_does_not_grow_with_complaints_or_comments(self) -> None:
        self.client.force_login(self.w.moderator)
        warm_permission_cache(self.client)
        with CaptureQueriesContext(connection) as before:
            self.client.get(self.url)
        for i in range(5):
            member = make_member(f"Reader {i}")
            reports.report_post(actor=member, post=self.post, reason=reason("Off-topic"))
            reports.comment_on_report(actor=self.w.admin, report=self.report, body=f"Note {i}")
        warm_permission_cache(self.client)  # new members retired the cached permission tables
        with CaptureQueriesContext(connection) as after:
            response = self.client.get(self.url)
        self.assertContains(response, "Reader 4")
        self.assertContains(response, "Note 4")
        self.assertEqual(len(after), len(before))
        self.assertLessEqual(len(after), REPORT_PAGE_QUERIES)

    def test_comment_assign_unassign(self) -> None:
        self.client.force_login(self.w.moderator)
        response = self.client.post(f"{self.url}comment", {"comment-body": "On it"})
        self.assertRedirects(response, f"{self.url}#comments", fetch_redirect_response=False)
        self.assertEqual(ReportComment.objects.get().body, "On it")
        response = self.client.post(f"{self.url}comment", {"comment-body": ""})
        self.assertContains(response, "Please enter a comment.")

        self.client.post(f"{self.url}assign", {"to": "me"})
        self.report.refresh_from_db()
        self.assertEqual(
            (self.report.state, self.report.assigned_to), ("assigned", self.w.moderator)
        )
        self.assertContains(self.client.get(self.url), "Unassign")
        self.client.post(f"{self.url}assign", {"to": ""})
        self.report.refresh_from_db()
        self.assertEqual((self.report.state, self.report.assigned_to), ("open", None))

    def test_resolve_with_delete_through_the_page(self) -> None:
        """Needs parley.moderation.actions.services.soft_delete_post (moderator actions)."""
        self.client.force_login(self.w.moderator)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                f"{self.url}resolve",
                {
                    "resolve-outcome": "Removed the advert.",
                    "resolve-delete_post": "on",
                    "resolve-delete_reason": "Spam",
                },
            )
        self.assertRedirects(response, "/reports/", fetch_redirect_response=False)
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, "resolved")
        self.assertTrue(Post.objects.get(pk=self.post.pk).is_deleted)
        self.assertEqual(
            sorted(Alert.objects.values_list("member_id", flat=True)),
            sorted([self.w.member.pk, self.carol.pk]),
        )
        self.client.force_login(self.w.other)
        thread_html = self.client.get(self.w.long_thread.get_absolute_url()).content.decode()
        self.assertNotIn("Reply number 3<", thread_html)

    def test_resolve_with_an_expiring_warning_through_the_page(self) -> None:
        from datetime import timedelta

        from django.utils import timezone

        from parley.moderation.models import Warning

        self.client.force_login(self.w.moderator)
        response = self.client.post(
            f"{self.url}resolve",
            {
                "resolve-outcome": "Warned.",
                "resolve-warn_member": "on",
                "resolve-warn_points": "2",
                "resolve-warn_reason": "Spam",
                "resolve-warn_expires_in": "7",
            },
        )
        self.assertEqual(response.status_code, 302)
        warning = Warning.objects.get()
        self.assertEqual(warning.points, 2)
        self.assertAlmostEqual(
            warning.expires_at, timezone.now() + timedelta(days=7), delta=timedelta(minutes=1)
        )

    def test_resolve_needs_an_outcome_and_keeps_what_was_typed(self) -> None:
        self.client.force_login(self.w.moderator)
        response = self.client.post(
            f"{self.url}resolve",
            {"resolve-outcome": "", "resolve-warn_member": "on", "resolve-warn_reason": "Ads"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please tell the reporters the outcome.")
        self.assertContains(response, "How many points does this warning carry?")
        self.assertContains(response, 'value="Ads"')
        self.report.refresh_from_db()
        self.assertTrue(self.report.is_active)

    def test_reject_through_the_page(self) -> None:
        self.client.force_login(self.w.moderator)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"{self.url}reject", {"reject-outcome": "It is on topic."})
        self.report.refresh_from_db()
        self.assertEqual((self.report.state, self.report.outcome), ("rejected", "It is on topic."))
        page = self.client.get(self.url)
        self.assertContains(page, "Rejected by Mod Squad")
        self.assertNotContains(page, 'id="resolve"')
        again = self.client.post(f"{self.url}reject", {"reject-outcome": "Again"}, follow=True)
        self.assertContains(again, "This report has already been rejected.")
        self.assertEqual(Alert.objects.count(), 2)

    def test_actions_are_post_only(self) -> None:
        self.client.force_login(self.w.moderator)
        for action in ("comment", "assign", "resolve", "reject"):
            with self.subTest(action=action):
                self.assertEqual(self.client.get(f"{self.url}{action}").status_code, 405)

    def test_csrf_is_enforced(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.w.moderator)
        for action, data in (
            ("resolve", {"resolve-outcome": "x", "resolve-delete_post": "on"}),
            ("reject", {"reject-outcome": "x"}),
            ("assign", {"to": "me"}),
            ("comment", {"comment-body": "x"}),
        ):
            with self.subTest(action=action):
                self.assertEqual(client.post(f"{self.url}{action}", data).status_code, 403)
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, "open")

    def test_crafted_posts_from_a_moderator_of_another_forum_change_nothing(self) -> None:
        """IDOR: the lounge moderator knows the id of a report about the news forum."""
        self.client.force_login(self.lounge_mod)
        for action, data in (
            ("resolve", {"resolve-outcome": "x", "resolve-delete_post": "on"}),
            ("reject", {"reject-outcome": "x"}),
            ("assign", {"to": "me"}),
            ("comment", {"comment-body": "x"}),
        ):
            with self.subTest(action=action):
                self.assertEqual(self.client.post(f"{self.url}{action}", data).status_code, 404)
        self.report.refresh_from_db()
        self.assertEqual((self.report.state, self.report.assigned_to_id), ("open", None))
        self.assertFalse(Post.objects.get(pk=self.post.pk).is_deleted)
        self.assertFalse(ReportComment.objects.exists())
        self.assertFalse(Alert.objects.exists())
        self.assertFalse(ModeratorLogEntry.objects.filter(target_kind="report").exists())

    def test_crafted_posts_from_members_and_guests_change_nothing(self) -> None:
        data = {"resolve-outcome": "x", "resolve-delete_post": "on"}
        self.assertEqual(self.client.post(f"{self.url}resolve", data).status_code, 302)  # login
        self.client.force_login(self.w.member)
        self.assertEqual(self.client.post(f"{self.url}resolve", data).status_code, 404)
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, "open")
        self.assertFalse(Post.objects.get(pk=self.post.pk).is_deleted)


class BadgeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.lounge_mod = make_member("Lounge Keeper")
        add_forum_moderator(member=cls.lounge_mod, forum=cls.w.lounge)
        cls.news_post = Post.objects.get(thread=cls.w.long_thread, position=3)
        cls.lounge_post = Post.objects.get(thread=cls.w.short_thread, position=1)

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_max_num_queries):
        self.max_queries = django_assert_max_num_queries

    def badge(self, member) -> str | None:
        import re

        self.client.force_login(member)
        html = self.client.get("/").content.decode()
        if 'class="nav-reports"' not in html:
            return None
        found = re.search(
            r'class="nav-reports"[^>]*>Reports(?: <span class="badge"[^>]*>(\d+))?', html
        )
        return found.group(1) or "0"

    def test_moderators_see_the_reports_they_can_handle(self) -> None:
        self.assertEqual(self.badge(self.w.moderator), "0")
        with self.captureOnCommitCallbacks(execute=True):
            reports.report_post(actor=self.w.member, post=self.news_post, reason=reason())
        self.assertEqual(self.badge(self.w.moderator), "1")
        self.assertEqual(self.badge(self.w.admin), "1")
        self.assertEqual(self.badge(self.lounge_mod), "0")
        with self.captureOnCommitCallbacks(execute=True):
            lounge = reports.report_post(
                actor=self.w.member, post=self.lounge_post, reason=reason()
            )
        self.assertEqual(self.badge(self.w.moderator), "2")
        self.assertEqual(self.badge(self.lounge_mod), "1")
        with self.captureOnCommitCallbacks(execute=True):
            reports.reject_report(actor=self.lounge_mod, report=lounge, outcome="Fine")
        self.assertEqual(self.badge(self.w.moderator), "1")
        self.assertEqual(self.badge(self.lounge_mod), "0")

    def test_members_see_no_reports_link(self) -> None:
        reports.report_post(actor=self.w.member, post=self.news_post, reason=reason())
        self.assertIsNone(self.badge(self.w.member))
        self.assertIsNone(self.badge(self.w.other))

    def test_the_badge_costs_a_moderator_one_count_and_members_none(self) -> None:
        reports.report_post(actor=self.w.member, post=self.news_post, reason=reason())
        for member, expected in ((self.w.moderator, 1), (self.w.member, 0)):
            self.client.force_login(member)
            warm_permission_cache(self.client)
            with CaptureQueriesContext(connection) as queries:
                self.client.get("/")
            badge_tables = ("moderation_report", "notifications_alert")
            found = [q["sql"] for q in queries if any(t in q["sql"] for t in badge_tables)]
            self.assertEqual(len(found), expected, found)

    def test_guests_pay_nothing_for_badges(self) -> None:
        forum_services.reply_to_thread(actor=self.w.other, thread=self.w.short_thread, body="hi")
        warm_permission_cache(self.client)
        # The permission stamp, the index's own two reads and the sidebar's presence read;
        # nothing for badges.
        with self.max_queries(4):
            html = self.client.get("/").content.decode()
        self.assertNotIn("nav-alerts", html)
        self.assertNotIn("nav-reports", html)
