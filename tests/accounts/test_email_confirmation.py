"""Email confirmation closes the registration form's last tell: with it on, a new address and a
registered one get the very same page, and the account only starts once the link emailed to
the address is opened. Links work once and for 3 days; an account that never confirms cannot
log in and is deleted after those 3 days. Off (the console-email default of a local install),
a new address logs in at once as before."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from parley.accounts.models import Member
from parley.accounts.services import register_member
from parley.accounts.tasks import prune_unconfirmed_members
from parley.moderation.defences import DEVICE_COOKIE
from tests.accounts.helpers import register_form_data
from tests.accounts.pages import document, field_value, form_errors, heading, main_text, signed_in
from tests.multiprocess.client import Form
from tests.world import PASSWORD, make_member

DAY = 24 * 60 * 60
ALMOST_THERE = (
    "Almost there We sent a message to nadia@example.org. Click the link in it to finish "
    "creating your account. It can take a few minutes to arrive; if it does not, check your "
    "spam folder, or make sure the address is right and register again."
)
NOT_CONFIRMED = "Please confirm your email address first: we sent a link to nadia@example.org."
RESENT = "If an account waiting for confirmation uses that address, we have sent it a new link."
LINK = re.compile(r"http://testserver(/register/confirm/[^/\s]+/)")
NADIA = {"username": "Nadia", "email": "nadia@example.org", "password": PASSWORD}


def visible_text(response) -> str:  # noqa: ANN001
    """Everything a reader sees: the title and the body's text."""
    page = document(response)
    return f"{page.find('title').text} | {page.find('body').text}"


def without_csrf_tokens(response) -> str:  # noqa: ANN001
    html = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def links_in(message: mail.EmailMessage) -> list[str]:
    return LINK.findall(message.body)


def confirm(browser: Client, link: str) -> HttpResponse:
    """Open the emailed link and press the page's button, as the member does. A refused link's
    page comes back as it is."""
    opened = browser.get(link)
    if opened.status_code != 200:
        return opened
    [element] = document(opened).find_all("form", cls="narrow-form")
    form = Form(element, f"http://testserver{link}")
    assert [b.text for b in form.buttons] == ["Confirm my address"], form.buttons
    return browser.post(form.url, dict(form.values))


@contextmanager
def clock_moved(seconds: float) -> Iterator[None]:
    """Both clocks a link's age is read from (the signature's and the database's) moved on."""
    later = time.time() + seconds
    with (
        mock.patch("time.time", return_value=later),
        mock.patch(
            "django.utils.timezone.now",
            return_value=timezone.now() + timedelta(seconds=seconds),
        ),
    ):
        yield


def frozen_in_this_hour() -> mock._patch:
    """The clock stopped a second into the current hourly window, so no limit resets mid-test
    (and accounts, dated by the real clock, are not days old by it)."""
    start = timezone.now().replace(minute=0, second=1, microsecond=0)
    return mock.patch("django.utils.timezone.now", return_value=start)


def log_in(client: Client, login: str, password: str = PASSWORD):  # noqa: ANN201
    return client.post("/login/", {"username": login, "password": password})


