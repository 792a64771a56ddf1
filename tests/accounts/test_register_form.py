"""The registration form lists every problem at once (the password rules included while the
username or address is refused), and a first visit lets the browser choose the time zone."""

from __future__ import annotations

from django.test import TestCase

from parley.accounts.models import Member
from tests.accounts.helpers import register_form_data
from tests.core.parsed import parse
from tests.world import make_member


class RegisterFormTests(TestCase):
    def errors(self, **fields: str) -> dict[str, list[str]]:
        response = self.client.post("/register/", register_form_data(**fields))
        self.assertEqual(response.status_code, 200)
        page = parse(response.content)
        found: dict[str, list[str]] = {}
        for field in page.find_all(cls="has-error"):
            name = field.find("label").attrs["for"].removeprefix("id_")
            found[name] = [e.text.strip() for e in field.find_all(cls="field-error")]
        return found

    def test_password_rules_are_listed_with_a_refused_username_and_address(self) -> None:
        make_member("Taken Name")
        found = self.errors(username="Taken Name", email="not-an-email", password="123")
        self.assertEqual(set(found), {"username", "email", "password"})
        self.assertIn("Enter a valid email address.", found["email"])
        self.assertTrue(any("too short" in e for e in found["password"]), found["password"])
        self.assertFalse(Member.objects.filter(email="not-an-email").exists())

    def test_a_password_like_the_refused_username_is_still_called_so(self) -> None:
        found = self.errors(
            username="Marmalade Cat!", email="a@example.org", password="marmaladecat!"
        )
        self.assertIn("username", found)  # "!" is not allowed in a username
        self.assertTrue(any("too similar to the username" in e for e in found["password"]), found)

    def test_a_first_visit_lets_the_browser_pick_the_zone_and_a_resubmission_keeps_the_choice(
        self,
    ) -> None:
        first = parse(self.client.get("/register/").content)
        self.assertIn("data-guess-zone", first.find("select", name="time_zone").attrs)
        again = self.client.post(
            "/register/", register_form_data(username="x", time_zone="Asia/Tokyo")
        )
        select = parse(again.content).find("select", name="time_zone")
        self.assertNotIn("data-guess-zone", select.attrs)
