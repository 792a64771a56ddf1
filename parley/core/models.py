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


class Stamp(models.Model):
    """A named version number that every worker reads from the database on each request.

    Changes a reader must see at once (permissions, bans, groups, forum tree, moderation queues)
    bump a stamp inside their own transaction, so the new number commits atomically with the
    change and cannot be lost to a cache outage. Caches (in-process or shared) key what they
    hold by the stamp, so a bump retires every copy everywhere."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class FailedJob(models.Model):
    """A background job that failed on its last retry, kept for administrators to read (the
    consumer carries on with other jobs)."""

    task = models.CharField(max_length=200)  # dotted path of the task function
    task_id = models.CharField(max_length=64)
    arguments = models.TextField(blank=True)  # repr, clipped
    error = models.TextField()  # traceback, clipped from the start
    failed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.task} failed at {self.failed_at:%Y-%m-%d %H:%M}"
