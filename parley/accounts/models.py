"""Members. One custom user model so profile fields, counters and the time zone live on one row
that every page already loads."""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection
from typing import Any, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.functional import cached_property

from parley.accounts.sessions import SessionStore
from parley.accounts.usernames import (
    MSG_RESERVED,
    USERNAME_MAX_LENGTH,
    is_reserved_username,
    username_key,
    validate_username,
)
from parley.core.slugs import make_slug

TIME_ZONE_CHOICES = sorted(
    (tz, tz) for tz in zoneinfo.available_timezones() if "/" in tz or tz == "UTC"
)


class ColourScheme(models.TextChoices):
    """Light or dark pages: "system" follows the device's setting (prefers-color-scheme), as
    guests' pages always do."""

    SYSTEM = "system", "System"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


def member_url(member_id: int, username: str) -> str:
    """A profile URL from the id and name alone, so listings need not load the member row."""
    return f"{get_script_prefix()}members/{make_slug(username)}.{member_id}/"


class MemberManager(UserManager["Member"]):
    def get_by_natural_key(self, username: str | None) -> Member:
        """The member with exactly this name, else the one whose name folds to the same key
        (so "alice" finds "Alice"). Exact first: after two old names came to share a key, the
        later one's key carries a suffix and only its exact name reaches it."""
        exact = self.filter(username=username or "").first()
        if exact is not None:
            return exact
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
    colour_scheme = models.CharField(
        max_length=6, choices=ColourScheme.choices, default=ColourScheme.SYSTEM
    )
    # "Mark all forums read": every thread older than this counts as read.
    board_read_at = models.DateTimeField(null=True, blank=True)
    # Kept by parley.notifications.services in the transaction that sends or reads alerts: the
    # header badge is read with the member row every page loads, exact in every worker.
    unread_alert_count = models.PositiveIntegerField(default=0, editable=False)
    # When the member proved they read mail at `email` (the link the public registration form
    # sends when PARLEY_EMAIL_CONFIRMATION is on). Empty: the account waits for that link,
    # cannot log in, and is deleted after a few days (accounts.tasks). Every other way of making
    # a member (createadmin, the demo, the admin, services.register_member) makes it confirmed.
    email_confirmed_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    objects = MemberManager()  # type: ignore[misc]

    _stored_username: str | None  # the name as loaded, to tell a rename (never a column)

    class Meta:
        db_table = "parley_member"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["-date_joined"], name="member_newest"),
            # The few accounts still waiting for their confirmation link, for the prune job.
            models.Index(
                fields=["date_joined"],
                condition=models.Q(email_confirmed_at__isnull=True),
                name="member_unconfirmed",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @classmethod
    def from_db(
        cls,
        db: str | None,
        field_names: Collection[str],
        values: Collection[Any],
        **kwargs: Any,  # none in Django 5.2; 6.0 adds fetch_mode
    ) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._stored_username = instance.__dict__.get("username")
        return instance

    def clean(self) -> None:
        super().clean()
        self._check_reserved_name()

    def _check_reserved_name(self) -> None:
        """Reserved names ("Admin", "Moderator", … see usernames.py) are refused to a member
        joining; staff accounts (parley createadmin, the demo's admin) may hold them, and staff
        may rename a member to one in the admin."""
        joining = self._state.adding and not (self.is_staff or self.is_superuser)
        if joining and is_reserved_username(self.username):
            raise ValidationError({"username": MSG_RESERVED}, code="reserved")

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The key is a function of the name, set whenever the name is new or changes, so admin
        # edits stay unique. An unchanged name keeps its stored key: after two old names came
        # to fold alike, the later one's key carries a suffix (usernames.recompute_username_keys).
        self._check_reserved_name()
        if self._state.adding or self.username != getattr(self, "_stored_username", None):
            self.username_key = username_key(self.username)
            if kwargs.get("update_fields") is not None and "username" in kwargs["update_fields"]:
                kwargs["update_fields"] = {*kwargs["update_fields"], "username_key"}
        super().save(*args, **kwargs)
        self._stored_username = self.username

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
        return SessionStore
