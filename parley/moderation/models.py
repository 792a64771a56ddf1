"""Reports members file against posts. Several reports on one post join one open report."""

from __future__ import annotations

from django.conf import settings
from django.db import models

REPORT_MESSAGE_MAX_CHARS = 2_000


class Report(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        REJECTED = "rejected", "Rejected"

    post = models.ForeignKey("forums.Post", on_delete=models.CASCADE, related_name="reports")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    report_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post"], condition=models.Q(state="open"), name="one_open_report_per_post"
            )
        ]

    def __str__(self) -> str:
        return f"Report on post {self.post_id} ({self.state})"


class ReportEntry(models.Model):
    """One member's complaint; joins the open report on the same post."""

    REASONS = [
        ("spam", "Spam or advertising"),
        ("abuse", "Abusive or hateful"),
        ("off-topic", "Off-topic"),
        ("misinformation", "Misinformation"),
        ("other", "Something else"),
    ]
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="entries")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    reason = models.CharField(max_length=20, choices=REASONS)
    message = models.TextField(blank=True, max_length=REPORT_MESSAGE_MAX_CHARS)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "report entries"

    def __str__(self) -> str:
        return f"{self.reason} by member {self.reporter_id}"
