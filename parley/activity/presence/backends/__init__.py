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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from parley.activity.presence.visitors import GUEST, MEMBER, ROBOT, Visitor
from parley.core import flusher, knobs


class PresenceUnavailable(Exception):
    """The backend cannot answer right now (Redis down); pages leave presence out."""


@dataclass(frozen=True)
class Visit:
    visitor: Visitor
    location_kind: str
    location_id: int | None
    at: datetime


@dataclass(frozen=True)
class NamedMember:
    member_id: int
    name: str


@dataclass
class Viewers:
    """Who is at one location. Robots are not counted here; invisible members are counted but
    not in `named`."""

    named: list[NamedMember] = field(default_factory=list)  # most recently seen first
    member_count: int = 0
    guest_count: int = 0

    @property
    def total(self) -> int:
        return self.member_count + self.guest_count

    def add(self, visitor: Visitor) -> None:
        if visitor.kind == MEMBER and visitor.member_id is not None:
            self.member_count += 1
            if not visitor.is_invisible:
                self.named.insert(0, NamedMember(visitor.member_id, visitor.name))
        elif visitor.kind == GUEST:
            self.guest_count += 1


@dataclass
class OnlineSummary(Viewers):
    """Everyone in the window, robots included."""

    robot_count: int = 0

    @property
    def total(self) -> int:
        return self.member_count + self.guest_count + self.robot_count

    def add(self, visitor: Visitor) -> None:
        if visitor.kind == ROBOT:
            self.robot_count += 1
        else:
            super().add(visitor)


@dataclass(frozen=True)
class VisitorRow:
    """One line of the current visitors list."""

    visitor: Visitor
    location_kind: str
    location_id: int | None
    seen_at: datetime


class Backend(Protocol):
    def record(self, visit: Visit) -> None:
        """O(1); called after the response has been sent. Never raises."""

    def flush(self) -> None:
        """Store what this process has buffered (the background flusher, every tick). On a
        database error the visits are kept for the next tick and the error is raised."""

    def prune(self) -> int:
        """Delete visits older than the window, and guests beyond `max_guests()` (a periodic
        job); returns how many went."""

    def forget(self, visitor_key: str) -> None:
        """Remove a visitor at once (a guest who just logged in is now a member). Never raises."""

    def viewers(
        self, location_kind: str, location_id: int | None, since: datetime, exclude_key: str = ""
    ) -> Viewers:
        """Members named, guests only counted (at most `max_guests()`): never O(guests)."""

    def online(self, since: datetime, exclude_key: str = "") -> OnlineSummary:
        """Counts of everyone and the members online; like `viewers`, never O(guests)."""

    def visitors(
        self, since: datetime, kind: str | None = None, limit: int = 100
    ) -> list[VisitorRow]:
        """Newest first, at most `limit`, invisible members left out."""


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
    """The flusher's job: store this process's buffered visits (nothing to do for Redis)."""
    current = _current
    if current is not None:
        current[1].flush()


def reset_backend() -> None:
    """Forget the process's backend (and its buffer): tests start from nothing."""
    global _current
    with _lock:
        _current = None


def max_guests(default: int = knobs.PRESENCE_MAX_GUESTS_DATABASE) -> int:
    """PARLEY_PRESENCE_MAX_GUESTS: how many guests presence keeps. Guests cost a client nothing
    to invent (see `visitors`), so both backends drop the least recently seen beyond this, and
    pages never count more. The database counts up to this many on a page (so it stays small);
    Redis counts in O(log n) and only needs its memory bounded, so it passes a larger default."""
    configured = knobs.PRESENCE_MAX_GUESTS.get()
    return max(1, default if configured is None else configured)


def redis_prefix() -> str:
    return knobs.PRESENCE_REDIS_PREFIX.get()


def _build(redis_url: str, prefix: str) -> Backend:
    if redis_url:
        from parley.activity.presence.backends.redis import RedisBackend

        return RedisBackend(url=redis_url, prefix=prefix)
    from parley.activity.presence.backends.db import DatabaseBackend

    return DatabaseBackend()


flusher.register("presence", flush_buffered)
