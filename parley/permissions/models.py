"""Group settings, permission entries (global or per forum) and per-forum moderators."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models

from parley.permissions.registry import PERMISSIONS, VALUES


class GroupProfile(models.Model):
    """What a group means on the board besides its permissions."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="profile")
    user_title = models.CharField(max_length=50, blank=True)
    # The highest-priority group of a member gives their title.
    display_priority = models.PositiveIntegerField(default=0)
    # 0 = no limit. The most generous of a member's groups applies.
    edit_window_minutes = models.PositiveIntegerField(default=0)
    is_system = models.BooleanField(default=False, editable=False)

    def __str__(self) -> str:
        return f"Profile of {self.group.name}"


class PermissionEntry(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="permission_entries")
    # Empty = the group's global entry; otherwise an override for this forum and its sub-forums.
    forum = models.ForeignKey(
        "forums.Forum",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="permission_entries",
    )
    permission = models.CharField(max_length=40, choices=list(PERMISSIONS.items()))
    value = models.CharField(max_length=5, choices=VALUES)

    class Meta:
        verbose_name_plural = "permission entries"
        constraints = [
            models.UniqueConstraint(
                fields=["group", "forum", "permission"], name="permission_entry_unique"
            ),
            models.UniqueConstraint(
                fields=["group", "permission"],
                condition=models.Q(forum__isnull=True),
                name="permission_entry_global_unique",
            ),
        ]

    def __str__(self) -> str:
        where = f"forum {self.forum_id}" if self.forum_id else "global"
        return f"{self.group_id}: {self.permission}={self.value} ({where})"


class ForumModerator(models.Model):
    """A member who moderates one forum (and its sub-forums) without being a global moderator."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderated_forums"
    )
    forum = models.ForeignKey("forums.Forum", on_delete=models.CASCADE, related_name="moderators")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "forum"], name="forum_moderator_unique")
        ]

    def __str__(self) -> str:
        return f"member {self.member_id} moderates forum {self.forum_id}"
