"""Read markers (unread tracking) and the database presence backend.

Read state is time-based, as in XenForo: a thread is unread for a member when its last post is
newer than the latest of (their marker on the thread, their marker on its forum, their
board-wide marker, the unread cut-off). Markers older than the cut-off carry no information and
are pruned, which keeps these tables bounded."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ThreadRead(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey("forums.Thread", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()  # created_at of the newest post the member has seen

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "thread"], name="thread_read_unique")
        ]
        indexes = [models.Index(fields=["read_at"], name="thread_read_age")]

    def __str__(self) -> str:
        return f"member {self.member_id} read thread {self.thread_id} to {self.read_at}"


class ForumRead(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    forum = models.ForeignKey("forums.Forum", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()  # "Mark forum read" pressed at this time

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "forum"], name="forum_read_unique")
        ]
        indexes = [models.Index(fields=["read_at"], name="forum_read_age")]

    def __str__(self) -> str:
        return f"member {self.member_id} read forum {self.forum_id} at {self.read_at}"


class Presence(models.Model):
    """One row per visitor seen in the online window (database presence backend)."""

    class Kind(models.TextChoices):
        MEMBER = "member", "Member"
        GUEST = "guest", "Guest"
        ROBOT = "robot", "Robot"

    # "m:<member id>", "g:<hash of session or IP+user agent>" or "r:<robot name>"; never a raw IP.
    visitor_key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=6, choices=Kind.choices)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    robot_name = models.CharField(max_length=40, blank=True)
    is_invisible = models.BooleanField(default=False)
    # What the visitor is looking at: ("thread", id), ("forum", id), ("index", None), …
    location_kind = models.CharField(max_length=20, blank=True)
    location_id = models.PositiveBigIntegerField(null=True, blank=True)
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["location_kind", "location_id", "seen_at"], name="presence_where"),
            models.Index(fields=["seen_at"], name="presence_when"),
            # Members online are read apart from the (possibly many) guests, whatever the
            # planner's statistics say about their proportion.
            models.Index(fields=["kind", "seen_at"], name="presence_kind_when"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_key} at {self.location_kind}:{self.location_id}"
