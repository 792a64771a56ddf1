"""Log in by username or email address."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet
from django.http import HttpRequest

from parley.accounts.models import Member
from parley.accounts.usernames import username_key
from parley.core.prepared import PreparedQuery


def _member_by_id(values: Mapping[str, Any], shape: None) -> QuerySet[Member]:
    return Member._default_manager.filter(pk=values["member_id"]).order_by()


# The logged-in member, read on every member's request: compiled once per process.
MEMBER_BY_ID = PreparedQuery(Member, _member_by_id)


class NameOrEmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Member | None:
        if not username or password is None:
            return None
        member = member_for_login(username)
        if member is None:
            # Spend the same time as a real check so timing does not reveal which names exist.
            Member().set_password(password)
            return None
        if member.check_password(password) and self.user_can_authenticate(member):
            return member
        return None

    def get_user(self, user_id: Any) -> Member | None:
        """The session's member, as Django's backend finds it (an inactive one is no one)."""
        if not isinstance(user_id, int):
            return super().get_user(user_id)
        member = MEMBER_BY_ID.first(None, member_id=user_id)
        return member if member is not None and self.user_can_authenticate(member) else None


def member_for_login(login: str) -> Member | None:
    """The one member a login (name, look-alike name or email address) names, if any: the same
    answer for authentication and for the login throttle's counters."""
    login = login.strip()
    return _email_member(login) if "@" in login else _named_member(login)


def _email_member(login: str) -> Member | None:
    return Member.objects.filter(email__iexact=login).first()


def _named_member(login: str) -> Member | None:
    """The member with exactly this name, else the one whose name folds to the same key ("alice"
    or "ALICE" for "Alice"; a look-alike such as "AIice" too, which is safe because keys are
    unique: it names that one member, whose password must still match).

    Exact first, and only one member is ever tried: two old names that came to fold alike keep
    the key for the one who joined first and a suffixed key for the other
    (usernames.recompute_username_keys), so the other logs in with their exact name and a
    look-alike never reaches them, nor their name the first one's account."""
    exact = Member.objects.filter(username=login).first()
    if exact is not None:
        return exact
    return Member.objects.filter(username_key=username_key(login)).first()
