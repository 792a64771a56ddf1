"""Forums: seeing them, moderating them, marking them read."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import QuerySet

from parley.forums.models import Forum
from parley.permissions.guardian.base import PermsBase
from parley.permissions.registry import MODERATE, VIEW_FORUM

# A queryset of forums keeps its own class (and its methods) through a filter.
Forums = TypeVar("Forums", bound=QuerySet[Forum])


class ForumGuardian(PermsBase):
    def can_view_forum(self, forum: Forum) -> bool:
        return self.has(VIEW_FORUM, forum.pk)

    def can_moderate_forum(self, forum_id: int) -> bool:
        """By id: callers often hold only a thread's or a report's forum id."""
        return self.has(MODERATE, forum_id)

    def visible_forums(self, qs: Forums) -> Forums:
        return qs.filter(pk__in=self.forums_with(VIEW_FORUM))

    def visible_subforum_ids(self, forum_id: int) -> frozenset[int]:
        """The forums right below `forum_id` the reader may see, from the forum tree cached
        with the grants (under the `perms` stamp, which every change of the tree bumps), so a
        forum page learns without a query that its forum has none, as most have."""
        visible = self.forums_with(VIEW_FORUM)
        parents = self.grants.parents
        return frozenset(f for f, parent in parents.items() if parent == forum_id and f in visible)

    def get_forum(self, forum_id: int) -> Forum:
        """The only way a view obtains a forum: missing and invisible look the same (404)."""
        forum = Forum.objects.select_related("category", "parent").filter(pk=forum_id).first()
        if forum is None or not self.can_view_forum(forum):
            self._refuse("No such forum.", hidden=True)
        return forum

    def ensure_can_mark_forum_read(self, forum: Forum) -> None:
        """Read markers are a member's; reading the forum is the only other condition."""
        self._ensure(
            self.is_member and self.can_view_forum(forum), "You may not mark this forum read."
        )
