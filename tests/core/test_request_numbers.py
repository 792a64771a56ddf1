"""Ids and numbers in requests: only ASCII digits within a signed 64-bit range are numbers.

`str.isdigit()` accepts "²" (which int() then rejects: a 500) and "٣" (which int() reads as 3),
and SQLite overflows on ids past 2**63 - 1. Every such value is a 400 (query string) or a 404
(URL path), never a 500, on every page that reads one."""

from __future__ import annotations

import pytest
from django.test import SimpleTestCase, TestCase

from parley.core import params
from parley.forums.models import Post
from parley.moderation.models import ReportReason
from parley.moderation.reports import services as reports
from parley.notifications import services as alert_services
from tests.core.parsed import parse
from tests.world import THREE_PAGE_POSTS, build_world

SUPERSCRIPT_TWO = "\u00b2"  # "²": isdigit() is True, int() raises
ARABIC_THREE = "\u0663"  # "٣": isdigit() is True, int() reads 3
TOO_BIG = "99999999999999999999999"
JUST_TOO_BIG = str(2**63)
BAD_NUMBERS = [SUPERSCRIPT_TWO, ARABIC_THREE, TOO_BIG, JUST_TOO_BIG, "-1", "+1", " 1", "1e3", "0x1"]


class ParseTests(SimpleTestCase):
    def test_ascii_digits_in_range_are_numbers(self) -> None:
        self.assertEqual(params.parse_int("0"), 0)
        self.assertEqual(params.parse_int("0042"), 42)
        self.assertEqual(params.parse_int(str(2**63 - 1)), 2**63 - 1)
        self.assertEqual(params.parse_id("7"), 7)
        self.assertEqual(params.parse_id(7), 7)

    def test_everything_else_is_not(self) -> None:
        for value in [*BAD_NUMBERS, "", None, True, "1" * 40, 2**63, "१२"]:
            with self.subTest(value=value):
                self.assertIsNone(params.parse_int(value))
        self.assertIsNone(params.parse_id("0"))
        self.assertIsNone(params.parse_int("5", minimum=6))
        self.assertIsNone(params.parse_int("5", maximum=4))


class GuestNumberTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.thread_url = cls.w.long_thread.get_absolute_url()
        cls.poll = f"{cls.thread_url}new-replies"

    def test_new_replies_after_must_be_a_number(self) -> None:
        for bad in BAD_NUMBERS:
            with self.subTest(after=bad):
                self.assertEqual(self.client.get(self.poll, {"after": bad}).status_code, 400)
        # The largest number there is stays a number: nothing is newer than it.
        self.assertEqual(self.client.get(self.poll, {"after": str(2**63 - 1)}).status_code, 204)
        notice = self.client.get(self.poll, {"after": str(THREE_PAGE_POSTS - 1)})
        self.assertEqual(notice.status_code, 200)
        self.assertIn("1 new reply", " ".join(parse(notice.content).text.split()))

    def test_ids_and_pages_in_the_path_are_404_unless_ascii_and_in_range(self) -> None:
        thread, forum = self.w.long_thread, self.w.news
        for url in [
            f"/threads/{thread.slug}.{ARABIC_THREE}/",
            f"/threads/{thread.slug}.{TOO_BIG}/",
            f"/threads/{thread.slug}.{thread.pk}/page-{ARABIC_THREE}",
            f"/threads/{thread.slug}.{thread.pk}/page-{TOO_BIG}",
            f"/threads/{thread.slug}.{ARABIC_THREE}/new-replies?after=1",
            f"/forums/{forum.slug}.{ARABIC_THREE}/",
            f"/forums/{forum.slug}.{forum.pk}/page-{TOO_BIG}",
            f"/forums/{forum.slug}.{forum.pk}/page-{ARABIC_THREE}",
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.get(thread.page_url(2)).status_code, 200)

    def test_a_junk_listing_page_number_shows_the_first_page(self) -> None:
        for bad in (SUPERSCRIPT_TWO, TOO_BIG):
            with self.subTest(page=bad):
                self.assertEqual(
                    self.client.get("/whats-new/posts/", {"page": bad}).status_code, 200
                )


class MemberNumberTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.reply_url = f"{cls.w.long_thread.get_absolute_url()}reply"
        cls.quoted = Post.objects.get(thread=cls.w.long_thread, position=2)
        alert_services.send_alert(member=cls.w.member, kind="test", text="Hello")

    def setUp(self) -> None:
        self.client.force_login(self.w.member)

    def test_quote_ids_must_be_ids(self) -> None:
        for bad in BAD_NUMBERS:
            with self.subTest(quote=bad):
                response = self.client.get(self.reply_url, {"quote": [str(self.quoted.pk), bad]})
                self.assertEqual(response.status_code, 400)
        page = self.client.get(self.reply_url, {"quote": str(self.quoted.pk)})
        box = parse(page.content).find("textarea", name="body")
        self.assertIn(f"post: {self.quoted.pk}", box.text)
        self.assertIn(self.quoted.body_source, box.text)

    def test_alerts_before_must_be_a_number(self) -> None:
        for bad in BAD_NUMBERS:
            with self.subTest(before=bad):
                response = self.client.get("/account/alerts/", {"before": bad})
                self.assertEqual(response.status_code, 400)
        self.assertEqual(self.client.get("/account/alerts/", {"before": "1"}).status_code, 200)


class ModeratorNumberTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.post = Post.objects.get(thread=cls.w.long_thread, position=3)
        reports.report_post(
            actor=cls.w.member,
            post=cls.post,
            reason=ReportReason.objects.get(title="Spam or advertising"),
        )

    def setUp(self) -> None:
        self.client.force_login(self.w.admin)

    def test_report_queue_before_must_be_a_number(self) -> None:
        for bad in BAD_NUMBERS:
            with self.subTest(before=bad):
                self.assertEqual(self.client.get("/reports/", {"before": bad}).status_code, 400)
        self.assertEqual(self.client.get("/reports/", {"before": "1"}).status_code, 200)

    def test_inline_moderation_refuses_ids_that_are_not_ids(self) -> None:
        url = f"{self.w.long_thread.get_absolute_url()}moderate/posts"
        for bad in BAD_NUMBERS:
            with self.subTest(ids=bad):
                page = self.client.post(
                    url, {"action": "delete", "ids": [str(self.post.pk), bad]}, follow=True
                )
                self.assertEqual(page.status_code, 200)
                shown = [m.text for m in parse(page.content).find_all("li", cls="message")]
                self.assertEqual(shown, ["Tick some posts first."])
        self.assertFalse(Post.objects.filter(is_deleted=True).exists())

    def test_member_ids_in_moderator_paths_are_404_unless_ids(self) -> None:
        for bad in (ARABIC_THREE, TOO_BIG):
            with self.subTest(member=bad):
                self.assertEqual(self.client.get(f"/members/x.{bad}/ban").status_code, 404)

    def test_profile_and_thread_paths_take_ascii_digits_only(self) -> None:
        member, thread = self.w.member.pk, self.w.long_thread.pk
        for path in (
            f"/members/x.{ARABIC_THREE}/",
            f"/members/x.{TOO_BIG}/",
            f"/threads/x.{ARABIC_THREE}/",
            f"/threads/x.{thread}/page-{ARABIC_THREE}",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path).status_code, 404)
        self.assertEqual(self.client.get(f"/members/x.{member}/").status_code, 301)


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_query_int_answers_400_for_bad_input(bad, rf) -> None:
    from django.core.exceptions import BadRequest

    request = rf.get("/", {"n": bad})
    with pytest.raises(BadRequest):
        params.query_int(request.GET, "n")
