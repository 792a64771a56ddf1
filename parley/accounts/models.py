"""Members. One custom user model so profile fields, counters and the time zone live on one row
that every page already loads."""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.urls import get_script_prefix
from django.utils.functional import cached_property

from parley.accounts.usernames import validate_username
from parley.core.slugs import make_slug

USERNAME_MAX_LENGTH = 50
TIME_ZONE_CHOICES = sorted(
    (tz, tz) for tz in zoneinfo.available_timezones() if "/" in tz or tz == "UTC"
)


def member_url(member_id: int, username: str) -> str:
    """A profile URL from the id and name alone, so listings need not load the member row."""
    return f"{get_script_prefix()}members/{make_slug(username)}.{member_id}/"


class MemberManager(UserManager["Member"]):
    def get_by_natural_key(self, username: str | None) -> Member:
        from parley.accounts.usernames import username_key

        return self.get(username_key=username_key(username or ""))


class Member(AbstractUser):
    username = models.CharField(
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        validators=[validate_username],
        error_messages={"unique": "That username is already taken."},
    )
    # Folded form of the username (case, width, confusable look-alikes) that must be unique, so
    # "Admin", "ADMIN" and "Αdmin" (Greek Alpha) cannot coexist.
    username_key = models.CharField(max_length=USERNAME_MAX_LENGTH * 2, unique=True, editable=False)
    email = models.EmailField("email address", unique=True)
    custom_title = models.CharField(max_length=50, blank=True)
    # The user title of the member's top group, kept by permissions.services when groups change
    # so a page of posts never looks groups up per author.
    group_title = models.CharField(max_length=50, blank=True, editable=False)
    message_count = models.PositiveIntegerField(default=0)
    time_zone = models.CharField(max_length=64, default="UTC")  # validated by forms
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Counted as a member online but not named, as in XenForo.
    is_invisible = models.BooleanField("hide my online status", default=False)
    # "Mark all forums read": every thread older than this counts as read.
    board_read_at = models.DateTimeField(null=True, blank=True)
    # Kept by parley.notifications.services in the transaction that sends or reads alerts: the
    # header badge is read with the member row every page loads, exact in every worker.
    unread_alert_count = models.PositiveIntegerField(default=0, editable=False)

    objects = MemberManager()  # type: ignore[misc]

    class Meta:
        db_table = "parley_member"
        ordering = ["id"]
        indexes = [models.Index(fields=["-date_joined"], name="member_newest")]

    def __str__(self) -> str:
        return self.username

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # The key is a pure function of the name; keeping it here means admin edits stay unique.
        from parley.accounts.usernames import username_key

        self.username_key = username_key(self.username)
        if kwargs.get("update_fields") is not None and "username" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "username_key"}
        super().save(*args, **kwargs)

    @cached_property
    def slug(self) -> str:
        return make_slug(self.username)

    def get_absolute_url(self) -> str:
        return member_url(self.pk, self.username)

    @property
    def initial(self) -> str:
        return (self.username[:1] or "?").upper()


class MemberSession(AbstractBaseSession):
    """Django's database session, plus the member it belongs to, so "log out other sessions"
    and a password change can end a member's sessions in one DELETE (see sessions.py)."""

    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        db_table = "parley_session"

    @classmethod
    def get_session_store_class(cls) -> type:
        from parley.accounts.sessions import SessionStore

        return SessionStore
