"""Registering, logging in and out, password reset and account settings, as a person does it."""

from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta

from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from parley.accounts.models import Member
from parley.forums import services
from tests.accounts.helpers import register_form_data
from tests.world import PASSWORD, build_world, make_member


class RegisterTests(TestCase):
    def test_register_logs_the_member_in(self) -> None:
        response = self.client.post(
            "/register/",
            register_form_data(
                **{
                    "username": "Newcomer",
                    "email": "new@example.org",
                    "password": PASSWORD,
                    "time_zone": "Europe/Paris",
                }
            ),
            follow=True,
        )
        self.assertContains(response, "Welcome, Newcomer!")
        member = Member.objects.get(username="Newcomer")
        self.assertEqual(member.time_zone, "Europe/Paris")
        self.assertTrue(member.password.startswith("md5$") or member.password.startswith("argon2"))
        self.assertContains(response, "Log out")

    def test_look_alike_usernames_are_refused(self) -> None:
        make_member("Harbourmaster")
        cases = {
            "harbourmaster": "already taken",
            "HARBOURMASTER": "already taken",
            "Harbourrnaster": "looks too much like",  # r+n for m
            "\u0397arbourmaster": "looks too much like",  # a Greek capital Eta
        }
        for i, (name, message) in enumerate(cases.items()):
            response = self.client.post(
                "/register/",
                register_form_data(
                    **{"username": name, "email": f"{i}x@example.org", "password": PASSWORD}
                ),
            )
            self.assertContains(response, message, msg_prefix=name)
        self.assertEqual(Member.objects.count(), 1)

    def test_weak_password_and_bad_fields_keep_the_input(self) -> None:
        response = self.client.post(
            "/register/",
            register_form_data(**{"username": "Carol", "email": "not-an-email", "password": "123"}),
        )
        self.assertContains(response, "Enter a valid email address.")
        self.assertContains(response, "This password is too short")
        self.assertContains(response, 'value="Carol"')
        self.assertFalse(Member.objects.filter(username="Carol").exists())

    def test_bad_username_characters(self) -> None:
        response = self.client.post(
            "/register/",
            register_form_data(
                **{"username": "<b>x</b>", "email": "b@example.org", "password": PASSWORD}
            ),
        )
        self.assertContains(response, "Use letters, digits")

    # A registered email address is not refused (that would reveal it): see
    # tests/accounts/test_account_abuse.py.


class LoginTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.member = make_member("Eve")

    def test_log_in_by_name_or_email_and_out(self) -> None:
        for login in ("Eve", "eve", "eve@example.org"):
            client = Client()
            response = client.post("/login/", {"username": login, "password": PASSWORD})
            self.assertEqual(response.status_code, 302, login)
            home = client.get("/").content.decode()
            self.assertIn("Log out", home)
            client.post("/logout/")
            self.assertIn("Log in", client.get("/").content.decode())

    def test_wrong_password_says_so(self) -> None:
        response = self.client.post("/login/", {"username": "Eve", "password": "nope"})
        self.assertContains(response, "Incorrect username, email or password.")

    def test_login_redirects_to_next_but_never_offsite(self) -> None:
        response = self.client.post(
            "/login/?next=/whats-new/",
            {"username": "Eve", "password": PASSWORD, "next": "/whats-new/"},
        )
        self.assertEqual(response["Location"], "/whats-new/")
        client = Client()
        response = client.post(
            "/login/",
            {"username": "Eve", "password": PASSWORD, "next": "https://evil.example.com/"},
        )
        self.assertEqual(response["Location"], "/")

    def test_session_cookie_is_httponly_and_lax(self) -> None:
        response = self.client.post("/login/", {"username": "Eve", "password": PASSWORD})
        cookie = response.cookies["sessionid"]
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")


class PasswordResetTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.member = make_member("Frank")

    def test_reset_by_email_end_to_end(self) -> None:
        response = self.client.post("/lost-password/", {"email": "frank@example.org"}, follow=True)
        self.assertContains(response, "Check your email")
        self.assertEqual(len(mail.outbox), 1)
        link = re.search(r"http://testserver(/lost-password/\S+/)", mail.outbox[0].body).group(1)
        form_page = self.client.get(link, follow=True)
        set_url = form_page.redirect_chain[-1][0]
        response = self.client.post(
            set_url,
            {"new_password1": "a-brand-new-secret-9", "new_password2": "a-brand-new-secret-9"},
            follow=True,
        )
        self.assertContains(response, "Your new password is set.")
        self.assertTrue(Client().login(username="Frank", password="a-brand-new-secret-9"))

    def test_unknown_email_sends_nothing_but_says_the_same(self) -> None:
        response = self.client.post("/lost-password/", {"email": "nobody@example.org"}, follow=True)
        self.assertContains(response, "Check your email")
        self.assertEqual(len(mail.outbox), 0)


class AccountSettingsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.member = make_member("Grace")
        make_member("Heidi")

    def setUp(self) -> None:
        self.client.force_login(self.member)

    def test_change_password(self) -> None:
        response = self.client.post(
            "/account/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "another-long-secret-7",
                "new_password2": "another-long-secret-7",
            },
            follow=True,
        )
        self.assertContains(response, "Your password was changed.")
        self.assertIn("Log out", self.client.get("/").content.decode())  # still logged in
        self.assertTrue(Client().login(username="Grace", password="another-long-secret-7"))

    def test_change_email_needs_password_and_a_free_address(self) -> None:
        response = self.client.post(
            "/account/email/", {"email": "heidi@example.org", "password": PASSWORD}
        )
        self.assertContains(response, "already exists")
        response = self.client.post(
            "/account/email/", {"email": "grace@new.example.org", "password": "wrong"}
        )
        self.assertContains(response, "Your current password is not correct.")
        self.client.post(
            "/account/email/", {"email": "grace@new.example.org", "password": PASSWORD}
        )
        self.assertEqual(Member.objects.get(pk=self.member.pk).email, "grace@new.example.org")

    def test_time_zone_changes_how_times_render(self) -> None:
        self.client.post("/account/", {"form": "prefs", "time_zone": "Asia/Tokyo"})
        self.assertEqual(Member.objects.get(pk=self.member.pk).time_zone, "Asia/Tokyo")
        self.assertEqual(
            self.client.post("/account/", {"form": "prefs", "time_zone": "Mars/Base"}).status_code,
            200,
        )
        self.assertEqual(Member.objects.get(pk=self.member.pk).time_zone, "Asia/Tokyo")


class ProfileTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_profile_shows_facts_and_recent_posts(self) -> None:
        alice = Member.objects.get(pk=self.w.member.pk)
        response = self.client.get(alice.get_absolute_url())
        self.assertContains(response, "Alice")
        self.assertContains(response, "Joined")
        self.assertContains(response, "Last seen")
        self.assertContains(response, f"<dd>{alice.message_count}</dd>", html=False)
        self.assertContains(response, "Harbour bridge closed after storm")

    def test_profile_url_is_xenforo_shaped_and_slug_is_cosmetic(self) -> None:
        alice = self.w.member
        self.assertEqual(alice.get_absolute_url(), f"/members/alice.{alice.pk}/")
        response = self.client.get(f"/members/someone.{alice.pk}/")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(self.client.get("/members/x.999999/").status_code, 404)

    def test_member_time_zone_applies_to_post_times(self) -> None:
        Member.objects.filter(pk=self.w.other.pk).update(time_zone="Pacific/Kiritimati")  # UTC+14
        old = services.reply_to_thread(
            actor=self.w.member,
            thread=self.w.short_thread,
            body="old one",
            now=timezone.now() - timedelta(days=30),
        )
        self.client.force_login(Member.objects.get(pk=self.w.other.pk))
        html = self.client.get(f"/posts/{old.pk}/", follow=True).content.decode()
        self.assertIn(old.created_at.isoformat(), html)
        local = timezone.localtime(old.created_at, timezone=zoneinfo.ZoneInfo("Pacific/Kiritimati"))
        self.assertIn(f"{local:%b} {local.day}, {local.year} at", html)


class InvisibleMemberProfileTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        Member.objects.filter(pk=cls.w.member.pk).update(
            is_invisible=True, last_seen_at=timezone.now()
        )

    def test_last_seen_is_hidden_for_invisible_members_except_to_themselves_and_staff(self) -> None:
        url = self.w.member.get_absolute_url()
        self.assertNotContains(self.client.get(url), "Last seen")
        self.client.force_login(self.w.other)
        self.assertNotContains(self.client.get(url), "Last seen")
        self.client.force_login(self.w.member)
        self.assertContains(self.client.get(url), "Last seen")
        self.client.force_login(self.w.moderator)
        self.assertContains(self.client.get(url), "Last seen")
