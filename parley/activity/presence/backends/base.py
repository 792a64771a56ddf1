"""What every presence backend shares: the records it stores and returns, the interface it
implements, and the cap on guests. The backends import this module; the package's `__init__`
picks one of them and exposes these records as its public API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from parley.activity.presence.visitors import GUEST, MEMBER, ROBOT, Visitor
from parley.core import knobs


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


def max_guests(default: int = knobs.PRESENCE_MAX_GUESTS_DATABASE) -> int:
    """PARLEY_PRESENCE_MAX_GUESTS: how many guests presence keeps. Guests cost a client nothing
    to invent (see `visitors`), so both backends drop the least recently seen beyond this, and
    pages never count more. The database counts up to this many on a page (so it stays small);
    Redis counts in O(log n) and only needs its memory bounded, so it passes a larger default."""
    configured = knobs.PRESENCE_MAX_GUESTS.get()
    return max(1, default if configured is None else configured)
