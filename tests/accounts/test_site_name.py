"""The board's name (PARLEY_SITE_NAME), never the request's host, on the pages Django's auth
views render and in the password-reset email: those views put the host into `site_name`."""

from __future__ import annotations

import re

from django.core import mail
from django.test import TestCase, override_settings

from tests.core.parsed import parse
from tests.world import make_member

BOARD = "Harbour Gazette Forum"


@override_settings(SITE_NAME=BOARD, ALLOWED_HOSTS=["127.0.0.1"])
class SiteNameTests(TestCase):
    def title(self, url: str) -> str:
        response = self.client.get(url, HTTP_HOST="127.0.0.1:8101", follow=True)
        self.assertEqual(response.status_code, 200, url)
        return parse(response.content).find("title").text.strip()

    def test_login_and_lost_password_pages_are_titled_with_the_board(self) -> None:
        for url in ("/login/", "/lost-password/", "/lost-password/sent/"):
            title = self.title(url)
            self.assertTrue(title.endswith(f"| {BOARD}"), (url, title))
            self.assertNotIn("127.0.0.1", title)

    def test_the_reset_email_names_the_board_and_links_to_the_host(self) -> None:
        make_member("Nadia")
        response = self.client.post(
            "/lost-password/", {"email": "nadia@example.org"}, HTTP_HOST="127.0.0.1:8101"
        )
        self.assertEqual(response.status_code, 302)
        (sent,) = mail.outbox
        self.assertEqual(sent.subject, f"Reset your password on {BOARD}")
        self.assertIn(f"your account on {BOARD}.", sent.body)
        self.assertNotIn("on 127.0.0.1", sent.body)
        link = re.search(r"http://127\.0\.0\.1:8101(/lost-password/\S+/)", sent.body)
        self.assertIsNotNone(link)
        self.assertTrue(self.title(link.group(1)).endswith(f"| {BOARD}"))
