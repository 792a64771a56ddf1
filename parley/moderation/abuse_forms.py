"""Forms for abuse control: rejecting held content, warnings, bans, the spam cleaner, and the
defences the account forms mix in (registration honeypot and minimum form time, login cool-off).

The account forms live in `parley.accounts.forms`; they take these mixins so every rule about
abuse stays in one place."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from parley.core import ratelimit
from parley.moderation.discipline import WARNING_MAX_POINTS
from parley.moderation.models import REASON_MAX_CHARS

# --- Moderator forms ----------------------------------------------------------------------------


def _reason_field(label: str = "Reason", required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=REASON_MAX_CHARS,
        widget=forms.TextInput(attrs={"maxlength": REASON_MAX_CHARS, "autocomplete": "off"}),
        error_messages={"required": "Please give a reason."},
    )


class RejectForm(forms.Form):
    reason = _reason_field("Reason for rejecting")


DAY_CHOICES_WARN = [
    ("", "Never"),
    ("7", "1 week"),
    ("30", "1 month"),
    ("90", "3 months"),
    ("365", "1 year"),
]


class WarnForm(forms.Form):
    points = forms.IntegerField(
        min_value=0,
        max_value=WARNING_MAX_POINTS,
        initial=1,
        help_text="Points count until the warning expires.",
    )
    reason = _reason_field()
    expires_in = forms.TypedChoiceField(
        label="Expires after",
        choices=DAY_CHOICES_WARN,
        coerce=int,
        empty_value=None,
        required=False,
        initial="30",
    )

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=days) if days else None


BAN_CHOICES = [
    ("1", "1 day"),
    ("3", "3 days"),
    ("7", "1 week"),
    ("14", "2 weeks"),
    ("30", "1 month"),
    ("90", "3 months"),
    ("365", "1 year"),
    ("", "Permanently"),
]


class BanForm(forms.Form):
    length = forms.TypedChoiceField(
        label="Ban for",
        choices=BAN_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        initial="7",
    )
    reason = _reason_field(label="Reason (shown to the member)")

    def ends_at(self) -> datetime | None:
        days = self.cleaned_data.get("length")
        return timezone.now() + timedelta(days=days) if days else None


class LiftBanForm(forms.Form):
    reason = _reason_field(label="Note for the moderator log", required=False)


class SpamCleanForm(forms.Form):
    reason = _reason_field(label="Reason (shown to the member with the ban)")
    confirm = forms.BooleanField(
        label="Yes, remove everything this member posted and ban them permanently",
        error_messages={"required": "Tick the box to confirm."},
    )


# --- Registration: honeypot and minimum form time -----------------------------------------------

_STARTED_SALT = "parley.register.started"
# Older than this, the page was left open for a day: ask for one more submit with a fresh one.
REGISTER_FORM_MAX_AGE_SECONDS = 24 * 60 * 60
HONEYPOT_FIELD = "website"
GENERIC_REFUSAL = "We could not create your account. Please check the form and try again."
TOO_QUICK = "That was quick! Please check the form and submit again."


def register_min_seconds() -> int:
    return int(getattr(settings, "PARLEY_REGISTER_MIN_SECONDS", 3))


def form_started_token(at: float | None = None) -> str:
    """A signed note of when the registration form was shown (`at`: seconds since the epoch)."""
    return signing.dumps(int(time.time() if at is None else at), salt=_STARTED_SALT)


class RegistrationDefenceMixin(forms.Form):
    """A field only bots fill in, and a signed time the form was shown: a human takes longer
    than PARLEY_REGISTER_MIN_SECONDS to fill it in; a script posting at once does not."""

    website = forms.CharField(
        label="Website",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started"].initial = form_started_token()

    def _renew_started(self) -> None:
        # A bound form renders what was submitted; a bad token must not be sent back as it came.
        self.data = self.data.copy()
        self.data[self.add_prefix("started")] = form_started_token()

    def _started_problem(self) -> str | None:
        try:
            started = signing.loads(self.cleaned_data.get("started") or "", salt=_STARTED_SALT)
        except signing.BadSignature:
            self._renew_started()
            return GENERIC_REFUSAL
        age = time.time() - started if isinstance(started, int) else -1.0
        if age > REGISTER_FORM_MAX_AGE_SECONDS:
            self._renew_started()
            return "This form was open for a long time. Please check it and submit again."
        if age < register_min_seconds():
            return TOO_QUICK  # the same token passes once the member has taken a moment
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.cleaned_data.get(HONEYPOT_FIELD):
            # Quietly: a generic refusal tells a bot nothing about which trap it walked into.
            self.add_error(None, ValidationError(GENERIC_REFUSAL, code="honeypot"))
        elif problem := self._started_problem():
            self.add_error(None, ValidationError(problem, code="form_time"))
        return data


def register_ip_allowance(request: Any) -> ratelimit.Allowance:
    """Count one registration attempt from the request's address."""
    return ratelimit.hit(
        ratelimit.ip_key("register", request),
        int(getattr(settings, "PARLEY_REGISTER_ATTEMPTS_PER_IP", 20)),
        60 * 60,
    )


def register_refusal(allowance: ratelimit.Allowance) -> str:
    return (
        "Too many registration attempts from your network. "
        f"Please try again in {allowance.retry_after_text}."
    )


# --- Login: a cool-off per account and per address ----------------------------------------------


def _login_settings() -> tuple[int, int, int]:
    return (
        int(getattr(settings, "PARLEY_LOGIN_FAILURES_PER_ACCOUNT", 5)),
        int(getattr(settings, "PARLEY_LOGIN_FAILURES_PER_IP", 20)),
        int(getattr(settings, "PARLEY_LOGIN_COOLOFF_SECONDS", 10 * 60)),
    )


def login_account_key(login: str) -> str:
    """The limit's key for an account, however it was named (name, look-alike name or email
    address all count against the same member); a login naming no one is keyed on what was
    typed, folded. Hashed either way, so the buckets hold no one's address."""
    from parley.accounts.models import Member
    from parley.accounts.usernames import username_key

    login = login.strip()
    lookup = {"email__iexact": login} if "@" in login else {"username_key": username_key(login)}
    member_id = Member.objects.filter(**lookup).values_list("pk", flat=True).first()
    if member_id is not None:
        return f"login:account:{member_id}"
    folded = login.lower() if "@" in login else username_key(login)
    return f"login:account:{ratelimit.hashed(folded)}"


class LoginThrottleMixin(forms.Form):
    """After too many failed attempts for one account (or from one address), further attempts
    are refused without checking the password until the window ends: a cool-off that slows
    guessing without locking the real owner out for long. A success clears the account's count.

    Needs `self.request` (Django's AuthenticationForm keeps it)."""

    TOO_MANY = "Too many failed attempts. Try again in {wait}."

    def clean(self) -> dict[str, Any]:
        request = getattr(self, "request", None)
        login = self.cleaned_data.get("username") or ""
        if request is None or not login:
            return super().clean()
        per_account, per_ip, window = _login_settings()
        account = login_account_key(login)
        address = ratelimit.ip_key("login", request)
        for key, limit in ((account, per_account), (address, per_ip)):
            allowance = ratelimit.peek(key, limit, window)
            if not allowance.allowed:
                raise ValidationError(
                    self.TOO_MANY.format(wait=allowance.retry_after_text), code="rate_limited"
                )
        try:
            data = super().clean()
        except ValidationError as error:
            if getattr(error, "code", None) == "invalid_login":
                ratelimit.hit(account, per_account, window)
                ratelimit.hit(address, per_ip, window)
            raise
        ratelimit.reset(account, window)
        return data
