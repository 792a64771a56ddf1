"""Activity upkeep: old read markers and expired presence rows."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from parley.activity import services
from parley.activity.presence.backends import get_backend
from parley.core import jobs

PRESENCE_PRUNE_SECONDS = 5 * 60


@db_periodic_task(crontab(minute="35"), retries=jobs.RETRIES, retry_delay=jobs.RETRY_DELAY_SECONDS)
@jobs.once_per("prune-read-markers", services.PRUNE_EVERY_SECONDS)
def prune_read_markers() -> None:
    """Checked hourly, run once per PRUNE_EVERY_SECONDS (so an outage delays it an hour)."""
    services.prune_read_markers()


@db_periodic_task(crontab(minute="*/5"), retries=jobs.RETRIES, retry_delay=30)
@jobs.once_per("prune-presence", PRESENCE_PRUNE_SECONDS)
def prune_presence() -> int:
    """Drop visits older than the online window; backends that expire on their own (Redis)
    have no `prune`."""
    prune = getattr(get_backend(), "prune", None)
    return prune() if prune is not None else 0
