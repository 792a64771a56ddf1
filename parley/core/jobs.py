"""Helpers around the Huey job queue: guards for periodic jobs, failure records, the worker
heartbeat, and enqueueing that never makes a page wait or fail.

Tasks live in each app's `tasks.py` (the consumer imports them all). Periodic tasks fire once
per consumer, so with several consumers sharing a queue each one is wrapped in `once_per`,
which lets one run per interval through the shared cache."""

from __future__ import annotations

import functools
import logging
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from django.core.cache import cache
from django.db import close_old_connections, transaction
from huey.api import Task, TaskWrapper
from huey.contrib.djhuey import HUEY
from huey.signals import SIGNAL_ERROR

from parley.core.breaker import CircuitBreaker, Unavailable
from parley.core.models import FailedJob, Stamp

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

HEARTBEAT = "worker-heartbeat"  # the Stamp row holding the last beat, in unix seconds
HEARTBEAT_SECONDS = 30
# `parley check` treats a consumer as gone after this long without a beat.
HEARTBEAT_STALE_SECONDS = 3 * HEARTBEAT_SECONDS
# Consumers enqueue periodic tasks on their own 60 s ticks, so copies of one firing reach the
# queue up to a minute apart; a guard held this much shorter than the interval absorbs that
# without ever swallowing the next interval's run.
SCHEDULER_SLACK_SECONDS = 60
RETRIES = 2  # default for upkeep tasks: transient failures (a locked database) get two more tries
RETRY_DELAY_SECONDS = 60
ENQUEUE_RETRY_AFTER_SECONDS = 10  # after a failure, skip the queue this long instead of waiting


# --- Once per interval across consumers ---------------------------------------------------------


def run_once_per(name: str, seconds: int) -> bool:
    """True for the first caller in `seconds` across every process sharing the cache. A cache
    that refuses (Redis down) says no: skipping upkeep is safer than running it everywhere."""
    return bool(cache.add(f"jobs:once:{name}", 1, timeout=seconds))


def release(name: str) -> None:
    cache.delete(f"jobs:once:{name}")


def once_per(name: str, every_seconds: int) -> Callable[[Callable[P, R]], Callable[P, R | None]]:
    """Wrap a periodic job firing every `every_seconds` so that one run per interval happens,
    however many consumers fire it. A failed run releases the guard, so its retry can run."""
    hold = max(every_seconds - SCHEDULER_SLACK_SECONDS, 1)

    def decorator(fn: Callable[P, R]) -> Callable[P, R | None]:
        @functools.wraps(fn)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | None:
            if not run_once_per(name, hold):
                return None
            try:
                return fn(*args, **kwargs)
            except BaseException:
                release(name)
                raise

        return guarded

    return decorator


# --- Failures -----------------------------------------------------------------------------------

ARGS_MAX_CHARS = 1_000
ERROR_MAX_CHARS = 10_000


@HUEY.signal(SIGNAL_ERROR)
def record_failure(signal: str, task: Task, exc: BaseException | None = None) -> None:
    """Keep a FailedJob row when a task has failed for the last time (no retries left); earlier
    failures are only logged by huey, since the retry may still succeed."""
    if task.retries:
        return
    arguments = repr((task.args, task.kwargs))
    error = "".join(traceback.format_exception(exc)) if exc is not None else "(no exception)"
    try:
        FailedJob.objects.create(
            task=f"{type(task).__module__}.{task.name}"[:200],
            task_id=str(task.id)[:64],
            arguments=_clip(arguments, ARGS_MAX_CHARS),
            error=_clip(error, ERROR_MAX_CHARS, keep_end=True),
        )
    except Exception:  # the database may be what failed; the log still has it
        log.exception("Could not record the failure of task %s", task)
    finally:
        if not HUEY.immediate:  # inline (tests) the connection belongs to the caller
            close_old_connections()


def _clip(text: str, limit: int, *, keep_end: bool = False) -> str:
    """The end of a traceback is what explains it, the start of an argument list."""
    if len(text) <= limit:
        return text
    return "…" + text[-(limit - 1) :] if keep_end else text[: limit - 1] + "…"


# --- Heartbeat ----------------------------------------------------------------------------------


def beat(now: float | None = None) -> None:
    value = int(time.time() if now is None else now)
    Stamp.objects.update_or_create(name=HEARTBEAT, defaults={"value": value})


def last_worker_heartbeat() -> datetime | None:
    """When a consumer last processed its heartbeat job; None if none ever has."""
    value = Stamp.objects.filter(name=HEARTBEAT).values_list("value", flat=True).first()
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


# --- Enqueueing from pages ----------------------------------------------------------------------

# Any storage driver's error means the same here: not queued.
enqueue_breaker = CircuitBreaker(
    "The job queue",
    consequence="jobs are not enqueued (each caller keeps, drops or runs its work inline)",
    open_seconds=ENQUEUE_RETRY_AFTER_SECONDS,
    logger=log,
)


def safe_enqueue(task: TaskWrapper[P, Any], *args: P.args, **kwargs: P.kwargs) -> bool:
    """Enqueue `task(*args, **kwargs)`; False (and one log line per outage) when the queue's
    storage is unavailable. Callers decide what a False means: drop the work or run it inline."""
    try:
        enqueue_breaker.run(lambda: task(*args, **kwargs))
    except Unavailable:
        return False
    return True


def enqueue_after_commit(task: TaskWrapper[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
    """`safe_enqueue` once the current transaction commits (nothing if it rolls back), so the
    job never sees data that is not there yet."""
    transaction.on_commit(lambda: safe_enqueue(task, *args, **kwargs))
