"""The posting gate's questions (who skips flood control, who posts without approval) and the
approval queue: moderators approve or reject held posts and threads of their forums."""

from __future__ import annotations

from parley.forums.models import Post, Thread
from parley.permissions.guardian.forums import ForumGuardian
from parley.permissions.registry import BYPASS_FLOOD, POST_WITHOUT_APPROVAL


class ApprovalGuardian(ForumGuardian):
    def can_bypass_flood(self, forum_id: int) -> bool:
        return self.has(BYPASS_FLOOD, forum_id)

    def can_post_without_approval(self, forum_id: int) -> bool:
        return self.has(POST_WITHOUT_APPROVAL, forum_id)

    def can_view_approval_queue(self) -> bool:
        return self.can_act and self.is_moderator

    def ensure_can_view_approval_queue(self) -> None:
        self._ensure(self.can_view_approval_queue(), "Only moderators may see the approval queue.")

    def can_approve(self, item: Post | Thread) -> bool:
        """Approve or reject a held post or thread: moderators of its forum."""
        forum_id = item.thread.forum_id if isinstance(item, Post) else item.forum_id
        return self.can_act and self.can_moderate_forum(forum_id)

    def ensure_can_approve(self, item: Post | Thread) -> None:
        self._ensure(
            self.can_approve(item), "Only moderators of this forum may approve or reject this."
        )
