"""Account upkeep: session rows whose cookie has expired (sessions live in the database)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from parley.core import jobs

DAY = 24 * 60 * 60


@db_periodic_task(
    crontab(minute="40", hour="3"), retries=jobs.RETRIES, retry_delay=jobs.RETRY_DELAY_SECONDS
)
@jobs.once_per("clear-expired-sessions", DAY)
def clear_expired_sessions() -> None:
    from parley.accounts.sessions import SessionStore

    SessionStore.clear_expired()