@override_settings(PARLEY_EMAIL_CONFIRMATION=True)
class ConfirmationTests(TestCase):
    def register(self, client: Client | None = None, **fields: str):  # noqa: ANN201
        return (client or self.client).post("/register/", register_form_data(**{**NADIA, **fields}))

    def register_and_get_link(self) -> str:
        self.assertEqual(self.register(Client()).status_code, 200)
        [link] = links_in(mail.outbox[-1])
        return link

    def test_a_new_address_and_a_registered_one_get_the_very_same_answer(self) -> None:
        # The same form, sent once while nadia@example.org is free and once while it belongs
        # to a member: everything the visitor can see must be the same.
        data = register_form_data(**NADIA)
        with transaction.atomic():
            new = Client().post("/register/", data)
            self.assertEqual(Member.objects.get(email="nadia@example.org").username, "Nadia")
            self.assertEqual(len(mail.outbox), 1)
            self.assertIn("Confirm your email address", mail.outbox[0].subject)
            transaction.set_rollback(True)  # back to a board without that account
        self.assertFalse(Member.objects.filter(email="nadia@example.org").exists())
        register_member(username="Nadia Old", email="nadia@example.org", password=PASSWORD)
        registered = Client().post("/register/", register_form_data(**NADIA))

        self.assertEqual(new.status_code, 200)
        self.assertEqual(registered.status_code, new.status_code)
        self.assertEqual(main_text(new), ALMOST_THERE)
        self.assertEqual(visible_text(registered), visible_text(new))
        self.assertEqual(without_csrf_tokens(registered), without_csrf_tokens(new))
        self.assertEqual(sorted(registered.cookies), sorted(new.cookies))
        self.assertFalse(signed_in(new))
        self.assertFalse(signed_in(registered))
        # …while the owner, not the visitor, learns the address was taken.
        self.assertEqual(len(mail.outbox), 2)
        self.assertIn("Someone tried to register", mail.outbox[1].subject)
        self.assertIn("It already belongs to your account, Nadia Old", mail.outbox[1].body)
        self.assertEqual(Member.objects.filter(email="nadia@example.org").count(), 1)

    def test_an_address_waiting_for_its_link_answers_the_same_and_tells_its_owner(self) -> None:
        first = self.register(Client())
        again = self.register(Client(), username="Nadia Two")
        self.assertEqual(main_text(again), main_text(first))
        self.assertEqual(
            list(Member.objects.values_list("username", flat=True)), ["Nadia"]
        )  # no second account
        self.assertEqual([m.to for m in mail.outbox], [["nadia@example.org"]] * 2)
        self.assertIn("Someone tried to register", mail.outbox[1].subject)

    def test_the_link_confirms_logs_in_and_welcomes_once(self) -> None:
        response = self.register()
        self.assertEqual(main_text(response), ALMOST_THERE)
        self.assertFalse(signed_in(self.client.get("/")))
        member = Member.objects.get(username="Nadia")
        self.assertIsNone(member.email_confirmed_at)
        self.assertEqual(self.client.get(member.get_absolute_url()).status_code, 404)

        [message] = mail.outbox
        self.assertEqual(message.to, ["nadia@example.org"])
        self.assertIn("Hello Nadia,", message.body)
        [link] = links_in(message)

        browser = Client()  # opened from the mail program, in another browser
        opened = browser.get(link)
        self.assertEqual(heading(opened), "Confirm your email address")
        self.assertIn("Confirm that nadia@example.org is your address", main_text(opened))
        self.assertFalse(signed_in(opened))
        opened = confirm(browser, link)
        self.assertEqual(opened.status_code, 302)
        self.assertEqual(opened["Location"], "/")
        self.assertIn(DEVICE_COOKIE, opened.cookies)  # this browser is a known device
        home = browser.get("/")
        self.assertTrue(signed_in(home))
        self.assertIn(
            "Welcome, Nadia! Your email address is confirmed and your account is ready.",
            [li.text for li in document(home).find_all("li", cls="message")],
        )
        member.refresh_from_db()
        self.assertIsNotNone(member.email_confirmed_at)
        self.assertEqual(browser.get(member.get_absolute_url()).status_code, 200)
        self.assertEqual(log_in(Client(), "Nadia").status_code, 302)

        for again in (Client(), browser):  # the link is spent, for anyone
            for refused in (again.get(link), again.post(link)):
                self.assertEqual(refused.status_code, 400)
                self.assertEqual(heading(refused), "This link does not work")
                self.assertIn("been used already", main_text(refused))
                self.assertIsNotNone(document(refused).find("input", name="email"))

    def test_opening_the_link_changes_nothing(self) -> None:
        """Mail scanners and link previews open links too: only the page's button confirms."""
        link = self.register_and_get_link()
        scanner = Client()
        for _ in range(2):
            self.assertEqual(scanner.get(link).status_code, 200)
        self.assertFalse(signed_in(scanner.get("/")))
        self.assertIsNone(Member.objects.get(username="Nadia").email_confirmed_at)
        self.assertEqual(confirm(Client(), link).status_code, 302)  # the link still works
        self.assertIsNotNone(Member.objects.get(username="Nadia").email_confirmed_at)

    def test_a_link_works_for_three_days_only(self) -> None:
        link = self.register_and_get_link()
        with clock_moved(3 * DAY + 60):
            refused = confirm(Client(), link)
            self.assertEqual(refused.status_code, 400)
            self.assertEqual(heading(refused), "This link does not work")
            self.assertIn("it may have expired (links work for 3 days)", main_text(refused))
            self.assertFalse(signed_in(refused))
        self.assertIsNone(Member.objects.get(username="Nadia").email_confirmed_at)
        with clock_moved(3 * DAY - 60):
            self.assertEqual(confirm(Client(), link).status_code, 302)
        self.assertIsNotNone(Member.objects.get(username="Nadia").email_confirmed_at)

    def test_a_forged_or_mangled_link_is_refused(self) -> None:
        link = self.register_and_get_link()
        member = Member.objects.get(username="Nadia")
        for bad in (link[:-3] + "x/", f"/register/confirm/{member.pk}/", link.replace(":", "", 1)):
            for response in (Client().get(bad), Client().post(bad)):
                self.assertEqual(response.status_code, 400, bad)
                self.assertEqual(heading(response), "This link does not work")
        member.refresh_from_db()
        self.assertIsNone(member.email_confirmed_at)

    def test_login_waits_for_confirmation_and_the_link_can_be_sent_again(self) -> None:
        self.register()
        browser = Client()
        wrong = log_in(browser, "Nadia", "not-the-password")
        self.assertEqual(  # a stranger learns nothing about the account
            form_errors(wrong),
            ["Incorrect username, email or password. Passwords are case-sensitive."],
        )
        for login in ("Nadia", "nadia@example.org"):
            refused = log_in(browser, login)
            self.assertEqual(refused.status_code, 200)
            self.assertEqual(form_errors(refused), [NOT_CONFIRMED])
            self.assertEqual(field_value(refused, "username"), login)  # what was typed stays
            self.assertFalse(signed_in(browser.get("/")))

        # The page offers to send the link again: press that button.
        page = document(refused)
        [element] = page.find_all("form", action="/register/confirm/resend/")
        resend = Form(element, "http://testserver/login/")
        self.assertEqual([b.text for b in resend.buttons], ["Send the link again"])
        sent = browser.post("/register/confirm/resend/", dict(resend.values), follow=True)
        self.assertEqual(sent.redirect_chain, [("/register/confirm/sent/", 302)])
        self.assertEqual(heading(sent), "Check your email")
        self.assertIn(RESENT, main_text(sent))
        self.assertEqual(len(mail.outbox), 2)
        [new_link] = links_in(mail.outbox[1])
        self.assertEqual(mail.outbox[1].to, ["nadia@example.org"])

        self.assertEqual(confirm(browser, new_link).status_code, 302)
        self.assertTrue(signed_in(browser.get("/")))
        self.assertEqual(log_in(Client(), "Nadia").status_code, 302)
        [first_link] = links_in(mail.outbox[0])
        self.assertEqual(confirm(Client(), first_link).status_code, 400)  # confirmed: all spent

    def test_asking_for_a_link_answers_the_same_whatever_the_address(self) -> None:
        make_member("Connie")  # confirmed: nothing to send
        self.register()
        answers = {}
        for email in ("nadia@example.org", "connie@example.org", "nobody@example.org"):
            response = Client().post("/register/confirm/resend/", {"email": email}, follow=True)
            answers[email] = (tuple(response.redirect_chain), visible_text(response))
        self.assertEqual(len(set(answers.values())), 1, answers)
        self.assertEqual([m.to for m in mail.outbox], [["nadia@example.org"]] * 2)

    @override_settings(PARLEY_ACCOUNT_EMAILS_PER_ADDRESS=3)
    def test_links_to_one_address_are_capped_silently(self) -> None:
        self.enterContext(frozen_in_this_hour())
        self.register()
        for n in range(4):
            response = Client(REMOTE_ADDR=f"198.51.100.{n}").post(
                "/register/confirm/resend/", {"email": "NADIA@example.org"}, follow=True
            )
            self.assertIn(RESENT, main_text(response))
        self.assertEqual(len(mail.outbox), 3)  # the first link and two more

    @override_settings(PARLEY_RESET_REQUESTS_PER_IP=2)
    def test_one_client_asking_for_many_links_is_told_to_wait(self) -> None:
        self.enterContext(frozen_in_this_hour())
        client = Client(REMOTE_ADDR="203.0.113.7")
        for email in ("a@example.org", "b@example.org"):
            response = client.post("/register/confirm/resend/", {"email": email})
            self.assertEqual(response.status_code, 302)
        response = client.post("/register/confirm/resend/", {"email": "c@example.org"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            form_errors(response),
            [
                "Too many requests for a confirmation link from your network. "
                "Please try again in 60 minutes."
            ],
        )
        self.assertEqual(field_value(response, "email"), "c@example.org")

    def test_a_completed_password_reset_confirms_the_address(self) -> None:
        self.register()
        browser = Client()
        browser.post("/lost-password/", {"email": "nadia@example.org"})
        reset = re.search(r"http://testserver(/lost-password/\S+/)", mail.outbox[-1].body)
        set_url = browser.get(reset.group(1), follow=True).redirect_chain[-1][0]
        new = "a-brand-new-secret-9"
        done = browser.post(set_url, {"new_password1": new, "new_password2": new})
        self.assertEqual(done.status_code, 302)
        self.assertEqual(log_in(Client(), "Nadia", new).status_code, 302)

    def test_a_taken_username_is_still_a_form_error(self) -> None:
        make_member("Nadia")
        response = self.register(email="someone.else@example.org")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(heading(response), "Register")
        self.assertIn("That username is already taken.", main_text(response))
        self.assertEqual(field_value(response, "email"), "someone.else@example.org")
        self.assertEqual(len(mail.outbox), 0)

    def test_an_account_waiting_for_its_link_is_not_listed_among_the_newest_members(self) -> None:
        make_member("Settled Sam")
        self.assertEqual(self.register(Client()).status_code, 200)
        self.assertTrue(Member.objects.filter(username="Nadia").exists())
        text = main_text(self.client.get("/whats-new/members/"))
        self.assertIn("Settled Sam", text)
        self.assertNotIn("Nadia", text)

    def test_the_hourly_job_deletes_accounts_never_confirmed_after_three_days(self) -> None:
        now = timezone.now()

        def member(name: str, *, days_ago: float, confirmed: bool) -> Member:
            return register_member(
                username=name,
                email=f"{name.lower()}@example.org",
                password=PASSWORD,
                joined_at=now - timedelta(days=days_ago),
                email_confirmed=confirmed,
            )

        stale = member("Stale", days_ago=3.1, confirmed=False)
        member("Fresh", days_ago=2.9, confirmed=False)
        member("Veteran", days_ago=400, confirmed=True)
        prune_unconfirmed_members.call_local()
        self.assertEqual(
            sorted(Member.objects.values_list("username", flat=True)), ["Fresh", "Veteran"]
        )
        # The address and the name are free again: registering gets a new account and link.
        self.register(username="Stale", email="stale@example.org")
        renewed = Member.objects.get(username="Stale")
        self.assertNotEqual(renewed.pk, stale.pk)
        self.assertIn("Confirm your email address", mail.outbox[-1].subject)


class ConfirmationOffTests(TestCase):
    def register(self, client: Client):  # noqa: ANN201
        return client.post("/register/", register_form_data(**NADIA))

    @override_settings(PARLEY_EMAIL_CONFIRMATION=False)
    def test_off_a_new_address_logs_in_at_once(self) -> None:
        response = self.register(self.client)
        self.assertEqual(response.status_code, 302)
        self.assertIn(DEVICE_COOKIE, response.cookies)
        self.assertTrue(signed_in(self.client.get("/")))
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(log_in(Client(), "Nadia").status_code, 302)

    @override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
    def test_unset_it_is_on_when_the_board_sends_real_email(self) -> None:
        del settings.PARLEY_EMAIL_CONFIRMATION  # as in a settings module that does not name it
        sent = []
        with mock.patch(
            "django.core.mail.backends.smtp.EmailBackend.send_messages",
            side_effect=lambda messages: sent.extend(messages) or len(messages),
        ):
            response = self.register(self.client)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(main_text(response), ALMOST_THERE)
        self.assertFalse(signed_in(self.client.get("/")))
        self.assertEqual([len(links_in(m)) for m in sent], [1])

    @override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    def test_unset_it_is_off_with_console_email(self) -> None:
        del settings.PARLEY_EMAIL_CONFIRMATION
        response = self.register(self.client)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(signed_in(self.client.get("/")))
