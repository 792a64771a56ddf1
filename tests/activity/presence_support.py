"""Shared by the presence tests: run against a chosen backend, whatever the environment says.

Redis tests use database 14 under a prefix unique to the test, and delete their keys after.
Tests switch the background flusher off (settings.PARLEY_BACKGROUND_FLUSH) and tick it
themselves: `TickingClient` ticks after each request, as the real thread would well before the
next request of a reader one second later."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.test import Client, TestCase, override_settings
from django.utils import timezone

from parley.activity.presence.backends import Visit, reset_backend
from parley.activity.presence.backends.db import DatabaseBackend
from parley.activity.presence.backends.redis import RedisBackend
from parley.activity.presence.visitors import GUEST, MEMBER, ROBOT, Visitor
from parley.core import flusher
from tests.world import build_world

TEST_REDIS_URL = "redis://127.0.0.1:6379/14"
DOWN_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
BACKENDS = ("db", "redis")


def unique_prefix() -> str:
    return f"test:presence:{uuid.uuid4().hex[:12]}:"


def make_backend(kind: str) -> DatabaseBackend | RedisBackend:
    if kind == "db":
        return DatabaseBackend()
    return RedisBackend(url=TEST_REDIS_URL, prefix=unique_prefix())


def discard(backend: object) -> None:
    if isinstance(backend, RedisBackend):
        backend.clear()


@contextmanager
def site_backend(kind: str) -> Iterator[None]:
    """Make the site (middleware, views) use `kind`, starting from an empty presence."""
    url = {"db": "", "redis": TEST_REDIS_URL, "down": DOWN_REDIS_URL}[kind]
    prefix = unique_prefix()
    reset_backend()
    with override_settings(REDIS_URL=url, PARLEY_PRESENCE_REDIS_PREFIX=prefix):
        try:
            yield
        finally:
            if kind == "redis":
                RedisBackend(url=url, prefix=prefix).clear()
            reset_backend()


def tick() -> None:
    """One tick of this process's flusher: buffered visits are stored (view counts wait for
    their own, less frequent turn)."""
    flusher.run_due(1)


class TickingClient(Client):
    """A test client after each of whose requests the flusher ticks once; `ticks = False`
    leaves the visit in the buffer (to count a request's own queries)."""

    ticks = True

    def request(self, **request: object) -> object:
        response = super().request(**request)
        if self.ticks:
            tick()
        return response


def member(m: object, *, invisible: bool | None = None) -> Visitor:
    return Visitor(
        key=f"m:{m.pk}",  # type: ignore[attr-defined]
        kind=MEMBER,
        member_id=m.pk,  # type: ignore[attr-defined]
        name=m.username,  # type: ignore[attr-defined]
        is_invisible=m.is_invisible if invisible is None else invisible,  # type: ignore[attr-defined]
    )


def guest(n: int) -> Visitor:
    return Visitor(key=f"g:{n:032x}", kind=GUEST)


def robot(name: str) -> Visitor:
    return Visitor(key=f"r:{name}", kind=ROBOT, name=name)


def visit(
    visitor: Visitor, kind: str, location_id: int | None, at: datetime | None = None
) -> Visit:
    return Visit(visitor, kind, location_id, at or timezone.now())


class PresenceBoardTestCase(TestCase):
    """The world's board, its long thread and the thread's viewers fragment, with the site's
    presence backend set to `backend` for each test ("db" or "redis")."""

    backend = "db"

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.thread = cls.w.long_thread
        cls.fragment = f"/threads/{cls.thread.pk}/viewers"

    def setUp(self) -> None:
        context = site_backend(self.backend)
        context.__enter__()
        self.addCleanup(context.__exit__, None, None, None)
