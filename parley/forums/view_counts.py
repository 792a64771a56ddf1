"""Thread view counts without a write per view.

Views are tallied in memory per worker process and flushed to the database as one UPDATE per
thread at most every FLUSH_INTERVAL_SECONDS (after a response has been sent, never inside a
reader's request). A crash loses at most one interval's views, which a view counter can afford."""

from __future__ import annotations

import threading
from collections import Counter

from django.db.models import F

FLUSH_INTERVAL_SECONDS = 30.0

_lock = threading.Lock()
_pending: Counter[int] = Counter()


def record_view(thread_id: int) -> None:
    with _lock:
        _pending[thread_id] += 1


def pending_views(thread_id: int) -> int:
    """Views counted but not yet flushed, so a page can show an up-to-date total."""
    return _pending.get(thread_id, 0)


def flush(force: bool = False) -> int:
    """Write the pending counts; returns how many threads were updated. Housekeeping calls it
    after responses at most every FLUSH_INTERVAL_SECONDS; `force` is for tests and shutdown."""
    with _lock:
        if not _pending:
            return 0
        batch = dict(_pending)
        _pending.clear()
    from parley.forums.models import Thread

    for thread_id, count in batch.items():
        Thread.objects.filter(pk=thread_id).update(view_count=F("view_count") + count)
    return len(batch)
