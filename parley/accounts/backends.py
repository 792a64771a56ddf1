"""Log in by username or email address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from parley.accounts.models import Member
from parley.accounts.usernames import username_key


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
        login = username.strip()
        lookup = {"email__iexact": login} if "@" in login else {"username_key": username_key(login)}
        member = Member.objects.filter(**lookup).first()
        if member is None:
            # Spend the same time as a real check so timing does not reveal which names exist.
            Member().set_password(password)
            return None
        if member.check_password(password) and self.user_can_authenticate(member):
            return member
        return None
