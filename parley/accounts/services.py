"""Every write to members: registration, email confirmation, credentials, preferences,
last-seen."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac

from parley.accounts import hooks
from parley.accounts.models import ColourScheme, Member, MemberSession
from parley.accounts.usernames import (
    MSG_LOOKALIKE,
    MSG_TAKEN,
    same_name,
    username_key,
    validate_not_reserved,
    validate_username,
)
from parley.core import knobs, page_cache

log = logging.getLogger(__name__)


def check_username_free(name: str, *, exclude_pk: int | None = None) -> None:
    """Refuse a name whose key an existing member holds, saying whether it is the same name
    (in another case or width) or a look-alike of it."""
    holders = Member.objects.filter(username_key=username_key(name))
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    existing = holders.values_list("username", flat=True).first()
    if existing is None:
        return
    if same_name(existing, name):
        raise ValidationError(MSG_TAKEN, code="taken")
    raise ValidationError(MSG_LOOKALIKE, code="lookalike")


def validate_chosen_username(name: str, *, exclude_pk: int | None = None) -> None:
    """Everything a member choosing a name is told, most useful first: whether it is, or looks
    like, a member's name (what a spoof in other letters or hidden characters is after), then
    the rules, then reserved names."""
    check_username_free(name, exclude_pk=exclude_pk)
    validate_username(name)
    validate_not_reserved(name)


def register_member(
    *,
    username: str,
    email: str,
    password: str,
    time_zone: str = "UTC",
    joined_at: datetime | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    email_confirmed: bool = True,
) -> Member:
    """A new member, confirmed (able to log in) unless `email_confirmed` is False: the public
    registration form's accounts wait for their confirmation link (see
    `register_member_or_notify_owner`); createadmin, the demo and tests make confirmed ones."""
    username = " ".join(username.split())
    validate_username(username)
    email = Member.objects.normalize_email(email.strip())
    member = Member(
        username=username,
        email=email,
        time_zone=time_zone,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if joined_at is not None:
        member.date_joined = joined_at
    member.email_confirmed_at = member.date_joined if email_confirmed else None
    validate_password(password, member)
    member.set_password(password)
    with transaction.atomic():
        check_username_free(username)
        if Member.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "An account with that email address already exists.", code="email_taken"
            )
        member.save()
        hooks.member_joined(member)  # permissions: the Registered group
    return member


def email_confirmation_on() -> bool:
    """Whether the registration form asks new members to confirm their address before they can
    log in. `PARLEY_EMAIL_CONFIRMATION` decides; unset, it is on when the board sends real
    email (SMTP) and off with the console backend of a local install, where no newcomer could
    read the link (there a new address logs in at once, which tells registered ones apart)."""
    sends_mail = settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    return bool(getattr(settings, "PARLEY_EMAIL_CONFIRMATION", sends_mail))


def register_member_or_notify_owner(
    *,
    username: str,
    email: str,
    password: str,
    time_zone: str = "UTC",
    login_url: str,
    reset_url: str,
    confirm_url: Callable[[str], str],
) -> Member | None:
    """Registration as the public form does it. An address that already belongs to an account
    (confirmed or still waiting for its link) is not refused, which would tell anyone which
    addresses are registered: no account is created and the address's owner gets an email
    ("someone tried to register with your address; if it was you, log in or reset your
    password"). A taken username is still refused (names are public on a forum).

    With email confirmation on (`email_confirmation_on`), a new address gets an account that
    cannot log in yet and an email with its confirmation link: the registrant sees the same
    "we sent you a message" either way. Returns the member only when it may log in now
    (confirmation off and a new address); None means "tell them to check their email".
    `login_url` and `reset_url` are absolute, for the email; `confirm_url(token)` makes the
    absolute address of a confirmation link."""
    confirming = email_confirmation_on()
    try:
        member = register_member(
            username=username,
            email=email,
            password=password,
            time_zone=time_zone,
            email_confirmed=not confirming,
        )
    except ValidationError as error:
        if getattr(error, "code", None) != "email_taken":
            raise
        notify_registration_attempt(email=email, login_url=login_url, reset_url=reset_url)
        return None
    if not confirming:
        return member
    if hooks.account_defences().count_account_email(member.email):
        send_confirmation_link(member, confirm_url=confirm_url)
    return None


def notify_registration_attempt(*, email: str, login_url: str, reset_url: str) -> bool:
    """Email the owner of `email` that someone tried to register with it. Silent when there is
    no active owner, when the address had its share of account emails this hour, or when the
    mail server fails (logged): the page shown is the same either way. True if sent."""
    owner = Member.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if owner is None or not hooks.account_defences().count_account_email(owner.email):
        return False
    context = {
        "member": owner,
        "site_name": knobs.SITE_NAME.get(),
        "login_url": login_url,
        "reset_url": reset_url,
    }
    subject = render_to_string("accounts/registration_attempt_subject.txt", context)
    body = render_to_string("accounts/registration_attempt_email.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [owner.email])
    except Exception:  # a failure must not show on the page, where it would name the address
        log.exception("Could not send the registration notice to member %s", owner.pk)
        return False
    return True


# --- Email confirmation -------------------------------------------------------------------------
#
# A link names the member and a fingerprint of the account as it waits for confirmation (its
# address, when it joined, and `email_confirmed_at` being empty), signed with a timestamp. It
# works for CONFIRMATION_DAYS, and only while the account still waits: confirming sets
# `email_confirmed_at`, so the same link is refused afterwards. Accounts that never confirm are
# deleted once their CONFIRMATION_DAYS are over (tasks.prune_unconfirmed_members), so the link
# and the account end together and a stranger cannot hold someone's address for long.

CONFIRMATION_DAYS = 3
CONFIRMATION_SECONDS = CONFIRMATION_DAYS * 24 * 60 * 60
_CONFIRM_SALT = "parley.accounts.confirm-email"


def _confirmation_fingerprint(member: Member) -> str:
    confirmed = member.email_confirmed_at.isoformat() if member.email_confirmed_at else ""
    joined = int(member.date_joined.timestamp())
    value = f"{member.pk}:{member.email.lower()}:{joined}:{confirmed}"
    return salted_hmac(_CONFIRM_SALT, value).hexdigest()[:20]


def confirmation_token(member: Member) -> str:
    """The token of `member`'s confirmation link (URL-safe)."""
    return signing.TimestampSigner(salt=_CONFIRM_SALT).sign_object(
        [member.pk, _confirmation_fingerprint(member)]
    )


def confirmation_deadline(member: Member) -> datetime:
    """When an unconfirmed account's links stop working and the account is deleted."""
    return member.date_joined + timedelta(seconds=CONFIRMATION_SECONDS)


def _waiting_for_confirmation(now: datetime | None = None) -> QuerySet[Member]:
    """Active accounts still waiting for their link, and still within their days to confirm."""
    now = now or timezone.now()
    return Member.objects.filter(
        is_active=True,
        email_confirmed_at__isnull=True,
        date_joined__gt=now - timedelta(seconds=CONFIRMATION_SECONDS),
    )


def member_for_confirmation(token: str) -> Member | None:
    """The member a confirmation token names, if the token is genuine, not older than
    CONFIRMATION_DAYS, and the account still waits for exactly this confirmation."""
    try:
        value = signing.TimestampSigner(salt=_CONFIRM_SALT).unsign_object(
            token, max_age=CONFIRMATION_SECONDS
        )
    except signing.BadSignature:  # forged, mangled or expired (SignatureExpired is one)
        return None
    if not (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], str)
    ):
        return None
    member = _waiting_for_confirmation().filter(pk=value[0]).first()
    if member is None or _confirmation_fingerprint(member) != value[1]:
        return None
    return member


