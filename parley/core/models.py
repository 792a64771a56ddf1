"""Rate-limit counters for the embedded default (Redis keeps them when it is configured)."""

from __future__ import annotations

from django.db import models


class RateLimitBucket(models.Model):
    """Hits on one key ("login:ip:<hash>", "register:ip:<hash>") in one fixed window."""

    key = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_bucket_unique")
        ]
        indexes = [models.Index(fields=["window_start"], name="ratelimit_age")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start}: {self.hits}"
