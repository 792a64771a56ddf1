"""Registration spam defence (honeypot, minimum form time, attempts per address) and the login
cool-off (per account and address, and per address), as a person or a bot meets them."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.core import signing
from django.test import Client, TestCase, override_settings

from parley.accounts.models import Member
from parley.core import ratelimit
from parley.moderation import defences
from parley.moderation.defences import form_started_token
from tests.accounts.helpers import register_form_data
from tests.world import PASSWORD, make_member

NADIA = {"username": "Nadia", "email": "nadia@example.org", "password": PASSWORD}
# A second into a fixed window (windows start on the hour), so a limit never resets mid-test.
WINDOW_START = datetime(2030, 1, 1, 12, 0, 1, tzinfo=UTC)


def frozen_now(at: datetime = WINDOW_START) -> mock._patch:
    return mock.patch("django.utils.timezone.now", return_value=at)


def started_value(response) -> str:  # noqa: ANN001
    match = re.search(r'name="started" value="([^"]+)"', response.content.decode())
    assert match, "the form carries a started token"
    return match.group(1)


class RegistrationDefenceTests(TestCase):
    def test_the_form_carries_a_signed_time_and_a_hidden_trap(self) -> None:
        page = self.client.get("/register/")
        token = started_value(page)
        shown_at, _nonce = signing.loads(token, salt=defences._STARTED_SALT)
        self.assertLessEqual(time.time() - shown_at, 5)
        self.assertContains(page, '<div class="hp-field" aria-hidden="true">')
        self.assertContains(page, 'name="website"')
        self.assertContains(page, 'tabindex="-1"')

    def test_a_person_registers(self) -> None:
        response = self.client.post("/register/", register_form_data(**NADIA), follow=True)
        self.assertContains(response, "Welcome, Nadia!")

    def test_a_filled_trap_is_refused_quietly(self) -> None:
        response = self.client.post(
            "/register/", register_form_data(website="https://spam.example", **NADIA)
        )
        self.assertContains(response, "We could not create your account.")
        self.assertContains(response, 'value="Nadia"')
        self.assertFalse(Member.objects.filter(username="Nadia").exists())

    @override_settings(PARLEY_REGISTER_MIN_SECONDS=3)
    def test_submitting_at_once_is_refused_then_accepted_after_a_moment(self) -> None:
        token = form_started_token()
        response = self.client.post("/register/", {**NADIA, "started": token})
        self.assertContains(response, "That was quick! Please check the form and submit again.")
        self.assertContains(response, 'value="Nadia"')
        self.assertEqual(started_value(response), token)  # the time already spent still counts
        self.assertFalse(Member.objects.filter(username="Nadia").exists())
        later = time.time() + 5
        with mock.patch("parley.moderation.defences.time.time", return_value=later):
            response = self.client.post("/register/", {**NADIA, "started": token})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Member.objects.filter(username="Nadia").exists())

    def test_a_missing_or_forged_time_is_refused_and_renewed(self) -> None:
        forged = signing.dumps(int(time.time()) - 60, salt="something else")
        for data in (NADIA, {**NADIA, "started": forged}, {**NADIA, "started": "garbage"}):
            response = self.client.post("/register/", data)
            self.assertContains(response, "We could not create your account.")
            renewed = started_value(response)
            self.assertNotEqual(renewed, data.get("started"))
            signing.loads(renewed, salt=defences._STARTED_SALT)
        self.assertFalse(Member.objects.exists())

    def test_a_form_left_open_for_days_asks_for_another_submit(self) -> None:
        old = form_started_token(time.time() - 3 * 24 * 60 * 60)
        response = self.client.post("/register/", {**NADIA, "started": old})
        self.assertContains(response, "This form was open for a long time.")
        self.assertNotEqual(started_value(response), old)
        self.assertFalse(Member.objects.exists())

    @override_settings(PARLEY_REGISTER_ATTEMPTS_PER_IP=2)
    def test_attempts_per_address_are_limited(self) -> None:
        self.enterContext(frozen_now())
        for i in range(2):
            self.client.post("/register/", register_form_data(username=f"x{i}", password="1"))
        response = self.client.post("/register/", register_form_data(**NADIA))
        self.assertContains(response, "Too many registration attempts from your network.")
        self.assertContains(response, "Please try again in")
        self.assertContains(response, 'value="Nadia"')
        self.assertFalse(Member.objects.filter(username="Nadia").exists())
        elsewhere = Client(REMOTE_ADDR="198.51.100.20")
        response = elsewhere.post("/register/", register_form_data(**NADIA))
        self.assertEqual(response.status_code, 302)


@override_settings(PARLEY_LOGIN_FAILURES_PER_ACCOUNT=3, PARLEY_LOGIN_FAILURES_PER_IP=20)
class LoginCoolOffTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.eve = make_member("Eve")
        cls.frank = make_member("Frank")

    def setUp(self) -> None:
        self.enterContext(frozen_now())

    def fail(self, client: Client, login: str = "Eve"):  # noqa: ANN201
        return client.post("/login/", {"username": login, "password": "wrong-password"})

    def test_after_repeated_failures_the_account_cools_off(self) -> None:
        for login in ("Eve", "eve@example.org", "EVE"):  # however the account is named
            response = self.fail(self.client, login)
            self.assertContains(response, "Incorrect username, email or password.")
        response = self.client.post("/login/", {"username": "Eve", "password": PASSWORD})
        self.assertContains(
            response,
            "Too many failed attempts to log in to this account from your network. "
            "Try again in 10 minutes",
        )
        self.assertContains(response, 'value="Eve"')
        self.assertNotIn("_auth_user_id", self.client.session)
        # Another account from the same address is not affected.
        other = self.client.post("/login/", {"username": "Frank", "password": PASSWORD})
        self.assertEqual(other.status_code, 302)

    def test_the_owner_gets_in_once_the_cool_off_ends(self) -> None:
        for _ in range(3):
            self.fail(self.client)
        with frozen_now(WINDOW_START + timedelta(minutes=11)):
            response = self.client.post("/login/", {"username": "Eve", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)

    def test_a_success_clears_the_accounts_failures(self) -> None:
        for _ in range(2):
            self.fail(self.client)
        self.client.post("/login/", {"username": "Eve", "password": PASSWORD})
        self.client.logout()
        for _ in range(2):
            self.fail(self.client)
        response = self.client.post("/login/", {"username": "Eve", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)

    @override_settings(PARLEY_LOGIN_FAILURES_PER_IP=3)
    def test_one_address_guessing_many_accounts_is_slowed(self) -> None:
        for login in ("Eve", "Frank", "nobody-at-all"):
            self.fail(self.client, login)
        response = self.client.post("/login/", {"username": "Frank", "password": PASSWORD})
        self.assertContains(response, "Too many failed attempts from your network.")
        elsewhere = Client(REMOTE_ADDR="198.51.100.30")
        response = elsewhere.post("/login/", {"username": "Frank", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)

    def test_unknown_names_cool_off_too_and_store_no_address(self) -> None:
        with mock.patch("parley.core.ratelimit.hit", wraps=ratelimit.hit) as spy:
            for _ in range(4):
                response = self.fail(self.client, "ghost@example.org")
        self.assertContains(response, "Too many failed attempts to log in to this account")
        keys = " ".join(call.args[0] for call in spy.call_args_list)
        self.assertIn("login:account:", keys)
        self.assertNotIn("ghost", keys)
        self.assertNotIn("127.0.0.1", keys)
