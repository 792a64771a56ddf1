"""Upkeep cannot be disconnected silently.

- Every upkeep job is a periodic task of the Huey instance the consumer runs, found the way the
  consumer finds tasks (each app's `tasks.py`), and its schedule fires at least once every day
  (the consumer's own `read_periodic`, asked for every minute of a week). The heartbeat fires
  every minute, since `parley check` calls a worker gone after a minute and a half without one.
- Each job, run as the consumer runs what its scheduler picked, removes what it should and
  keeps what it should not touch.
- The view-count hand-off really adds the tallied views to the threads' stored counts: page
  views, the flusher's tick, the queued task a consumer executes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY

from parley.accounts.models import MemberSession
from parley.activity.models import ForumRead, Presence, ThreadRead
from parley.activity.presence.backends import reset_backend
from parley.activity.presence.window import window
from parley.activity.services import unread_cutoff
from parley.core import flusher, jobs, ratelimit
from parley.core.models import FailedJob, RateLimitBucket
from parley.core.tasks import FAILED_JOBS_KEPT_DAYS
from parley.forums import view_counts
from parley.forums.models import Thread
from parley.moderation.actions import services as actions
from tests.world import World, build_world

# The upkeep jobs, by the name the consumer knows them by.
HEARTBEAT = "parley.core.tasks.worker_heartbeat"
READ_MARKERS = "parley.activity.tasks.prune_read_markers"
PRESENCE = "parley.activity.tasks.prune_presence"
REDIRECTS = "parley.moderation.tasks.purge_redirects"
RATE_LIMITS = "parley.core.tasks.prune_ratelimit_buckets"
SESSIONS = "parley.accounts.tasks.clear_expired_sessions"
FAILED_JOBS = "parley.core.tasks.prune_failed_jobs"
STATISTICS = "parley.core.tasks.refresh_planner_statistics"
UPKEEP = [
    HEARTBEAT,
    READ_MARKERS,
    PRESENCE,
    REDIRECTS,
    RATE_LIMITS,
    SESSIONS,
    FAILED_JOBS,
    STATISTICS,
]

WEEK_START = datetime(2025, 3, 3)  # noqa: DTZ001 - a Monday; huey's scheduler passes naive times
MINUTES_IN_A_WEEK = 7 * 24 * 60


def task_name(task: object) -> str:
    return f"{type(task).__module__}.{type(task).__name__}"


def periodic_tasks() -> dict[str, object]:
    """The periodic tasks a consumer would enqueue, by name, each with one instance."""
    autodiscover_modules("tasks")  # what `parley worker` (huey's run_huey) does first
    return {task_name(t): t for t in HUEY._registry.periodic_tasks}


def firings_over_a_week() -> dict[str, list[datetime]]:
    """When the consumer's scheduler (it asks every minute) would enqueue each periodic task."""
    periodic_tasks()
    fired: dict[str, list[datetime]] = {}
    for minute in range(MINUTES_IN_A_WEEK):
        at = WEEK_START + timedelta(minutes=minute)
        for task in HUEY.read_periodic(at):
            fired.setdefault(task_name(task), []).append(at)
    return fired


def longest_wait(times: list[datetime]) -> timedelta:
    """The longest time without a firing, the week wrapping round to the next one."""
    after = [*times[1:], times[0] + timedelta(days=7)]
    return max(b - a for a, b in zip(times, after, strict=True))


def test_every_upkeep_job_is_a_periodic_task_of_the_consumers_huey() -> None:
    registered = periodic_tasks()
    missing = [name for name in UPKEEP if name not in registered]
    assert not missing, f"not periodic tasks of the consumer's Huey: {missing}"


def test_every_periodic_job_fires_at_least_once_a_day() -> None:
    fired = firings_over_a_week()
    never = [name for name in [*UPKEEP, *periodic_tasks()] if name not in fired]
    assert not never, f"never fire: {never}"
    rare = {
        name: str(longest_wait(times))
        for name, times in fired.items()
        if longest_wait(times) > timedelta(days=1)
    }
    assert not rare, f"go more than a day without firing: {rare}"


