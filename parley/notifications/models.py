"""Alerts: short notices to one member ("Your report was resolved", "You received a warning")."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Alert(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=30)  # "report_closed", "warning", "post_approved", …
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "read_at"], name="alert_unread")]

    def __str__(self) -> str:
        return f"Alert for member {self.member_id}: {self.text[:40]}"
