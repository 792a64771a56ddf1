"""Moderation state: reports and their comments, configurable report reasons, the moderator
log, post edit history, warnings and bans."""

from __future__ import annotations

from django.conf import settings
from django.db import models

REPORT_MESSAGE_MAX_CHARS = 2_000
REASON_MAX_CHARS = 200


class ReportReason(models.Model):
    """A rule a member can cite when reporting (edited by administrators in the admin)."""

    title = models.CharField(max_length=100)
    display_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_order", "id"]

    def __str__(self) -> str:
        return self.title


class Report(models.Model):
    """All complaints about one post while it is being handled; a later complaint about a post
    whose report was closed opens a new one."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ASSIGNED = "assigned", "Assigned"
        RESOLVED = "resolved", "Resolved"
        REJECTED = "rejected", "Rejected"

    post = models.ForeignKey("forums.Post", on_delete=models.CASCADE, related_name="reports")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    report_count = models.PositiveIntegerField(default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Told to the reporters when the report is closed.
    outcome = models.CharField(max_length=REASON_MAX_CHARS, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post"],
                condition=models.Q(state__in=["open", "assigned"]),
                name="one_active_report_per_post",
            )
        ]
        indexes = [models.Index(fields=["state", "-created_at"], name="report_queue")]

    def __str__(self) -> str:
        return f"Report on post {self.post_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.OPEN, self.State.ASSIGNED)


class ReportEntry(models.Model):
    """One member's complaint; joins the active report on the same post."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="entries")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    reason = models.ForeignKey(ReportReason, null=True, on_delete=models.SET_NULL)
    reason_title = models.CharField(max_length=100, default="")  # as chosen, kept if renamed
    message = models.TextField(blank=True, max_length=REPORT_MESSAGE_MAX_CHARS)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "report entries"

    def __str__(self) -> str:
        return f"{self.reason_title} by member {self.reporter_id}"


class ReportComment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    body = models.TextField(max_length=REPORT_MESSAGE_MAX_CHARS)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment on report {self.report_id}"


class ModeratorLogEntry(models.Model):
    """Who did what to what, when and why: written by every moderator and admin service."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=50)
    action = models.CharField(max_length=40)  # "post_delete", "thread_move", "ban", …
    target_kind = models.CharField(max_length=20)  # "post", "thread", "member", "report"
    target_id = models.PositiveBigIntegerField()
    target_title = models.CharField(max_length=200)  # as it was, for deleted targets
    reason = models.CharField(max_length=REASON_MAX_CHARS, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "moderator log entries"
        indexes = [
            models.Index(fields=["-created_at"], name="modlog_recent"),
            models.Index(fields=["target_kind", "target_id"], name="modlog_target"),
            models.Index(fields=["actor", "-created_at"], name="modlog_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.target_kind} {self.target_id}"


class PostRevision(models.Model):
    """The text a post had before an edit (moderators can read the history with a diff)."""

    post = models.ForeignKey("forums.Post", on_delete=models.CASCADE, related_name="revisions")
    body_source = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField()
    reason = models.CharField(max_length=REASON_MAX_CHARS, blank=True)

    class Meta:
        ordering = ["-edited_at", "-id"]

    def __str__(self) -> str:
        return f"Revision of post {self.post_id} at {self.edited_at}"


class Warning(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="warnings"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        "forums.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    points = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=REASON_MAX_CHARS)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)  # None: never expires

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.points} point(s) for member {self.member_id}"


class Ban(models.Model):
    """A banned member can still log in and read why, but cannot post, report or react."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bans"
    )
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=REASON_MAX_CHARS)
    created_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)  # None: permanent
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["member", "lifted_at"], name="ban_member_active")]

    def __str__(self) -> str:
        return f"Ban of member {self.member_id}"
