"""Account upkeep: session rows whose cookie has expired (sessions live in the database), and
accounts that never confirmed their email address."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from parley.accounts import services
from parley.accounts.sessions import SessionStore
from parley.core import jobs

HOUR = 60 * 60
DAY = 24 * HOUR


@db_periodic_task(
    crontab(minute="40", hour="3"), retries=jobs.RETRIES, retry_delay=jobs.RETRY_DELAY_SECONDS
)
@jobs.once_per("clear-expired-sessions", DAY)
def clear_expired_sessions() -> None:
    SessionStore.clear_expired()


@db_periodic_task(crontab(minute="50"), retries=jobs.RETRIES, retry_delay=jobs.RETRY_DELAY_SECONDS)
@jobs.once_per("prune-unconfirmed-members", HOUR)
def prune_unconfirmed_members() -> int:
    """Hourly: an account whose confirmation link was never opened goes at most an hour after
    its days to confirm are over, so nobody holds someone else's address (or a name) for long."""
    return services.prune_unconfirmed_members()
