"""Core upkeep jobs: the worker heartbeat, expired rate-limit buckets, old failure records, SQLite's
planner statistics."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parley.core import jobs, ratelimit
from parley.core.models import FailedJob

HOUR = 60 * 60
FAILED_JOBS_KEPT_DAYS = 30


@db_periodic_task(crontab())
def worker_heartbeat() -> None:
    """Every minute, plus a second beat half a minute later (the periodic scheduler ticks only
    once a minute). The beat passes through the queue, so it proves jobs are being run."""
    if jobs.run_once_per("worker-heartbeat", jobs.HEARTBEAT_SECONDS - 5):
        jobs.beat()
        heartbeat_again.schedule(delay=jobs.HEARTBEAT_SECONDS)


@db_task()
def heartbeat_again() -> None:
    jobs.beat()


@db_periodic_task(crontab(minute="5"), retries=jobs.RETRIES, retry_delay=jobs.RETRY_DELAY_SECONDS)
@jobs.once_per("prune-ratelimit-buckets", HOUR)
def prune_ratelimit_buckets() -> int:
    return ratelimit.prune_buckets()


@db_periodic_task(
    crontab(minute="50", hour="4"), retries=jobs.RETRIES, retry_delay=jobs.RETRY_DELAY_SECONDS
)
@jobs.once_per("prune-failed-jobs", 24 * HOUR)
def prune_failed_jobs() -> int:
    """Failure records are for reading soon after; a month keeps the table small."""
    cutoff = timezone.now() - timedelta(days=FAILED_JOBS_KEPT_DAYS)
    deleted, _ = FailedJob.objects.filter(failed_at__lt=cutoff).delete()
    return deleted


# Rows ANALYZE samples per index: the planner needs the shape of the data, not exact counts,
# and a bounded sample keeps the job short (and the write lock brief) on a big board.
ANALYSIS_LIMIT = 1000


@db_periodic_task(crontab(minute="40"), retries=jobs.RETRIES, retry_delay=jobs.RETRY_DELAY_SECONDS)
@jobs.once_per("refresh-planner-statistics", HOUR)
def refresh_planner_statistics() -> bool:
    """SQLite keeps no statistics of its own: without them it reads a big board's listings in
    the wrong order (every forum probed, then sorted). PostgreSQL's autovacuum does this there."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return True
