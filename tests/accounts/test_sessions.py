"""Sessions are database rows: logging out, changing the password and "log out other sessions"
end them for every worker on the next request, whatever the cache does meanwhile."""

from __future__ import annotations

from html.parser import HTMLParser

from django.conf import settings
from django.test import Client, TestCase, override_settings

from parley.accounts.models import MemberSession
from tests.world import PASSWORD, make_member

# A cache that stores nothing, as Redis does while it is unreachable (the resilient cache then
# drops every write): sessions must not depend on it.
DEAD_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str] = []
        self.buttons: list[str] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.actions.append(dict(attrs).get("action") or "")
        elif tag == "button":
            self._in_button = True
            self.buttons.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button:
            self.buttons[-1] += data.strip()


def forms_on(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


class SessionTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.member = make_member("Quinn")

    def browser(self) -> Client:
        client = Client()
        self.assertTrue(client.login(username="Quinn", password=PASSWORD))
        return client

    def assert_logged_out(self, client: Client) -> None:
        response = client.get("/account/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])

    def test_sessions_are_database_rows_that_name_their_member(self) -> None:
        self.assertEqual(settings.SESSION_ENGINE, "parley.accounts.sessions")
        self.browser()
        self.assertEqual(MemberSession.objects.filter(member=self.member).count(), 1)

    @override_settings(CACHES=DEAD_CACHE)
    def test_logout_ends_the_session_even_when_the_cache_drops_everything(self) -> None:
        client = self.browser()
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.assertEqual(client.get("/account/").status_code, 200)
        client.post("/logout/")
        stolen = Client()
        stolen.cookies[settings.SESSION_COOKIE_NAME] = cookie
        self.assert_logged_out(stolen)
        self.assertFalse(MemberSession.objects.filter(member=self.member).exists())

    def test_log_out_other_sessions_keeps_this_one(self) -> None:
        laptop, phone, tablet = self.browser(), self.browser(), self.browser()
        page = laptop.get("/account/").content.decode()
        self.assertIn("/account/logout-others/", forms_on(page).actions)
        self.assertIn("Log out other sessions", forms_on(page).buttons)
        response = laptop.post("/account/logout-others/", follow=True)
        self.assertContains(response, "Logged out of 2 other sessions.")
        self.assert_logged_out(phone)
        self.assert_logged_out(tablet)
        self.assertEqual(laptop.get("/account/").status_code, 200)
        page = laptop.get("/account/").content.decode()
        self.assertNotIn("Log out other sessions", forms_on(page).buttons)

    def test_a_guest_cannot_log_anyone_out(self) -> None:
        phone = self.browser()
        response = Client().post("/account/logout-others/")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(phone.get("/account/").status_code, 200)

    def test_changing_the_password_ends_the_other_sessions(self) -> None:
        laptop, phone = self.browser(), self.browser()
        new = "an-entirely-new-passphrase"
        response = laptop.post(
            "/account/password/",
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(laptop.get("/account/").status_code, 200)
        self.assert_logged_out(phone)
        self.assertEqual(MemberSession.objects.filter(member=self.member).count(), 1)


class ExpiredSessionTests(TestCase):
    def test_a_session_past_its_expiry_is_no_session(self) -> None:
        from datetime import timedelta

        from django.utils import timezone

        member = make_member("Sol")
        client = Client()
        self.assertTrue(client.login(username="Sol", password=PASSWORD))
        self.assertEqual(client.get("/account/").status_code, 200)
        MemberSession.objects.filter(member=member).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        response = client.get("/account/")
        self.assertEqual(response.status_code, 302)
        self.assertIn(settings.LOGIN_URL, response["Location"])

    def test_the_daily_job_deletes_expired_sessions_only(self) -> None:
        from datetime import timedelta

        from django.utils import timezone

        from parley.accounts.tasks import clear_expired_sessions

        member = make_member("Rowan")
        for client in (Client(), Client()):
            client.login(username="Rowan", password=PASSWORD)
        old = MemberSession.objects.filter(member=member).first()
        MemberSession.objects.filter(pk=old.pk).update(
            expire_date=timezone.now() - timedelta(days=1)
        )
        clear_expired_sessions.call_local()
        self.assertFalse(MemberSession.objects.filter(pk=old.pk).exists())
        self.assertEqual(MemberSession.objects.filter(member=member).count(), 1)
