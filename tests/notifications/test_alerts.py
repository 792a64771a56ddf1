"""Alerts: sending, the exact unread count, the alerts page (newest first; reading it writes
nothing, its "Mark all read" button marks them read in one UPDATE per table) and the navigation
link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.notifications import queries, services
from parley.notifications.models import Alert
from tests.multiprocess.client import parse_html
from tests.world import build_world

# Session, member, the page of alerts, permission stamp (the layout asks). Nothing is written.
ALERTS_PAGE_QUERIES = 4


def nav_alerts(html: str) -> str | None:
    found = re.search(r'class="nav-alerts"[^>]*>Alerts(?: <span class="badge"[^>]*>(\d+))?', html)
    return (found.group(1) or "0") if found else None


def mark_read_buttons(html: str) -> list[str]:
    form = re.search(r'<form method="post" action="/account/alerts/mark-read".*?</form>', html)
    return re.findall(r"<button[^>]*>([^<]*)</button>", form.group(0)) if form else []


class AlertServiceTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_send_alerts_reaches_each_member_once(self) -> None:
        members = [self.w.member.pk, self.w.other.pk, self.w.member.pk]
        sent = services.send_alerts(member_ids=members, kind="test", text="Hello", url="/x")
        self.assertEqual(sent, 2)
        self.assertEqual(
            sorted(Alert.objects.values_list("member_id", flat=True)),
            sorted([self.w.member.pk, self.w.other.pk]),
        )

    def test_unread_count_is_exact_after_each_write_without_waiting_for_commit(self) -> None:
        # No on-commit step: the count moves in the same transaction as the alerts.
        self.assertEqual(queries.unread_alert_count(self.w.member.pk), 0)
        services.send_alert(member=self.w.member, kind="test", text="One")
        self.assertEqual(queries.unread_alert_count(self.w.member.pk), 1)
        services.send_alerts(member_ids=[self.w.member.pk, self.w.other.pk], kind="t", text="2")
        self.assertEqual(services.unread_alert_count(self.w.member), 2)
        self.assertEqual(queries.unread_alert_count(self.w.other.pk), 1)
        self.w.member.refresh_from_db()
        self.assertEqual(services.mark_alerts_read(member=self.w.member), 2)
        self.assertEqual(queries.unread_alert_count(self.w.member.pk), 0)
        self.assertEqual(queries.unread_alert_count(self.w.other.pk), 1)

    def test_resync_repairs_a_wrong_count(self) -> None:
        services.send_alert(member=self.w.member, kind="test", text="One")
        type(self.w.member).objects.filter(pk=self.w.member.pk).update(unread_alert_count=7)
        self.assertEqual(services.resync_unread_alert_count(member=self.w.member), 1)
        self.assertEqual(queries.unread_alert_count(self.w.member.pk), 1)

    def test_text_and_url_are_cut_to_fit(self) -> None:
        alert = services.send_alert(member=self.w.member, kind="t", text="x" * 400, url="/" * 400)
        self.assertEqual((len(alert.text), len(alert.url)), (300, 300))


class AlertPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    @pytest.fixture(autouse=True)
    def _queries(self, django_assert_max_num_queries):
        self.max_queries = django_assert_max_num_queries

    def send(self, member, text: str, minutes_ago: int = 0, url: str = "") -> Alert:
        alert = services.send_alert(member=member, kind="test", text=text, url=url)
        Alert.objects.filter(pk=alert.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
        return alert

    def test_guests_are_sent_to_log_in(self) -> None:
        response = self.client.get("/account/alerts/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])

    def test_newest_first_only_mine_and_read_by_the_button(self) -> None:
        self.send(self.w.member, "Older news", minutes_ago=30, url="/posts/1/")
        self.send(self.w.member, "Newest news", minutes_ago=1)
        self.send(self.w.other, "Someone else's news")
        self.client.force_login(self.w.member)
        self.assertEqual(nav_alerts(self.client.get("/").content.decode()), "2")

        for _ in range(2):  # opening the page (or prefetching it) leaves them new
            html = self.client.get("/account/alerts/").content.decode()
            self.assertLess(html.index("Newest news"), html.index("Older news"))
            self.assertNotIn("Someone else", html)
            self.assertEqual(html.count("alert-row is-unread"), 2)
            opens = [f.get("action") for f in parse_html(html).find_all("form", cls="alert-text")]
            self.assertEqual(len(opens), 1)  # the alert that leads somewhere is followed by a POST
            self.assertEqual(nav_alerts(html), "2")
        self.assertEqual(mark_read_buttons(html), ["Mark all read"])

        response = self.client.post("/account/alerts/mark-read")
        self.assertEqual((response.status_code, response["Location"]), (302, "/account/alerts/"))
        self.assertFalse(Alert.objects.filter(member=self.w.member, read_at__isnull=True).exists())
        self.assertTrue(Alert.objects.filter(member=self.w.other, read_at__isnull=True).exists())

        html = self.client.get("/account/alerts/").content.decode()
        self.assertEqual(html.count("alert-row is-unread"), 0)
        self.assertEqual(nav_alerts(html), "0")
        self.assertEqual(mark_read_buttons(html), [])  # nothing left to mark

    def test_following_an_alert_marks_it_read_and_leads_to_it(self) -> None:
        followed = self.send(self.w.member, "Your report was resolved", url="/posts/1/")
        self.send(self.w.member, "Another one", url="/posts/2/")
        theirs = self.send(self.w.other, "Not yours", url="/posts/3/")
        self.client.force_login(self.w.member)
        page = parse_html(self.client.get("/account/alerts/").content.decode())
        form = page.find("form", action=f"/account/alerts/{followed.pk}/open")
        assert form is not None
        self.assertEqual(form.find("button").text, "Your report was resolved")

        self.assertEqual(self.client.get(f"/account/alerts/{followed.pk}/open").status_code, 405)
        response = self.client.post(f"/account/alerts/{followed.pk}/open")
        self.assertEqual((response.status_code, response["Location"]), (302, "/posts/1/"))
        self.assertIsNotNone(Alert.objects.get(pk=followed.pk).read_at)
        self.assertEqual(queries.unread_alert_count(self.w.member.pk), 1)
        html = self.client.get("/account/alerts/").content.decode()
        self.assertEqual(nav_alerts(html), "1")
        # Read now: a plain link, and following it again changes nothing.
        link = parse_html(html).find("a", cls="alert-text", href="/posts/1/")
        self.assertIsNotNone(link)
        self.client.post(f"/account/alerts/{followed.pk}/open")
        self.assertEqual(queries.unread_alert_count(self.w.member.pk), 1)

        # Someone else's alert does not exist for this member, and stays unread.
        self.assertEqual(self.client.post(f"/account/alerts/{theirs.pk}/open").status_code, 404)
        self.assertIsNone(Alert.objects.get(pk=theirs.pk).read_at)

    def test_the_page_writes_nothing_and_marking_read_takes_a_post(self) -> None:
        self.send(self.w.member, "News")
        self.client.force_login(self.w.member)
        self.client.get("/")
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(self.client.get("/account/alerts/").status_code, 200)
        self.assertEqual([q["sql"] for q in captured if not q["sql"].startswith("SELECT")], [])
        self.assertEqual(self.client.get("/account/alerts/mark-read").status_code, 405)
        self.assertEqual(queries.unread_alert_count(self.w.member.pk), 1)
        self.client.logout()
        response = self.client.post("/account/alerts/mark-read")
        self.assertIn("/login/", response["Location"])
        self.assertEqual(queries.unread_alert_count(self.w.member.pk), 1)

    def test_marking_read_is_one_update_per_table(self) -> None:
        for i in range(5):
            self.send(self.w.member, f"Alert {i}", minutes_ago=i)
        self.client.force_login(self.w.member)
        self.client.get("/")
        with CaptureQueriesContext(connection) as captured:
            self.client.post("/account/alerts/mark-read")
        writes = [q["sql"] for q in captured if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
        self.assertEqual(len(writes), 2, writes)
        self.assertIn("notifications_alert", writes[0])
        self.assertIn("unread_alert_count", writes[1])
        with CaptureQueriesContext(connection) as captured:  # nothing unread: nothing to write
            self.client.post("/account/alerts/mark-read")
        self.assertFalse([q for q in captured if q["sql"].startswith("UPDATE")])

    def test_query_count_does_not_grow_with_alerts(self) -> None:
        self.client.force_login(self.w.member)
        self.send(self.w.member, "First")
        self.client.get("/")
        with self.max_queries(ALERTS_PAGE_QUERIES):
            self.client.get("/account/alerts/")
        for i in range(40):
            self.send(self.w.member, f"More {i}", minutes_ago=i + 1)
        self.client.get("/")
        with self.max_queries(ALERTS_PAGE_QUERIES):
            response = self.client.get("/account/alerts/")
        self.assertEqual(response.status_code, 200)

    def test_older_alerts_are_on_the_next_page(self) -> None:
        per_page = queries.ALERTS_PER_PAGE
        for i in range(per_page + 3):
            self.send(self.w.member, f"Alert number {i}.", minutes_ago=i)
        self.client.force_login(self.w.member)
        first = self.client.get("/account/alerts/")
        html = first.content.decode()
        self.assertIn("Alert number 0.", html)
        self.assertNotIn(f"Alert number {per_page}.", html)
        older = first.context["page"].older
        second = self.client.get(f"/account/alerts/?before={older}").content.decode()
        self.assertIn(f"Alert number {per_page}.", second)
        self.assertIn(f"Alert number {per_page + 2}.", second)
        self.assertNotIn("Alert number 0.", second)
        self.assertNotIn("Older alerts", second)

    def test_guests_see_no_alerts_link(self) -> None:
        html = self.client.get("/").content.decode()
        self.assertIsNone(nav_alerts(html))
