"""Jobs for the queue (Huey): work that web workers hand off instead of doing in a request."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from huey.contrib.djhuey import db_task

from parley.core import jobs, page_cache
from parley.forums.models import Thread


@db_task(retries=jobs.RETRIES, retry_delay=jobs.RETRY_DELAY_SECONDS)
def apply_thread_views(counts: dict[int, int]) -> None:
    """Add a worker's tallied views: one UPDATE per thread, all in one transaction, so a retry
    after a failure never counts a view twice. Threads go in id order, so two batches applied
    at once lock rows in the same order (no deadlock on PostgreSQL).

    Unseen by guests' cached pages: views arrive every few seconds on a busy board and would
    retire every cached page each time; a cached page's count is at most a minute old."""
    with transaction.atomic(), page_cache.unseen_by_guests():
        for thread_id, n in sorted(counts.items()):
            Thread.objects.filter(pk=int(thread_id)).update(view_count=F("view_count") + int(n))
