"""Account defences: what the account forms and services ask through their hook and the
account views call, so every rule against abuse of accounts stays in one place (the posting
gate, `moderation.gate`, guards posts):

- registration: a honeypot field, a single-use signed minimum form time, a limit per client;
- emails about an account (reset links, registration notices, confirmation links): a limit per
  address, silent, and a limit per client on the requests that send them;
- login: a cool-off per (account, client), per client and per account, known devices.

accounts sits below moderation and cannot import this module: its forms and services ask
`accounts.hooks.account_defences()`, and `ModerationConfig.ready()` hands in `Defences` (the
methods at the end of this module). The account views, entry points, call the rest directly."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import QueryDict

from parley.accounts.backends import member_for_login
from parley.accounts.hooks import AccountDefences
from parley.accounts.usernames import username_key
from parley.core import knobs, ratelimit
from parley.core.clients import client_ip

log = logging.getLogger(__name__)

# --- Registration: honeypot and minimum form time -----------------------------------------------

_STARTED_SALT = "parley.register.started"
# Older than this, the page was left open for a day: ask for one more submit with a fresh one.
REGISTER_FORM_MAX_AGE_SECONDS = 24 * 60 * 60
HONEYPOT_FIELD = "website"
GENERIC_REFUSAL = "We could not create your account. Please check the form and try again."
TOO_QUICK = "That was quick! Please check the form and submit again."
ALREADY_USED = "This form was already sent once. Please check it and submit it again."
STORE_UNAVAILABLE = "We could not check this form just now. Please submit it again in a minute."
# Spent tokens are remembered in the shared cache ("once across workers"); a token's nonce is
# the key, kept a little longer than the token can be valid.
_USED_PREFIX = "register:started-used:"
_USED_KEEP_SECONDS = REGISTER_FORM_MAX_AGE_SECONDS + 60 * 60


def register_min_seconds() -> int:
    return knobs.REGISTER_MIN_SECONDS.get()


def form_started_token(at: float | None = None) -> str:
    """A signed note of when the registration form was shown (`at`: seconds since the epoch),
    with a random nonce so that each form shown can be spent once (two forms shown in the same
    second get different tokens)."""
    started = int(time.time() if at is None else at)
    return signing.dumps([started, secrets.token_urlsafe(12)], salt=_STARTED_SALT)


def _read_started(token: str) -> tuple[int, str] | None:
    """(shown at, nonce), or None for a missing, forged or malformed token."""
    try:
        value = signing.loads(token, salt=_STARTED_SALT)
    except signing.BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], str)
        and value[1]
    ):
        return value[0], value[1]
    return None


def registration_fields() -> dict[str, forms.Field]:
    """A field only bots fill in, and a signed time the form was shown: a human takes longer
    than PARLEY_REGISTER_MIN_SECONDS to fill it in; a script posting at once does not. The
    time token is single-use (`claim_started`), so one wait cannot be replayed for many
    registrations."""
    return {
        HONEYPOT_FIELD: forms.CharField(
            label="Website",
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        ),
        "started": forms.CharField(
            widget=forms.HiddenInput, required=False, initial=form_started_token()
        ),
    }


def renew_started(form: forms.Form) -> None:
    """Send back a fresh token, dated now. A bound form renders what was submitted; a bad or
    spent token must not be sent back as it came."""
    data = cast("QueryDict", form.data).copy()  # a bound form's data: a QueryDict or a dict
    data[form.add_prefix("started")] = form_started_token()
    form.data = data


def _started_problem(form: forms.Form) -> str | None:
    started = _read_started(form.cleaned_data.get("started") or "")
    if started is None:
        renew_started(form)
        return GENERIC_REFUSAL
    age = time.time() - started[0]
    if age > REGISTER_FORM_MAX_AGE_SECONDS:
        renew_started(form)
        return "This form was open for a long time. Please check it and submit again."
    if age < register_min_seconds():
        return TOO_QUICK  # the same token passes once the member has taken a moment
    return None


def check_registration(form: forms.Form) -> None:
    if form.cleaned_data.get(HONEYPOT_FIELD):
        # Quietly: a generic refusal tells a bot nothing about which trap it walked into.
        form.add_error(None, ValidationError(GENERIC_REFUSAL, code="honeypot"))
    elif problem := _started_problem(form):
        form.add_error(None, ValidationError(problem, code="form_time"))


def claim_started(form: forms.Form) -> bool:
    """Spend the form's time token; call it once the form is valid, before registering.

    The first claim of a token wins in every worker (`cache.add` on the shared cache). A
    token already spent, or a cache that cannot answer (Redis down: `add` says no), refuses:
    False, with the reason added to the form and a fresh token in it."""
    started = _read_started(form.cleaned_data.get("started") or "")
    if started is None:  # is_valid() was not called, or said no
        return False
    key = _USED_PREFIX + started[1]
    try:
        claimed = bool(cache.add(key, 1, timeout=_USED_KEEP_SECONDS))
    except Exception:  # a cache that cannot say "first" must not say "yes"
        log.warning("Could not record a spent registration token", exc_info=True)
        claimed = False
    if claimed:
        return True
    try:
        spent = cache.get(key) is not None
    except Exception:
        spent = False
    form.add_error(None, ValidationError(ALREADY_USED if spent else STORE_UNAVAILABLE))
    renew_started(form)
    return False


def register_ip_allowance(request: Any) -> ratelimit.Allowance:
    """Count one registration attempt from the request's address."""
    return ratelimit.hit(
        ratelimit.ip_key("register", request),
        knobs.REGISTER_ATTEMPTS_PER_IP.get(),
        60 * 60,
    )