def confirm_email(*, token: str) -> Member | None:
    """Confirm the address a link was sent to: the member it names (now able to log in), or
    None for a bad, expired or already used link. Two clicks at once confirm once: the second
    finds the account confirmed and gets None."""
    member = member_for_confirmation(token)
    if member is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        confirmed = Member.objects.filter(pk=member.pk, email_confirmed_at__isnull=True).update(
            email_confirmed_at=now
        )
    if not confirmed:
        return None
    member.email_confirmed_at = now
    return member


def confirm_email_by_reset(*, member: Member) -> None:
    """A completed password reset proves the member reads mail at their address, as a
    confirmation link would: an account still waiting for its link counts as confirmed."""
    with transaction.atomic():
        Member.objects.filter(pk=member.pk, email_confirmed_at__isnull=True).update(
            email_confirmed_at=timezone.now()
        )


def send_confirmation_link(member: Member, *, confirm_url: Callable[[str], str]) -> bool:
    """Email `member` a confirmation link (the caller has counted it against the address's
    account emails). A mail server failure is logged, never shown: the page is the same either
    way, and the member can ask for a new link. True if sent."""
    context = {
        "member": member,
        "site_name": knobs.SITE_NAME.get(),
        "confirm_url": confirm_url(confirmation_token(member)),
        "deadline": confirmation_deadline(member),
        "days": CONFIRMATION_DAYS,
    }
    subject = render_to_string("accounts/confirm_email_subject.txt", context)
    body = render_to_string("accounts/confirm_email.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [member.email])
    except Exception:  # the page must not differ, or it would tell the address has an account
        log.exception("Could not send the confirmation link to member %s", member.pk)
        return False
    return True


def resend_confirmation_link(*, email: str, confirm_url: Callable[[str], str]) -> bool:
    """Send a new confirmation link to the account waiting for one at `email`, if there is one.
    Counted against the address's account emails first, whether or not an account uses it, and
    silent either way: the caller answers the same whatever happened. True if sent."""
    email = email.strip()
    if not hooks.account_defences().count_account_email(email):
        return False
    member = _waiting_for_confirmation().filter(email__iexact=email).first()
    if member is None:
        return False
    return send_confirmation_link(member, confirm_url=confirm_url)


def prune_unconfirmed_members(now: datetime | None = None) -> int:
    """Delete the accounts that did not confirm their address within CONFIRMATION_DAYS (they
    never logged in, so nothing of theirs is lost), freeing the address and the name. Returns
    how many went."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=CONFIRMATION_SECONDS)
    with transaction.atomic():
        _, deleted = Member.objects.filter(
            email_confirmed_at__isnull=True, date_joined__lte=cutoff
        ).delete()
    count = deleted.get(Member._meta.label, 0)
    if count:
        log.info("Deleted %s account(s) that never confirmed their email address", count)
    return count


def change_password(*, member: Member, new_password: str, keep_session_key: str = "") -> None:
    """Every other session of the member ends (their old password no longer opens them); the
    one named by `keep_session_key`, the member's own, stays."""
    validate_password(new_password, member)
    with transaction.atomic():
        member.set_password(new_password)
        member.save(update_fields=["password"])
        end_other_sessions(member=member, keep_session_key=keep_session_key)


def set_member_password(*, member: Member, password: str | None) -> None:
    """An administrator sets a member's password, or with None removes it (no password login
    until a reset or an administrator sets one). Every session of the member ends, as after a
    password change: whoever held one must log in with the new password."""
    if password is not None:
        validate_password(password, member)
    with transaction.atomic():
        if password is None:
            member.set_unusable_password()
        else:
            member.set_password(password)
        member.save(update_fields=["password"])
        end_other_sessions(member=member, keep_session_key="")


def end_other_sessions(*, member: Member, keep_session_key: str) -> int:
    """Log the member out everywhere but the session `keep_session_key`: the rows go, so every
    worker refuses those cookies on their next request. Returns how many ended."""
    deleted, _ = (
        MemberSession.objects.filter(member=member).exclude(session_key=keep_session_key).delete()
    )
    return deleted


def session_count(member: Member) -> int:
    """Sessions the member is logged in with (expired ones not yet cleared excluded)."""
    return MemberSession.objects.filter(member=member, expire_date__gt=timezone.now()).count()


def change_email(*, member: Member, email: str) -> None:
    email = Member.objects.normalize_email(email.strip())
    with transaction.atomic():
        if Member.objects.filter(email__iexact=email).exclude(pk=member.pk).exists():
            raise ValidationError(
                "An account with that email address already exists.", code="email_taken"
            )
        member.email = email
        member.save(update_fields=["email"])


def update_preferences(
    *,
    member: Member,
    time_zone: str,
    is_invisible: bool | None = None,
    colour_scheme: str | None = None,
) -> None:
    """`is_invisible` or `colour_scheme` None leaves that choice as it is. `colour_scheme` is a
    `ColourScheme` value ("system", "light" or "dark")."""
    if colour_scheme is not None and colour_scheme not in ColourScheme.values:
        raise ValueError(f"Unknown colour scheme {colour_scheme!r}")
    member.time_zone = time_zone
    fields = ["time_zone"]
    if is_invisible is not None:
        member.is_invisible = is_invisible
        fields.append("is_invisible")
    if colour_scheme is not None:
        member.colour_scheme = colour_scheme
        fields.append("colour_scheme")
    member.save(update_fields=fields)


def touch_last_seen(*, member: Member, min_interval_seconds: int) -> None:
    """Record activity, at most once per interval so a busy member costs one write, not many."""
    now = timezone.now()
    if member.last_seen_at and now - member.last_seen_at < timedelta(seconds=min_interval_seconds):
        return
    member.last_seen_at = now
    with page_cache.unseen_by_guests():  # shown on profiles, which are not kept for guests
        Member.objects.filter(pk=member.pk).update(last_seen_at=now)
