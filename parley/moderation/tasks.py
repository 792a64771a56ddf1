"""Moderation upkeep: redirect stubs whose time is up."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from parley.core import jobs
from parley.moderation.actions.services import purge_expired_redirects

HOUR = 60 * 60


@db_periodic_task(crontab(minute="20"), retries=jobs.RETRIES, retry_delay=jobs.RETRY_DELAY_SECONDS)
@jobs.once_per("purge-expired-redirects", HOUR)
def purge_redirects() -> int:
    return purge_expired_redirects()