def register_refusal(allowance: ratelimit.Allowance) -> str:
    return (
        "Too many registration attempts from your network. "
        f"Please try again in {allowance.retry_after_text}."
    )


# --- Emails about an account: at most a few per address ----------------------------------------

ACCOUNT_EMAIL_WINDOW_SECONDS = 60 * 60


def account_email_allowance(email: str) -> ratelimit.Allowance:
    """Count one account email (a reset link, a registration notice, a confirmation link) to
    `email`. Counted for every request naming the address, whether or not an account uses it;
    callers act on a refusal silently, so the answer never tells anyone which addresses are
    registered."""
    return ratelimit.hit(
        ratelimit.address_key("account-email", email),
        knobs.ACCOUNT_EMAILS_PER_ADDRESS.get(),
        ACCOUNT_EMAIL_WINDOW_SECONDS,
    )


# Per request scope (the form asking), the refusal once a client sent too many requests.
TOO_MANY_EMAIL_REQUESTS = {
    "password-reset": (
        "Too many password reset requests from your network. Please try again in {wait}."
    ),
    "confirm-resend": (
        "Too many requests for a confirmation link from your network. Please try again in {wait}."
    ),
}


def refuse_email_request(request: Any, scope: str) -> str | None:
    """A limit per client on requests that send an account email (password reset requests,
    requests for a new confirmation link), with a clear message: it counts every request, so it
    says nothing about the address typed. The limit per address is `account_email_allowance`,
    silent, counted when an email would go."""
    allowance = ratelimit.hit(
        ratelimit.ip_key(scope, request),
        knobs.RESET_REQUESTS_PER_IP.get(),
        ACCOUNT_EMAIL_WINDOW_SECONDS,
    )
    if allowance.allowed:
        return None
    return TOO_MANY_EMAIL_REQUESTS[scope].format(wait=allowance.retry_after_text)


# --- Login: a cool-off per (account, client), per client, and for known devices ----------------
#
# Modelled on django-axes' "lock out by the combination of username and IP address", plus a
# limit per address. What an attacker's failures can do to the owner:
# - strangers (no device cookie for the account) count per (account, client), per client, and
#   per account over every client (a high limit that caps guessing from many addresses);
# - a known device (the signed `parley_device` cookie set on that browser when the member last
#   logged in, or completed a password reset there) counts only against itself, so nobody
#   else's failures ever refuse it;
# - the account's counters are keyed by a digest of its password hash, so a password reset
#   (or change) starts them afresh for everyone.

DEVICE_COOKIE = "parley_device"
_DEVICE_SALT = "parley.login.device"

TOO_MANY_FROM_NETWORK = "Too many failed attempts from your network. Try again in {wait}."
TOO_MANY_FOR_ACCOUNT = (
    "Too many failed attempts to log in to this account from your network. "
    "Try again in {wait}, or reset your password."
)
TOO_MANY_FROM_EVERYWHERE = (
    "Too many failed attempts to log in to this account from new devices. Try again in "
    "{wait}, log in from a device you have used before, or reset your password."
)
TOO_MANY_FROM_DEVICE = (
    "Too many failed attempts from this device. Try again in {wait}, or reset your password."
)


@dataclass(frozen=True)
class LoginLimits:
    per_account_client: int
    per_client: int
    per_account: int
    window: int


def login_limits() -> LoginLimits:
    return LoginLimits(
        per_account_client=knobs.LOGIN_FAILURES_PER_ACCOUNT.get(),
        per_client=knobs.LOGIN_FAILURES_PER_IP.get(),
        per_account=knobs.LOGIN_FAILURES_PER_ACCOUNT_ALL_CLIENTS.get(),
        window=knobs.LOGIN_COOLOFF_SECONDS.get(),
    )


