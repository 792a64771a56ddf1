"""Failed logins cannot be used to lock an owner out: counters per (account, client) and per
client, a long-lived device cookie whose bearer only counts its own failures, and a completed
password reset that clears the account's counters. The administrator is no exception."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from unittest import mock

from django.core import mail
from django.test import Client, TestCase, override_settings

from parley.moderation.defences import DEVICE_COOKIE
from tests.accounts.pages import form_errors, signed_in
from tests.world import PASSWORD, make_member

# A second into a ten-minute window, so no limit resets mid-test.
WINDOW_START = datetime(2030, 1, 1, 12, 0, 1, tzinfo=UTC)
ATTACKER = "203.0.113.9"
SHARED = "203.0.113.50"  # an office or mobile network the owner shares with an attacker
OWNER_HOME = "198.51.100.7"
PHONE = "192.0.2.44"
NEW_PASSWORD = "a-brand-new-secret-9"
COOL_OFF_WORDS = "Try again in 10 minutes"


@override_settings(
    PARLEY_LOGIN_FAILURES_PER_ACCOUNT=3,
    PARLEY_LOGIN_FAILURES_PER_IP=20,
    PARLEY_LOGIN_FAILURES_PER_ACCOUNT_ALL_CLIENTS=6,
    PARLEY_LOGIN_COOLOFF_SECONDS=600,
)
class LoginLockoutTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.root = make_member("Root", is_staff=True, is_superuser=True)
        cls.eve = make_member("Eve")

    def setUp(self) -> None:
        self.enterContext(mock.patch("django.utils.timezone.now", return_value=WINDOW_START))

    # --- helpers

    def log_in(self, client: Client, login: str, password: str = PASSWORD):  # noqa: ANN201
        return client.post("/login/", {"username": login, "password": password})

    def guess(self, client: Client, login: str, times: int) -> None:
        for attempt in range(times):
            response = self.log_in(client, login, f"wrong-{attempt}")
            self.assertEqual(response.status_code, 200)
            self.assertIn("Incorrect username, email or password.", " ".join(form_errors(response)))

    def assert_let_in(self, response) -> None:  # noqa: ANN001
        self.assertEqual(response.status_code, 302, form_errors(response))

    def assert_refused(self, response, words: str) -> None:  # noqa: ANN001
        self.assertEqual(response.status_code, 200)
        errors = " ".join(form_errors(response))
        self.assertIn(words, errors)
        self.assertIn(COOL_OFF_WORDS, errors)

    def owner_device(self, ip: str, login: str) -> Client:
        """A browser the owner has logged in with before (and logged out of)."""
        browser = Client(REMOTE_ADDR=ip)
        self.assert_let_in(self.log_in(browser, login))
        browser.post("/logout/")
        self.assertIn(DEVICE_COOKIE, browser.cookies)
        return browser

    # --- tests

    def test_failures_elsewhere_cannot_lock_the_administrator_out(self) -> None:
        attacker = Client(REMOTE_ADDR=ATTACKER)
        self.guess(attacker, "Root", 3)
        # The attacker's network is cooled off for this account, even with the right password…
        self.assert_refused(
            self.log_in(attacker, "Root"),
            "Too many failed attempts to log in to this account from your network.",
        )
        # …but the administrator, on a browser never used before, elsewhere, gets in.
        owner = Client(REMOTE_ADDR=OWNER_HOME)
        self.assert_let_in(self.log_in(owner, "root@example.org"))
        self.assertTrue(signed_in(owner.get("/")))

    def test_a_known_device_gets_in_whatever_strangers_did(self) -> None:
        owner = self.owner_device(SHARED, "Eve")
        with override_settings(PARLEY_LOGIN_FAILURES_PER_IP=5):
            neighbour = Client(REMOTE_ADDR=SHARED)
            self.guess(neighbour, "Eve", 3)  # Eve from the shared network: cooled off
            self.guess(neighbour, "Root", 2)  # the shared network: cooled off
            self.guess(Client(REMOTE_ADDR=ATTACKER), "Eve", 3)  # Eve from anywhere: cooled off
            stranger = Client(REMOTE_ADDR=SHARED)
            self.assert_refused(
                self.log_in(stranger, "Eve"), "Too many failed attempts from your network."
            )
            self.assert_refused(
                self.log_in(Client(REMOTE_ADDR=OWNER_HOME), "Eve"),
                "Too many failed attempts to log in to this account from new devices.",
            )
            # The owner's own browser, on that same network, with the right password.
            self.assert_let_in(self.log_in(owner, "Eve"))
        self.assertTrue(signed_in(owner.get("/")))

    def test_a_known_device_counts_only_its_own_failures(self) -> None:
        owner = self.owner_device(SHARED, "Eve")
        self.guess(owner, "Eve", 3)
        self.assert_refused(self.log_in(owner, "Eve"), "Too many failed attempts from this device.")
        # Those failures refused no one else: not a stranger on the same network, not the
        # account from elsewhere.
        self.assert_let_in(self.log_in(Client(REMOTE_ADDR=SHARED), "Eve"))
        self.assert_let_in(self.log_in(Client(REMOTE_ADDR=OWNER_HOME), "Eve"))

    def test_the_device_cookie_is_signed_long_lived_and_names_its_member(self) -> None:
        browser = Client(REMOTE_ADDR=ATTACKER)
        response = self.log_in(browser, "Eve")
        cookie = response.cookies[DEVICE_COOKIE]
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")
        self.assertGreaterEqual(int(cookie["max-age"]), 300 * 24 * 60 * 60)
        browser.post("/logout/")
        # Eve's device is a stranger to Root's account…
        self.guess(browser, "Root", 3)
        self.assert_refused(
            self.log_in(browser, "Root"),
            "Too many failed attempts to log in to this account from your network.",
        )
        # …and a cookie written by hand (unsigned, naming Root) counts for nothing.
        forger = Client(REMOTE_ADDR=ATTACKER)
        forger.cookies[DEVICE_COOKIE] = f"{self.root.pk}:made-up"
        self.assert_refused(
            self.log_in(forger, "Root"),
            "Too many failed attempts to log in to this account from your network.",
        )

    def test_a_completed_reset_clears_the_accounts_counters_and_knows_the_browser(self) -> None:
        self.guess(Client(REMOTE_ADDR=SHARED), "Eve", 3)
        self.guess(Client(REMOTE_ADDR=ATTACKER), "Eve", 3)
        laptop_at_work = Client(REMOTE_ADDR=SHARED)
        laptop_at_home = Client(REMOTE_ADDR=OWNER_HOME)
        self.assert_refused(
            self.log_in(laptop_at_work, "Eve"),
            "Too many failed attempts to log in to this account from your network.",
        )
        self.assert_refused(
            self.log_in(laptop_at_home, "Eve"),
            "Too many failed attempts to log in to this account from new devices.",
        )

        phone = Client(REMOTE_ADDR=PHONE)
        phone.post("/lost-password/", {"email": "eve@example.org"})
        self.assertEqual(len(mail.outbox), 1)
        link = re.search(r"http://testserver(/lost-password/\S+/)", mail.outbox[0].body).group(1)
        set_url = phone.get(link, follow=True).redirect_chain[-1][0]
        done = phone.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        self.assertEqual(done.status_code, 302)
        self.assertIn(DEVICE_COOKIE, done.cookies)  # the phone is now a known device

        self.assert_let_in(self.log_in(laptop_at_home, "Eve", NEW_PASSWORD))
        self.assert_let_in(self.log_in(laptop_at_work, "Eve", NEW_PASSWORD))
