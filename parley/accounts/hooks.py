"""Where the layers above accounts plug into account writes and forms.

accounts sits just above core (ARCHITECTURE.md, "Layers"): it knows no groups, which are
permissions', and none of the defences against account abuse (the login cool-off, the
registration traps, the limit on account emails), which are moderation's. So it declares here
what it calls, and those apps hand in their parts from their `AppConfig.ready()`:

- `provide_member_joined`: called inside the registration transaction once the member row
  exists (permissions puts the member in the Registered group). Default: nothing.
- `provide_account_defences`: an `AccountDefences` whose methods the account forms and services
  call at each step (moderation's subclass, in `moderation/defences.py`). The base class allows
  everything and adds nothing: a board with no defences plugged in.

Each hook has one implementation at a time; a later `provide_*` call replaces the earlier one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest

from parley.accounts.models import Member

MemberJoined = Callable[[Member], None]


class AccountDefences:
    """The questions accounts asks its defences. Every answer here lets the member through."""

    def count_account_email(self, email: str) -> bool:
        """Count one email about an account (a reset link, a registration notice, a confirmation
        link) to `email`. False: send nothing, silently (the page says the same either way, so
        it never tells which addresses are registered)."""
        return True

    def refuse_email_request(self, request: HttpRequest, scope: str) -> str | None:
        """Count one request from this client for an account email (`scope`: "password-reset"
        or "confirm-resend"); the refusal to show the client, or None to go on."""
        return None

    def guard_login(
        self, request: HttpRequest | None, login: str, check: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """Run `check`, the password check of a login attempt naming `login` (a name or an
        address), and return its cleaned data. May refuse, with a ValidationError, before
        checking the password or after a wrong one."""
        return check()

    def registration_fields(self) -> dict[str, forms.Field]:
        """Fields the registration form carries for the defences (traps, tokens), fresh for
        each form shown."""
        return {}

    def check_registration(self, form: forms.Form) -> None:
        """Part of the registration form's `clean()`: refuse by adding a form error."""

    def claim_registration(self, form: forms.Form) -> bool:
        """Once the form is valid, just before the account is made: spend what may be used
        once. False refuses, with the reason added to the form."""
        return True

    def renew_registration(self, form: forms.Form) -> None:
        """The form goes back to the member after a refusal: renew what was spent."""


def _nothing(member: Member) -> None:
    return None


_member_joined: MemberJoined = _nothing
_defences = AccountDefences()


def provide_member_joined(callback: MemberJoined) -> None:
    global _member_joined
    _member_joined = callback


def provide_account_defences(defences: AccountDefences) -> None:
    global _defences
    _defences = defences


def member_joined(member: Member) -> None:
    """Inside the registration transaction, once the member row exists."""
    _member_joined(member)


def account_defences() -> AccountDefences:
    return _defences
