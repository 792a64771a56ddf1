"""The news importer's jobs: every minute the scheduler claims the feeds that are due, and each
feed is fetched by a job of its own, so a slow or hanging feed holds up no other."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parley.core import jobs
from parley.feeds.importer import services
from parley.feeds.models import NewsFeed

MINUTE = 60


@db_periodic_task(crontab())
@jobs.once_per("fetch-due-feeds", MINUTE)
def fetch_due_feeds() -> list[int]:
    """Claim the active feeds that are due (each feed by one consumer only: the claim is a
    conditional UPDATE) and queue a fetch for each."""
    claimed = services.claim_due_feeds()
    for feed_id in claimed:
        jobs.safe_enqueue(fetch_feed, feed_id)
    return claimed


@db_task()
def fetch_feed(feed_id: int) -> str:
    """Fetch and import one feed now. Failures are recorded on the feed (its admin page shows
    them) and back it off; they never fail the job or stop the worker."""
    feed = NewsFeed.objects.select_related("member", "forum", "prefix").filter(pk=feed_id).first()
    if feed is None:
        return "gone"
    return services.fetch_and_import(feed).summary()
