"""What every subject's questions stand on: who the reader is, what their groups grant them per
forum, their ban, and the one way a "no" becomes a response.

Nothing here queries once the cached grants are loaded (`for_member`): a question costs no query.

Refusals all go through `_ensure` (or `_refuse` where the caller needs the type narrowed), which
decides the status in one place:
- 404 when the thing must stay invisible to this reader (`hidden=True`): missing and forbidden
  look the same, so a refusal never confirms that a private thread or a report exists;
- 403 with the reason otherwise: the reader sees the thing and is told why they may not act.
A banned member reads but acts on nothing; `_ensure_not_banned` says so, with the ban's end."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, NoReturn, Self

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from parley.core import stamps
from parley.permissions.grants import (
    BanFacts,
    Grants,
    grants_for,
    guests_group_id,
    member_facts,
)
from parley.permissions.registry import ADMINISTRATORS, MODERATE

if TYPE_CHECKING:
    from parley.accounts.models import Member


class PermsBase:
    """A reader's permissions for one request."""

    def __init__(
        self,
        member: Member | None,
        grants: Grants,
        moderated_forum_ids: frozenset[int] = frozenset(),
        is_admin: bool = False,
        ban: BanFacts | None = None,
        stamps: Mapping[str, int] | None = None,
    ) -> None:
        self.member = member
        self.grants = grants
        self.moderated_forum_ids = moderated_forum_ids  # as a per-forum moderator
        self.is_admin = is_admin
        self._ban = ban
        # The version stamps this request read, for caches keyed by them (badges).
        self.stamps: Mapping[str, int] = stamps or {}

    @classmethod
    def for_member(cls, member: Member | None, current: Mapping[str, int] | None = None) -> Self:
        """`current`: the stamps read for this request (read here when not given)."""
        current = stamps.read_all() if current is None else current
        stamp = stamps.value(current, stamps.PERMS)
        if member is None or not member.is_authenticated or not member.is_active:
            guests = guests_group_id(stamp)
            table = grants_for(frozenset([guests] if guests else []), stamp)
            return cls(None, table, stamps=current)
        facts = member_facts(member.pk, stamp)
        table = grants_for(facts.group_ids, stamp)
        is_admin = member.is_superuser or ADMINISTRATORS in table.group_names
        return cls(member, table, facts.moderated_forum_ids, is_admin, facts.ban, current)

    # --- Facts about the reader -----------------------------------------------------------------

    @property
    def is_member(self) -> bool:
        return self.member is not None

    @property
    def member_id(self) -> int | None:
        return self.member.pk if self.member is not None else None

    @property
    def ban(self) -> BanFacts | None:
        """The member's active ban: they can log in and read, but not post or report."""
        if self._ban is None or (self._ban.ends_at and self._ban.ends_at <= timezone.now()):
            return None
        return self._ban

    @property
    def can_act(self) -> bool:
        """A member who is not banned (guests and banned members write nothing)."""
        return self.member is not None and self.ban is None

    def has(self, permission: str, forum_id: int) -> bool:
        if self.is_admin or forum_id in self.moderated_forum_ids:
            return forum_id in self.grants.parents
        return self.grants.has(permission, forum_id)

    def forums_with(self, permission: str) -> frozenset[int]:
        found = self._forums.get(permission)
        if found is None:
            found = frozenset(f for f in self.grants.parents if self.has(permission, f))
            self._forums[permission] = found
        return found

    @cached_property
    def _forums(self) -> dict[str, frozenset[int]]:
        return {}

    @property
    def is_moderator(self) -> bool:
        """Moderates somewhere (for the report badge and moderator pages)."""
        return bool(self.forums_with(MODERATE))

    # --- Refusing -------------------------------------------------------------------------------

    def _refuse(self, reason: str, *, hidden: bool = False) -> NoReturn:
        if hidden:
            raise Http404(reason)
        raise PermissionDenied(reason)

    def _ensure(self, allowed: bool, reason: str, *, hidden: bool = False) -> None:
        """Refuse unless `allowed`: 404 when the thing must stay `hidden` from this reader,
        else 403 with `reason`."""
        if not allowed:
            self._refuse(reason, hidden=hidden)

    def _ensure_not_banned(self) -> None:
        """Before any action: a banned member is told they are banned (and until when) rather
        than that the action is not theirs."""
        if (ban := self.ban) is not None:
            until = f" until {timezone.localtime(ban.ends_at):%b %d, %Y}" if ban.ends_at else ""
            self._refuse(f"You have been banned{until}: {ban.reason}")
