"""Every write to members: registration, credentials, preferences, last-seen."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from parley.accounts.models import Member
from parley.accounts.usernames import check_username_free, validate_username

log = logging.getLogger(__name__)


def register_member(
    *,
    username: str,
    email: str,
    password: str,
    time_zone: str = "UTC",
    joined_at: datetime | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> Member:
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
    validate_password(password, member)
    member.set_password(password)
    with transaction.atomic():
        check_username_free(username)
        if Member.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "An account with that email address already exists.", code="email_taken"
            )
        member.save()
        from parley.permissions.services import join_registered

        join_registered(member)
    return member


def register_member_or_notify_owner(
    *,
    username: str,
    email: str,
    password: str,
    time_zone: str = "UTC",
    login_url: str,
    reset_url: str,
) -> Member | None:
    """Registration as the public form does it. An address that already belongs to an account
    is not refused, which would tell anyone which addresses are registered: no account is
    created, the address's owner gets an email ("someone tried to register with your address;
    if it was you, log in or reset your password") and None comes back, for the caller to
    answer without saying which case it was. A taken username is still refused (names are
    public on a forum). `login_url` and `reset_url` are absolute, for the email."""
    try:
        return register_member(
            username=username, email=email, password=password, time_zone=time_zone
        )
    except ValidationError as error:
        if getattr(error, "code", None) != "email_taken":
            raise
    notify_registration_attempt(email=email, login_url=login_url, reset_url=reset_url)
    return None


def notify_registration_attempt(*, email: str, login_url: str, reset_url: str) -> bool:
    """Email the owner of `email` that someone tried to register with it. Silent when there is
    no active owner, when the address had its share of account emails this hour, or when the
    mail server fails (logged): the page shown is the same either way. True if sent."""
    from parley.moderation.abuse_forms import account_email_allowance

    owner = Member.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if owner is None or not account_email_allowance(owner.email).allowed:
        return False
    context = {
        "member": owner,
        "site_name": settings.SITE_NAME,
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


def change_password(*, member: Member, new_password: str, keep_session_key: str = "") -> None:
    """Every other session of the member ends (their old password no longer opens them); the
    one named by `keep_session_key`, the member's own, stays."""
    validate_password(new_password, member)
    with transaction.atomic():
        member.set_password(new_password)
        member.save(update_fields=["password"])
        end_other_sessions(member=member, keep_session_key=keep_session_key)


def end_other_sessions(*, member: Member, keep_session_key: str) -> int:
    """Log the member out everywhere but the session `keep_session_key`: the rows go, so every
    worker refuses those cookies on their next request. Returns how many ended."""
    from parley.accounts.models import MemberSession

    deleted, _ = (
        MemberSession.objects.filter(member=member).exclude(session_key=keep_session_key).delete()
    )
    return deleted


def session_count(member: Member) -> int:
    """Sessions the member is logged in with (expired ones not yet cleared excluded)."""
    from parley.accounts.models import MemberSession

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


def update_preferences(*, member: Member, time_zone: str, is_invisible: bool | None = None) -> None:
    """`is_invisible` None leaves the online-status choice as it is."""
    member.time_zone = time_zone
    fields = ["time_zone"]
    if is_invisible is not None:
        member.is_invisible = is_invisible
        fields.append("is_invisible")
    member.save(update_fields=fields)


def touch_last_seen(*, member: Member, min_interval_seconds: int) -> None:
    """Record activity, at most once per interval so a busy member costs one write, not many."""
    now = timezone.now()
    if member.last_seen_at and now - member.last_seen_at < timedelta(seconds=min_interval_seconds):
        return
    member.last_seen_at = now
    Member.objects.filter(pk=member.pk).update(last_seen_at=now)