def test_the_heartbeat_fires_every_minute() -> None:
    times = firings_over_a_week()[HEARTBEAT]
    assert len(times) == MINUTES_IN_A_WEEK
    assert longest_wait(times) < timedelta(seconds=jobs.HEARTBEAT_STALE_SECONDS)


# --- Each job does its work, run as the consumer runs it ----------------------------------------


def run_as_the_consumer(name: str) -> None:
    """Execute the task instance the scheduler enqueues, the way a consumer's worker does."""
    task = periodic_tasks()[name]
    HUEY.execute(task)


@pytest.fixture
def world(db) -> World:
    return build_world()


def test_the_heartbeat_job_records_a_beat(db) -> None:
    assert jobs.last_worker_heartbeat() is None
    run_as_the_consumer(HEARTBEAT)
    beat = jobs.last_worker_heartbeat()
    assert beat is not None
    assert abs(timezone.now() - beat) < timedelta(minutes=1)


def test_the_redirect_purge_removes_expired_stubs_only(world: World) -> None:
    now = timezone.now()
    moved, kept = world.short_thread, world.locked_thread  # both in the lounge
    for thread, expires in ((moved, now + timedelta(hours=1)), (kept, now + timedelta(days=7))):
        actions.move_thread(
            actor=world.moderator,
            thread=thread,
            forum=world.news,
            leave_redirect=True,
            redirect_expires_at=expires,
        )
    expired = Thread.objects.get(redirect_to=moved)
    lasting = Thread.objects.get(redirect_to=kept)
    Thread.objects.filter(pk=expired.pk).update(redirect_expires_at=now - timedelta(minutes=1))

    run_as_the_consumer(REDIRECTS)

    assert not Thread.objects.filter(pk=expired.pk).exists()
    assert Thread.objects.filter(pk=lasting.pk).exists()  # its time is not up
    assert Thread.objects.filter(pk=moved.pk, forum=world.news).exists()  # the thread stays


def test_the_read_marker_prune_removes_markers_older_than_the_cutoff(world: World) -> None:
    cutoff = unread_cutoff()
    old, fresh = cutoff - timedelta(days=1), cutoff + timedelta(days=1)
    ThreadRead.objects.create(member=world.member, thread=world.long_thread, read_at=old)
    ThreadRead.objects.create(member=world.member, thread=world.short_thread, read_at=fresh)
    ForumRead.objects.create(member=world.member, forum=world.news, read_at=old)
    ForumRead.objects.create(member=world.member, forum=world.lounge, read_at=fresh)

    run_as_the_consumer(READ_MARKERS)

    assert list(ThreadRead.objects.values_list("thread", flat=True)) == [world.short_thread.pk]
    assert list(ForumRead.objects.values_list("forum", flat=True)) == [world.lounge.pk]


def test_the_rate_limit_prune_removes_buckets_whose_window_is_over(db) -> None:
    now = timezone.now()
    over = now - timedelta(seconds=ratelimit.MAX_WINDOW_SECONDS + 60)
    RateLimitBucket.objects.create(key="login:ip:old", window_start=over, hits=5)
    RateLimitBucket.objects.create(key="login:ip:new", window_start=now, hits=1)

    run_as_the_consumer(RATE_LIMITS)

    assert list(RateLimitBucket.objects.values_list("key", flat=True)) == ["login:ip:new"]


def test_the_presence_prune_removes_visits_older_than_the_online_window(db, settings) -> None:
    settings.REDIS_URL = ""  # the database backend keeps rows; Redis expires its own
    reset_backend()
    now = timezone.now()
    Presence.objects.create(visitor_key="g:gone", kind="guest", seen_at=now - 2 * window())
    Presence.objects.create(visitor_key="g:here", kind="guest", seen_at=now)
    try:
        run_as_the_consumer(PRESENCE)
    finally:
        reset_backend()
    assert list(Presence.objects.values_list("visitor_key", flat=True)) == ["g:here"]


