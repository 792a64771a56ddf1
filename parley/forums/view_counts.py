"""Thread view counts without a write per view.

A view is tallied in this process's memory (no query). Every FLUSH_EVERY_TICKS ticks the
background flusher (`parley.core.flusher`) hands the tally to the job queue as one task,
`tasks.apply_thread_views`, which adds it with one UPDATE per thread: web workers never take the
database's write lock for a counter. If the queue cannot take the batch, it stays here (bounded by
MAX_PENDING_THREADS) and is offered again on the next tick. Worker exit hands over what is left,
so only a killed worker loses views, at most a few seconds' worth."""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter

from parley.core import flusher
from parley.forums.tasks import apply_thread_views

log = logging.getLogger(__name__)

FLUSH_EVERY_TICKS = 5
MAX_PENDING_THREADS = 10_000  # while the queue is down, the most viewed threads are kept

_lock = threading.Lock()
_pending: Counter[int] = Counter()


def record_view(thread_id: int) -> None:
    with _lock:
        _pending[thread_id] += 1
    flusher.ensure_started()


def pending_views(thread_id: int) -> int:
    """Views counted but not yet handed on, so a page can show an up-to-date total."""
    return _pending.get(thread_id, 0)


def flush(force: bool = False) -> int:
    """Enqueue the pending counts as one task; returns how many threads it covers. If the queue
    refuses, the counts are kept for the next try and the error is raised (the flusher logs it).
    `force` is accepted for older callers: every call hands everything on."""
    with _lock:
        if not _pending:
            return 0
        batch = dict(_pending)
        _pending.clear()
    try:
        apply_thread_views(batch)
    except Exception:
        _keep(batch)
        raise
    return len(batch)


def _keep(batch: dict[int, int]) -> None:
    with _lock:
        _pending.update(batch)
        if len(_pending) > MAX_PENDING_THREADS:
            dropped = len(_pending) - MAX_PENDING_THREADS
            kept = dict(_pending.most_common(MAX_PENDING_THREADS))
            _pending.clear()
            _pending.update(kept)
            log.warning("view counts: queue unavailable; dropped the views of %d threads", dropped)


def _after_fork_in_child() -> None:
    # A child must not hand on its parent's views a second time.
    global _lock
    _lock = threading.Lock()
    _pending.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
flusher.register("view-counts", flush, every_ticks=FLUSH_EVERY_TICKS)
