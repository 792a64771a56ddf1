"""The three moderator pages answer guests alike: the report queue, the approval queue and the
moderator log each send a guest to log in (and back after). Logged in, a member without the
permission gets what the guardian says for that page: 403 with a reason for the queues, 404 for
the log, whose existence administrators alone need to know of."""

from __future__ import annotations

from urllib.parse import quote

from django.test import TestCase

from tests.core.parsed import parse
from tests.world import PASSWORD, build_world

PAGES = ["/reports/", "/approval-queue/", "/moderation/log/"]
MEMBER_SEES = {"/reports/": 403, "/approval-queue/": 403, "/moderation/log/": 404}


class ModeratorPagesForGuestsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_guests_are_sent_to_log_in_for_all_three(self) -> None:
        for url in PAGES:
            with self.subTest(url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertEqual(response["Location"], f"/login/?next={quote(url)}")
                login = self.client.get(response["Location"])
                self.assertEqual(login.status_code, 200)
                login_form = parse(login.content).find("main").find("form")  # not the header's
                self.assertTrue(login_form.find_all("input", name="password"))

    def test_members_get_the_guardians_answer(self) -> None:
        self.client.force_login(self.w.member)
        for url in PAGES:
            with self.subTest(url):
                self.assertEqual(self.client.get(url).status_code, MEMBER_SEES[url])

    def test_moderators_and_administrators_get_in(self) -> None:
        self.client.force_login(self.w.moderator)
        for url in ("/reports/", "/approval-queue/"):
            self.assertEqual(self.client.get(url).status_code, 200, url)
        self.assertEqual(self.client.get("/moderation/log/").status_code, 404)
        self.client.force_login(self.w.admin)
        for url in PAGES:
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_logging_in_from_the_log_leads_back_to_it(self) -> None:
        for user, status in ((self.w.member, 404), (self.w.admin, 200)):
            with self.subTest(user.username):
                self.client.logout()
                to_login = self.client.get("/moderation/log/")["Location"]
                response = self.client.post(
                    to_login, {"username": user.username, "password": PASSWORD}, follow=True
                )
                self.assertEqual(response.redirect_chain[-1][0], "/moderation/log/")
                self.assertEqual(response.status_code, status)
                if status == 200:
                    title = parse(response.content).find("h1").text
                    self.assertEqual(title, "Moderator log")
                else:
                    self.assertNotIn("Moderator log", parse(response.content).find("title").text)
