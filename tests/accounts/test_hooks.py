"""The account layer's hooks (`accounts.hooks`): permissions puts new members in their group and
moderation defends the account forms, plugged in at start-up; without them, accounts still
register and log members in (no group, no traps, no limits)."""

from __future__ import annotations

from unittest import mock

from django.test import RequestFactory, TestCase

from parley.accounts import hooks, services
from parley.accounts.forms import LoginForm, RegisterForm
from parley.moderation import defences
from parley.permissions.services import join_registered
from tests.world import PASSWORD, make_member


class PluggedInTests(TestCase):
    def test_permissions_and_moderation_provide_the_account_hooks(self) -> None:
        self.assertIs(hooks._member_joined, join_registered)
        self.assertIsInstance(hooks.account_defences(), defences.Defences)

    def test_the_registration_form_carries_moderation_traps(self) -> None:
        self.assertLessEqual({"website", "started"}, set(RegisterForm().fields))


class DefaultsTests(TestCase):
    def setUp(self) -> None:
        self.enterContext(mock.patch.object(hooks, "_member_joined", hooks._nothing))
        self.enterContext(mock.patch.object(hooks, "_defences", hooks.AccountDefences()))

    def test_a_member_registers_in_no_group(self) -> None:
        member = services.register_member(
            username="Plain", email="plain@example.org", password=PASSWORD
        )
        self.assertFalse(member.groups.exists())

    def test_the_registration_form_has_no_traps(self) -> None:
        form = RegisterForm(
            {"username": "Plain", "email": "plain@example.org", "password": PASSWORD}
        )
        self.assertEqual(set(form.fields), {"username", "email", "password", "time_zone"})
        self.assertTrue(form.is_valid(), form.errors)
        self.assertTrue(form.claim())

    def test_login_checks_the_password_alone(self) -> None:
        make_member("Plain")
        request = RequestFactory().post("/login/")
        wrong = LoginForm(request, {"username": "Plain", "password": "wrong"})
        self.assertFalse(wrong.is_valid())
        right = LoginForm(request, {"username": "Plain", "password": PASSWORD})
        self.assertTrue(right.is_valid(), right.errors)
