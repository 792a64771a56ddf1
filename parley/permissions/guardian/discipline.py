"""Warning and banning members, following XenForo: a moderator may warn members posting in
forums they moderate; banning (and the spam cleaner, which bans) is for administrators and
global moderators. Staff are not warned or banned by their peers: only an administrator may
discipline a moderator, and nobody disciplines an administrator or themselves."""

from __future__ import annotations

from parley.accounts.models import Member
from parley.forums.models import Post
from parley.permissions.guardian.forums import ForumGuardian
from parley.permissions.registry import MODERATORS


class DisciplineGuardian(ForumGuardian):
    @property
    def is_global_moderator(self) -> bool:
        """An administrator, or a member of the Moderators group (as opposed to a moderator of
        some forums only)."""
        return self.is_admin or MODERATORS in self.grants.group_names

    def _outranks(self, member: Member) -> bool:
        if member.pk == self.member_id or not member.is_active:
            return False
        target = self.for_member(member)
        if target.is_admin:
            return False
        return self.is_admin or not target.is_moderator

    def can_warn_member(self, member: Member, post: Post | None = None) -> bool:
        """Warn a member (for a post: only where the reader moderates that post's forum)."""
        if not self.can_act or not self.is_moderator:
            return False
        if post is not None and not self.can_moderate_forum(post.thread.forum_id):
            return False
        return self._outranks(member)

    def ensure_can_warn_member(self, member: Member, post: Post | None = None) -> None:
        self._ensure(self.can_warn_member(member, post), "You may not warn this member.")

    def can_warn_post(self, post: Post) -> bool:
        """Whether to offer "Warn" on a post: no query, for pages listing many posts. The warn
        page itself asks `can_warn_member` in full (staff authors are refused there)."""
        return (
            self.can_act
            and post.author_id is not None
            and post.author_id != self.member_id
            and self.can_moderate_forum(post.thread.forum_id)
        )

    def can_ban_member(self, member: Member) -> bool:
        """Ban, lift a ban, or run the spam cleaner on a member."""
        return self.can_act and self.is_global_moderator and self._outranks(member)

    def ensure_can_ban_member(self, member: Member) -> None:
        self._ensure(self.can_ban_member(member), "You may not ban this member.")
