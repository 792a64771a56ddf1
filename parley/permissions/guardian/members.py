"""Members: what a reader may learn about another member."""

from __future__ import annotations

from parley.accounts.models import Member
from parley.permissions.guardian.base import PermsBase


class MemberGuardian(PermsBase):
    def can_see_last_seen(self, member: Member) -> bool:
        """Invisible members' activity is hidden from everyone but themselves and moderators."""
        return not member.is_invisible or self.member_id == member.pk or self.is_moderator