@dataclass(frozen=True)
class LoginSubject:
    account_key: str  # the prefix of every counter about this account
    member_id: int | None  # None: the login names no one


def login_subject(login: str) -> LoginSubject:
    """Who a login names, however it was typed (name, look-alike name or email address all
    count against the same member). A member's key carries a digest of the password hash, so
    a new password (a completed reset) starts every counter of the account afresh; a login
    naming no one is keyed on what was typed, folded. Hashed either way: the buckets hold no
    one's address or name."""
    login = login.strip()
    member = member_for_login(login)
    if member is not None:
        generation = ratelimit.hashed(f"password:{member.password}")[:12]
        return LoginSubject(f"login:account:{member.pk}:{generation}", member.pk)
    folded = login.lower() if "@" in login else username_key(login)
    return LoginSubject(f"login:account:{ratelimit.hashed(folded)}", None)


def _device_max_age() -> int:
    return knobs.DEVICE_COOKIE_DAYS.get() * 24 * 60 * 60


def known_device(request: Any, member_id: int | None) -> str | None:
    """The device id when the request carries a valid device cookie naming this member."""
    if member_id is None:
        return None
    value = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=_DEVICE_SALT, max_age=_device_max_age()
    )
    named, _, device = (value or "").partition(":")
    return device if device and named == str(member_id) else None


def remember_device(request: Any, response: Any, member: Any) -> None:
    """Mark this browser as a known device of `member` (after a login or a completed reset):
    a long-lived signed cookie naming the member. A browser already known for the member keeps
    its id; one known for someone else now names this member."""
    device = known_device(request, member.pk) or secrets.token_urlsafe(12)
    response.set_signed_cookie(
        DEVICE_COOKIE,
        f"{member.pk}:{device}",
        salt=_DEVICE_SALT,
        max_age=_device_max_age(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


@dataclass(frozen=True)
class LoginCounters:
    checked: list[tuple[str, int, str]]  # (key, limit, message when over it): checked first,
    # then counted should the password be wrong
    cleared_on_success: str  # the attempt's own counter: its (account, client), or its device


def _login_counters(request: Any, login: str, limits: LoginLimits) -> LoginCounters:
    subject = login_subject(login)
    if device := known_device(request, subject.member_id):
        own = f"{subject.account_key}:device:{device}"
        return LoginCounters([(own, limits.per_account_client, TOO_MANY_FROM_DEVICE)], own)
    own = f"{subject.account_key}:ip:{ratelimit.hashed(client_ip(request))}"
    checked = [
        (ratelimit.ip_key("login", request), limits.per_client, TOO_MANY_FROM_NETWORK),
        (own, limits.per_account_client, TOO_MANY_FOR_ACCOUNT),
        (f"{subject.account_key}:all", limits.per_account, TOO_MANY_FROM_EVERYWHERE),
    ]
    return LoginCounters(checked, own)


def guard_login(request: Any, login: str, check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """After too many failed attempts, further attempts are refused without checking the
    password (`check`) until the window ends (see the policy above). A success clears the
    counter of its own (account, client) or device; the per-client and per-account counters run
    their window."""
    if request is None or not login:
        return check()
    limits = login_limits()
    counters = _login_counters(request, login, limits)
    for key, limit, message in counters.checked:
        allowance = ratelimit.peek(key, limit, limits.window)
        if not allowance.allowed:
            raise ValidationError(
                message.format(wait=allowance.retry_after_text), code="rate_limited"
            )
    try:
        data = check()
    except ValidationError as error:
        if getattr(error, "code", None) == "invalid_login":
            for key, limit, _ in counters.checked:
                ratelimit.hit(key, limit, limits.window)
        raise
    ratelimit.reset(counters.cleared_on_success, limits.window)
    return data


# --- What accounts asks, through its hook ---------------------------------------------------


class Defences(AccountDefences):
    """The defences above, as the account forms and services ask for them."""

    def count_account_email(self, email: str) -> bool:
        return account_email_allowance(email).allowed

    def refuse_email_request(self, request: Any, scope: str) -> str | None:
        return refuse_email_request(request, scope)

    def guard_login(
        self, request: Any, login: str, check: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        return guard_login(request, login, check)

    def registration_fields(self) -> dict[str, forms.Field]:
        return registration_fields()

    def check_registration(self, form: forms.Form) -> None:
        check_registration(form)

    def claim_registration(self, form: forms.Form) -> bool:
        return claim_started(form)

    def renew_registration(self, form: forms.Form) -> None:
        renew_started(form)
