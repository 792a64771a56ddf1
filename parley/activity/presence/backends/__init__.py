"""Presence storage: one interface, two backends with the same behaviour (and the same tests).

- `db.DatabaseBackend` (default): visits are buffered in the worker process and written in one
  upsert by the process's background flusher (`parley.core.flusher`) within about a second.
- `redis.RedisBackend` (when PARLEY_REDIS_URL is set): sorted sets scored by time, written
  as each response is closed.

Either way a visit is visible to every worker within two seconds, and at most `max_guests()`
guests are kept (the least recently seen go first). Reads take `since` (the start of the online
window) and never return visits older than that. `exclude_key` leaves one visitor out of the
result, so the caller can add the reader as they are now (the reader's own current visit may not
have been stored yet)."""

from __future__ import annotations

import threading

from parley.activity.presence.backends.base import (
    Backend,
    NamedMember,
    OnlineSummary,
    PresenceUnavailable,
    Viewers,
    Visit,
    VisitorRow,
    max_guests,
)
from parley.activity.presence.backends.db import DatabaseBackend
from parley.activity.presence.backends.redis import RedisBackend
from parley.core import flusher, knobs

# The records and the interface are the package's public API, with `get_backend`.
__all__ = [
    "Backend",
    "NamedMember",
    "OnlineSummary",
    "PresenceUnavailable",
    "Viewers",
    "Visit",
    "VisitorRow",
    "flush_buffered",
    "get_backend",
    "max_guests",
    "redis_prefix",
    "reset_backend",
]


_lock = threading.Lock()
_current: tuple[tuple[str, str], Backend] | None = None


def get_backend() -> Backend:
    """The backend for the current settings, one instance per process (it holds the buffer,
    the throttle and the Redis connection pool)."""
    global _current
    config = (knobs.REDIS_URL.get(), redis_prefix())
    current = _current
    if current is not None and current[0] == config:
        return current[1]
    with _lock:
        if _current is None or _current[0] != config:
            _current = (config, _build(*config))
        return _current[1]


def flush_buffered() -> None:
    """The flusher's job: store (database) or send (Redis) this process's buffered visits."""
    current = _current
    if current is not None:
        current[1].flush()


def reset_backend() -> None:
    """Forget the process's backend (and its buffer): tests start from nothing."""
    global _current
    with _lock:
        _current = None


def redis_prefix() -> str:
    return knobs.PRESENCE_REDIS_PREFIX.get()


def _build(redis_url: str, prefix: str) -> Backend:
    if redis_url:
        return RedisBackend(url=redis_url, prefix=prefix)
    return DatabaseBackend()


flusher.register("presence", flush_buffered)
