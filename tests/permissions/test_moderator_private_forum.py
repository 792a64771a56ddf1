"""A global moderator who may not view a private forum moderates nothing in it: its reports and
held posts appear in no queue or badge, their pages answer 404, and every action on them is
refused, exactly as the forum pages refuse the moderator."""

from __future__ import annotations

from html.parser import HTMLParser

from django.contrib.auth.models import Group
from django.test import TestCase

from parley.forums import services
from parley.forums.services.structure import create_category, create_forum
from parley.moderation.models import Report, ReportReason
from parley.moderation.reports import services as reports
from parley.permissions import registry
from parley.permissions.guardian import perms_for
from parley.permissions.services import add_member_to_group, make_forum_private
from tests.moderation.support import gate_settings
from tests.world import build_world, make_member

SECRET_TITLE = "Board minutes: the merger"
SECRET_BODY = "Figures nobody outside the board may read"
HELD_BODY = "A held reply inside the board room"
COMPLAINT = "Reporter's note about the board room"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


class GlobalModeratorPrivateForumTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()  # w.moderator is in the Moderators group (global moderator)
        Group.objects.create(name="Board")
        cls.director = make_member("Director Dee")
        add_member_to_group(member=cls.director, name="Board")
        cls.room = create_forum(category=create_category(title="Board"), title="Board room")
        make_forum_private(
            forum=cls.room,
            allowed_groups=Group.objects.filter(name__in=[registry.ADMINISTRATORS, "Board"]),
        )
        cls.thread = services.create_thread(
            actor=cls.w.admin, forum=cls.room, title=SECRET_TITLE, body=SECRET_BODY
        )
        reason = ReportReason.objects.create(title="Leak risk", display_order=99)
        cls.report = reports.report_post(
            actor=cls.director, post=cls.thread.first_post, reason=reason, message=COMPLAINT
        )
        with gate_settings(PARLEY_APPROVAL_FIRST_POSTS=1):
            cls.held = services.reply_to_thread(
                actor=cls.director, thread=cls.thread, body=HELD_BODY
            )
        assert cls.held.awaiting_approval

    def setUp(self) -> None:
        self.client.force_login(self.w.moderator)

    def assert_no_secret(self, url: str) -> None:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        text = visible_text(response.content.decode())
        for leak in (SECRET_TITLE, SECRET_BODY, HELD_BODY, COMPLAINT, "Board room"):
            self.assertNotIn(leak, text, f"{leak!r} on {url}")

    def test_the_moderator_cannot_open_the_forum(self) -> None:
        self.assertEqual(self.client.get(self.room.get_absolute_url()).status_code, 404)
        self.assertEqual(self.client.get(self.thread.get_absolute_url()).status_code, 404)

    def test_queues_and_badges_leave_the_private_forum_out(self) -> None:
        for url in ("/", "/reports/", "/reports/?state=resolved", "/approval-queue/"):
            self.assert_no_secret(url)
        perms = perms_for(self.w.moderator)
        self.assertNotIn(self.report, perms.visible_reports(Report.objects.all()))
        self.assertFalse(perms.can_view_report(self.report))

    def test_report_pages_and_actions_answer_404(self) -> None:
        base = f"/reports/{self.report.pk}/"
        self.assertEqual(self.client.get(base).status_code, 404)
        posts = {
            f"{base}comment": {"comment-body": "Seen it"},
            f"{base}assign": {"assignee": self.w.moderator.pk},
            f"{base}reject": {"outcome": "No problem here"},
            f"{base}resolve": {"outcome": "Handled", "action": "none"},
            f"/approval-queue/posts/{self.held.pk}/approve": {},
            f"/approval-queue/posts/{self.held.pk}/reject": {"reason": "Nope"},
        }
        for url, data in posts.items():
            self.assertEqual(self.client.post(url, data).status_code, 404, url)
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, Report.State.OPEN)
        self.assertFalse(self.report.comments.exists())
        self.held.refresh_from_db()
        self.assertTrue(self.held.awaiting_approval)

    def test_administrators_still_moderate_it(self) -> None:
        self.client.force_login(self.w.admin)
        text = visible_text(self.client.get("/reports/").content.decode())
        self.assertIn(SECRET_TITLE, text)
        text = visible_text(self.client.get("/approval-queue/").content.decode())
        self.assertIn(HELD_BODY, text)
