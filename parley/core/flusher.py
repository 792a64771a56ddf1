"""One background thread per process that stores what requests left in memory.

Requests only add to in-process buffers (presence visits, thread view tallies), so a page view
never waits on a write. This thread hands the buffers on every TICK_SECONDS: what one worker saw
is then visible to every other worker within about a second, whether or not anyone is reading.

Each buffer registers a job (`register`) when its module is imported, and starts the thread
(`ensure_started`) when it first buffers something. Gunicorn forks its workers and a thread does
not survive a fork, so the thread belongs to the process that started it (checked by pid).
`worker_exit` (gunicorn's hook) runs every job once more so a graceful restart loses nothing.

A job that fails is logged (at most once per LOG_INTERVAL_SECONDS) and runs again next tick; the
thread itself never dies of it."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections, connections

from parley.core import knobs

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
LOG_INTERVAL_SECONDS = 60.0  # a database or queue outage is logged once a minute, not per tick
STOP_TIMEOUT_SECONDS = 5.0  # how long worker exit waits for a tick in progress


@dataclass
class Job:
    name: str
    run: Callable[[], object]
    every_ticks: int
    retry: bool = False  # the last run failed: run again on the next tick, whatever every_ticks
    log_at: float = float("-inf")


_jobs: dict[str, Job] = {}
_lock = threading.Lock()
_pid: int | None = None  # the process whose thread is running
_thread: threading.Thread | None = None
_stop: threading.Event | None = None


def register(name: str, run: Callable[[], object], *, every_ticks: int = 1) -> None:
    """Run `run` every `every_ticks` ticks. It may raise; the flusher logs and retries."""
    _jobs[name] = Job(name, run, max(1, every_ticks))


def ensure_started() -> None:
    """Start this process's thread unless it runs already. Cheap enough to call per request."""
    global _pid, _thread, _stop
    if _pid == os.getpid():
        return
    if not knobs.BACKGROUND_FLUSH.get():
        return  # tests flush explicitly, inside their own transaction
    with _lock:
        if _pid == os.getpid():
            return
        stop = threading.Event()
        thread = threading.Thread(target=_loop, args=(stop,), name="parley-flusher", daemon=True)
        thread.start()
        _pid, _thread, _stop = os.getpid(), thread, stop


def is_running() -> bool:
    return _pid == os.getpid() and _thread is not None and _thread.is_alive()


def stop(timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """Stop this process's thread, waiting for a tick in progress to finish."""
    global _pid, _thread, _stop
    with _lock:
        mine = _pid == os.getpid()
        thread, event = _thread, _stop
        _pid, _thread, _stop = None, None, None
    if not mine or event is None or thread is None:
        return
    event.set()
    if thread is not threading.current_thread():
        thread.join(timeout)


def run_due(tick: int) -> None:
    """One tick: every job whose turn it is, and every job that failed last time. The most
    frequent go first, so visits are stored before a slow hand-off (a queue timing out) can hold
    the tick up."""
    for job in sorted(_jobs.values(), key=lambda j: j.every_ticks):
        if job.retry or tick % job.every_ticks == 0:
            _run(job)


def flush_all() -> None:
    """Stop the thread and run every job once, now, in the calling thread (worker exit)."""
    stop()
    for job in list(_jobs.values()):
        _run(job)


def worker_exit(server: object, worker: object) -> None:
    """Gunicorn's `worker_exit` hook (in the worker, after its last request)."""
    flush_all()
    try:
        connections.close_all()
    except Exception:  # the app may never have loaded; there is nothing to close then
        log.debug("flusher: could not close connections at worker exit", exc_info=True)


def _run(job: Job) -> None:
    try:
        job.run()
    except Exception:
        job.retry = True
        now = time.monotonic()
        if now >= job.log_at:
            job.log_at = now + LOG_INTERVAL_SECONDS
            log.exception(
                "flusher: %s failed; retrying every tick, logged at most every %d s",
                job.name,
                LOG_INTERVAL_SECONDS,
            )
    else:
        job.retry = False


def _loop(stop: threading.Event) -> None:
    tick = 0
    try:
        while not stop.wait(TICK_SECONDS):
            tick += 1
            try:
                # As around a request: drop a connection that broke or outlived CONN_MAX_AGE.
                close_old_connections()
                run_due(tick)
                close_old_connections()
            except Exception:  # jobs' own failures are logged by _run; this is a last resort
                log.exception("flusher: tick failed")
    finally:
        connections.close_all()  # this thread's own connections


def _after_fork_in_child() -> None:
    # The parent's thread did not come along, and its lock may have been held mid-fork.
    global _lock, _pid, _thread, _stop
    _lock = threading.Lock()
    _pid, _thread, _stop = None, None, None


os.register_at_fork(after_in_child=_after_fork_in_child)