def test_the_session_cleanup_removes_expired_sessions(world: World) -> None:
    now = timezone.now()
    encoded = SessionBase().encode({})
    MemberSession.objects.create(
        session_key="expired" + "x" * 25,
        session_data=encoded,
        expire_date=now - timedelta(minutes=1),
        member=world.member,
    )
    MemberSession.objects.create(
        session_key="current" + "x" * 25,
        session_data=encoded,
        expire_date=now + timedelta(days=1),
        member=world.member,
    )

    run_as_the_consumer(SESSIONS)

    assert list(MemberSession.objects.values_list("session_key", flat=True)) == [
        "current" + "x" * 25
    ]


def test_the_failed_job_prune_removes_records_older_than_a_month(db) -> None:
    old = FailedJob.objects.create(task="t.old", task_id="1", error="RuntimeError: old")
    FailedJob.objects.create(task="t.new", task_id="2", error="RuntimeError: new")
    FailedJob.objects.filter(pk=old.pk).update(
        failed_at=timezone.now() - timedelta(days=FAILED_JOBS_KEPT_DAYS + 1)
    )

    run_as_the_consumer(FAILED_JOBS)

    assert list(FailedJob.objects.values_list("task", flat=True)) == ["t.new"]


# --- View counts ------------------------------------------------------------------------------


def stored_views(thread: Thread) -> int:
    return Thread.objects.values_list("view_count", flat=True).get(pk=thread.pk)


def test_the_flusher_adds_every_tallied_view_to_the_stored_counts(
    world: World, client: Client
) -> None:
    long_thread, short_thread = world.long_thread, world.short_thread
    before = {t.pk: stored_views(t) for t in (long_thread, short_thread)}
    for _ in range(3):
        assert client.get(long_thread.get_absolute_url()).status_code == 200
    assert client.get(short_thread.get_absolute_url()).status_code == 200
    assert stored_views(long_thread) == before[long_thread.pk]  # a page view writes nothing

    for tick in range(1, view_counts.FLUSH_EVERY_TICKS + 1):  # a few seconds of the flusher
        flusher.run_due(tick)

    assert stored_views(long_thread) == before[long_thread.pk] + 3
    assert stored_views(short_thread) == before[short_thread.pk] + 1
    assert view_counts.pending_views(long_thread.pk) == 0
    flusher.run_due(2 * view_counts.FLUSH_EVERY_TICKS)  # nothing is counted twice
    assert stored_views(long_thread) == before[long_thread.pk] + 3


def test_the_hand_off_is_a_queued_task_that_a_consumer_applies(
    world: World, client: Client, monkeypatch
) -> None:
    queued: list[object] = []
    monkeypatch.setattr(HUEY, "enqueue", queued.append)  # keep it in the queue, unrun
    thread = world.long_thread
    before = stored_views(thread)
    client.get(thread.get_absolute_url())
    client.get(thread.get_absolute_url())

    flusher.run_due(view_counts.FLUSH_EVERY_TICKS)

    assert len(queued) == 1
    assert stored_views(thread) == before  # queued, not yet applied
    # A consumer receives the task serialised, as it travels through the queue's storage.
    message = HUEY.deserialize_task(HUEY.serialize_task(queued[0]))
    HUEY.execute(message)
    assert stored_views(thread) == before + 2


@pytest.mark.django_db
def test_sqlite_gets_planner_statistics_for_the_thread_listings(world: World) -> None:
    """Without them SQLite reads a big forum's listing by probing every forum and sorting."""
    tasks = periodic_tasks()
    ran = tasks[STATISTICS].execute()  # type: ignore[attr-defined]
    if connection.vendor != "sqlite":
        assert ran is False  # PostgreSQL's autovacuum keeps its own
        return
    assert ran is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'forums_thread'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert "thread_listing" in indexes
