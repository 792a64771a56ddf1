"""Account emails cannot be used to flood an address or to learn which addresses are
registered: reset emails are capped per address (silently) and per client, and registering with
a taken address answers with a neutral page while its owner gets an email. The registration
form's time token is spent by the first registration, in every worker."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from unittest import mock

from django.core import mail
from django.core.cache import caches
from django.test import Client, TestCase, override_settings

from parley.accounts.models import Member
from parley.core.cache import breaker as cache_breaker
from parley.moderation.defences import DEVICE_COOKIE, form_started_token
from tests.accounts.helpers import register_form_data
from tests.accounts.pages import field_value, form_errors, heading, main_text, signed_in
from tests.world import PASSWORD, make_member

WINDOW_START = datetime(2030, 1, 1, 12, 0, 1, tzinfo=UTC)  # a second into an hourly window
RESET_SENT = "If an account uses that address, we have sent it a link to choose a new password."


def frozen_now() -> mock._patch:
    return mock.patch("django.utils.timezone.now", return_value=WINDOW_START)


def from_address(n: int) -> Client:
    return Client(REMOTE_ADDR=f"198.51.100.{n}")


class PasswordResetLimitTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        make_member("Frank")

    def setUp(self) -> None:
        self.enterContext(frozen_now())

    def ask(self, client: Client, email: str):  # noqa: ANN201
        return client.post("/lost-password/", {"email": email}, follow=True)

    def test_thirty_requests_send_three_emails(self) -> None:
        # The report: 30 requests for one address sent 30 emails.
        for n in range(30):
            self.ask(from_address(n), "frank@example.org" if n % 2 else "FRANK@example.org")
        self.assertEqual(len(mail.outbox), 3)
        self.assertEqual({m.to[0] for m in mail.outbox}, {"frank@example.org"})

    @override_settings(PARLEY_ACCOUNT_EMAILS_PER_ADDRESS=2)
    def test_the_address_limit_answers_as_for_an_unknown_address(self) -> None:
        for n in range(2):
            self.ask(from_address(n), "frank@example.org")
        self.assertEqual(len(mail.outbox), 2)
        for n, email in enumerate(["frank@example.org", "nobody@example.org"], start=10):
            response = self.ask(from_address(n), email)
            self.assertEqual(response.redirect_chain, [("/lost-password/sent/", 302)], email)
            self.assertEqual(heading(response), "Check your email", email)
            self.assertEqual(main_text(response), f"Check your email {RESET_SENT}", email)
        self.assertEqual(len(mail.outbox), 2)

    @override_settings(PARLEY_RESET_REQUESTS_PER_IP=2)
    def test_one_client_asking_for_many_addresses_is_told_to_wait(self) -> None:
        client = from_address(1)
        for email in ("nobody@example.org", "frank@example.org"):
            self.assertEqual(heading(self.ask(client, email)), "Check your email")
        response = self.ask(client, "frank@example.org")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            form_errors(response),
            ["Too many password reset requests from your network. Please try again in 60 minutes."],
        )
        self.assertEqual(field_value(response, "email"), "frank@example.org")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(
            heading(self.ask(from_address(2), "frank@example.org")), "Check your email"
        )
        self.assertEqual(len(mail.outbox), 2)


NADIA = {"username": "Nadia", "email": "nadia@example.org", "password": PASSWORD}


class TakenAddressTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.dora = make_member("Dora")

    def register(self, client: Client | None = None, **fields: str):  # noqa: ANN201
        data = {"username": "Dora Again", "email": "DORA@example.org", "password": PASSWORD}
        return (client or self.client).post("/register/", register_form_data(**{**data, **fields}))

    def test_a_taken_address_gets_a_neutral_page_and_its_owner_an_email(self) -> None:
        response = self.register()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(heading(response), "Almost there")
        text = main_text(response)
        self.assertIn("We sent a message to DORA@example.org.", text)
        self.assertNotIn("already", text)
        self.assertEqual(form_errors(response), [])
        self.assertFalse(signed_in(response))
        self.assertEqual(Member.objects.count(), 1)
        self.assertFalse(Member.objects.filter(username="Dora Again").exists())

        self.assertEqual(len(mail.outbox), 1)
        notice = mail.outbox[0]
        self.assertEqual(notice.to, ["dora@example.org"])
        self.assertIn("Someone tried to register", notice.subject)
        self.assertIn("It already belongs to your account, Dora", notice.body)
        self.assertIn("http://testserver/login/", notice.body)
        self.assertIn("http://testserver/lost-password/", notice.body)

    def test_a_new_address_still_registers_at_once(self) -> None:
        response = self.register(username="Nadia", email="nadia@example.org")
        self.assertEqual(response.status_code, 302)
        self.assertIn(DEVICE_COOKIE, response.cookies)  # this browser is a known device
        self.assertTrue(signed_in(self.client.get("/")))
        self.assertEqual(len(mail.outbox), 0)

    def test_a_failing_mail_server_shows_nothing_different(self) -> None:
        with (
            mock.patch("parley.accounts.services.send_mail", side_effect=OSError("refused")),
            self.assertLogs("parley.accounts.services", "ERROR"),
        ):
            response = self.register()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(heading(response), "Almost there")

    @override_settings(PARLEY_ACCOUNT_EMAILS_PER_ADDRESS=3)
    def test_notices_and_reset_emails_to_one_address_are_capped_together(self) -> None:
        self.enterContext(frozen_now())
        from_address(1).post("/lost-password/", {"email": "dora@example.org"})
        for n in range(2, 6):
            response = self.register(from_address(n), username=f"Dora {n}")
            self.assertEqual(heading(response), "Almost there")
        self.assertEqual(len(mail.outbox), 3)

    def test_an_inactive_owner_gets_no_email_and_the_page_is_the_same(self) -> None:
        Member.objects.filter(pk=self.dora.pk).update(is_active=False)
        response = self.register()
        self.assertEqual(heading(response), "Almost there")
        self.assertEqual(len(mail.outbox), 0)


DEAD_REDIS = {
    "default": {
        "BACKEND": "parley.core.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
    }
}


class SingleUseFormTokenTests(TestCase):
    def post(self, client: Client, token: str, n: int):  # noqa: ANN201
        return client.post(
            "/register/",
            {
                "username": f"Bot {n}",
                "email": f"bot{n}@example.org",
                "password": PASSWORD,
                "started": token,
            },
        )

    def test_one_token_registers_one_account(self) -> None:
        token = form_started_token(time.time() - 60)  # one honest wait…
        self.assertEqual(self.post(from_address(1), token, 1).status_code, 302)
        for n in (2, 3):  # …replayed by other clients at once
            response = self.post(from_address(n), token, n)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(
                form_errors(response),
                ["This form was already sent once. Please check it and submit it again."],
            )
            self.assertEqual(field_value(response, "username"), f"Bot {n}")
            renewed = field_value(response, "started")
            self.assertNotEqual(renewed, token)
            # The fresh token is dated now: it cannot be used before the minimum form time.
            again = self.post(from_address(n), renewed, n)
            self.assertIn("That was quick!", " ".join(form_errors(again)))
        self.assertEqual(list(Member.objects.values_list("username", flat=True)), ["Bot 1"])

    def test_a_spent_token_is_recorded_where_every_worker_looks(self) -> None:
        token = form_started_token(time.time() - 60)
        self.assertEqual(self.post(from_address(1), token, 1).status_code, 302)
        # A second connection to the configured cache, as another worker process opens.
        other_worker = caches.create_connection("default")
        self.addCleanup(other_worker.close)
        members_before = Member.objects.count()
        with mock.patch("parley.moderation.defences.cache", other_worker):
            response = self.post(from_address(2), token, 2)
        self.assertIn("already sent once", " ".join(form_errors(response)))
        self.assertEqual(Member.objects.count(), members_before)

    def test_without_the_shared_cache_registration_is_refused_not_let_through(self) -> None:
        cache_breaker.reset()
        self.addCleanup(cache_breaker.reset)
        with (
            override_settings(CACHES=DEAD_REDIS),
            self.assertLogs("parley.core.cache", "WARNING"),
        ):
            response = self.post(from_address(1), form_started_token(time.time() - 60), 1)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            form_errors(response),
            ["We could not check this form just now. Please submit it again in a minute."],
        )
        self.assertFalse(Member.objects.exists())
