"""The one circuit breaker: open for a while after a failure (callers fall back without waiting),
one warning line per outage (no traceback), a reminder while a long outage lasts, and a line when
the store is back. Then every Redis user on a closed port: calls degrade as before and the log
gets one warning per outage, not one per call."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import caches
from huey import RedisHuey
from huey.contrib.djhuey import HUEY

from parley.activity.presence.backends import PresenceUnavailable
from parley.activity.presence.backends.redis import RedisBackend as PresenceRedis
from parley.activity.presence.window import window_start
from parley.core import cache as cache_module
from parley.core import jobs, ratelimit
from parley.core.breaker import CircuitBreaker, Unavailable
from tests.core import jobs_tasks

DOWN_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
CALLS = 20
log = logging.getLogger("tests.core.breaker")


class Down(Exception):
    pass


class Store:
    """A stand-in for Redis: answers, or fails with Down, and counts what it was asked."""

    def __init__(self) -> None:
        self.up = True
        self.calls = 0

    def ask(self) -> str:
        self.calls += 1
        if not self.up:
            raise Down("Connection refused")
        return "answer"


@pytest.fixture
def clock() -> list[float]:
    return [3.0]  # a machine that booted seconds ago: monotonic time is small


@pytest.fixture
def breaker(clock: list[float]) -> CircuitBreaker:
    return CircuitBreaker(
        "Store",
        consequence="pages go on without it",
        open_seconds=10,
        remind_seconds=300,
        logger=log,
        errors=(Down,),
        clock=lambda: clock[0],
    )


def warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING]


def test_a_working_store_is_called_and_nothing_is_logged(breaker, caplog) -> None:
    store = Store()
    caplog.set_level(logging.DEBUG, logger=log.name)
    assert breaker.call(store.ask, "fallback") == "answer"
    assert breaker.run(store.ask) == "answer"
    assert store.calls == 2
    assert caplog.records == []


def test_an_outage_is_one_warning_line_and_the_store_is_left_alone(breaker, clock, caplog) -> None:
    store = Store()
    store.up = False
    caplog.set_level(logging.DEBUG, logger=log.name)
    for _ in range(CALLS):
        assert breaker.call(store.ask, "fallback") == "fallback"
    assert store.calls == 1  # the other calls did not wait on it
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None  # one line, no traceback
    message = record.getMessage()
    assert "\n" not in message
    assert message == (
        "Store is unavailable (Down: Connection refused); pages go on without it. "
        "Retrying every 10 s."
    )
    with pytest.raises(Unavailable):
        breaker.run(store.ask)
    assert store.calls == 1


def test_tried_again_after_the_open_period_still_the_same_outage(breaker, clock, caplog) -> None:
    store = Store()
    store.up = False
    breaker.call(store.ask, None)
    for _ in range(5):
        clock[0] += 11
        breaker.call(store.ask, None)
    assert store.calls == 6
    assert len(warnings(caplog)) == 1
    clock[0] += 300  # a long outage is mentioned again, with how long it has lasted
    breaker.call(store.ask, None)
    assert len(warnings(caplog)) == 2
    assert "for 355 s" in warnings(caplog)[1].getMessage()


def test_the_store_coming_back_ends_the_outage(breaker, clock, caplog) -> None:
    store = Store()
    caplog.set_level(logging.INFO, logger=log.name)
    store.up = False
    breaker.call(store.ask, None)
    clock[0] += 11
    store.up = True
    assert breaker.call(store.ask, None) == "answer"
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO] == [
        "Store is back after 11 s."
    ]
    store.up = False
    clock[0] += 1
    breaker.call(store.ask, None)  # a new outage: logged at once, whatever the reminder time
    assert len(warnings(caplog)) == 2


def test_other_errors_are_not_an_outage(breaker) -> None:
    def broken() -> str:
        raise ValueError("a bug, or the API saying no")

    with pytest.raises(ValueError):
        breaker.call(broken, "fallback")
    assert not breaker.is_open()


def test_reset_is_a_new_process(breaker, caplog) -> None:
    store = Store()
    store.up = False
    breaker.call(store.ask, None)
    breaker.reset()
    assert not breaker.is_open()
    breaker.call(store.ask, None)
    assert store.calls == 2
    assert len(warnings(caplog)) == 2


# --- Every Redis user, on a port where nothing listens ------------------------------------------


def test_rate_limits_fail_open_with_one_warning(caplog) -> None:
    backend = ratelimit.RedisBackend(DOWN_REDIS_URL)
    caplog.set_level(logging.DEBUG, logger="parley.core.ratelimit")
    for _ in range(CALLS):
        assert ratelimit.hit("k", 0, 60, backend=backend).allowed
        assert ratelimit.peek("k", 0, 60, backend=backend).allowed
        ratelimit.reset("k", 60, backend=backend)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "rate limits are not enforced" in record.getMessage()


def test_presence_degrades_with_one_warning(caplog) -> None:
    backend = PresenceRedis(url=DOWN_REDIS_URL, prefix="test:breaker:")
    caplog.set_level(logging.DEBUG, logger="parley.activity.presence")
    for _ in range(CALLS):
        with pytest.raises(PresenceUnavailable):
            backend.viewers("thread", 1, window_start())
        with pytest.raises(PresenceUnavailable):
            backend.online(window_start())
        backend.forget("g:someone")  # never raises
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "pages leave presence out" in record.getMessage()


@pytest.mark.django_db
def test_the_cache_misses_with_one_warning(caplog, settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "parley.core.cache.ResilientRedisCache",
            "LOCATION": DOWN_REDIS_URL,
            "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
        }
    }
    cache_module.breaker.reset()
    try:
        caplog.set_level(logging.DEBUG, logger="parley.core.cache")
        cache = caches["default"]
        for _ in range(CALLS):
            assert cache.get("k") is None
            cache.set("k", 1)
            assert cache.add("k", 1) is False
            assert cache.get_many(["k"]) == {}
        (record,) = caplog.records
        assert record.levelno == logging.WARNING and record.exc_info is None
        assert "without the cache" in record.getMessage()
    finally:
        cache_module.breaker.reset()


def test_enqueueing_on_a_closed_redis_port_gives_false_with_one_warning(
    monkeypatch, caplog
) -> None:
    down = RedisHuey("test-breaker", url=DOWN_REDIS_URL)
    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", down.storage)
    jobs.enqueue_breaker.reset()
    try:
        caplog.set_level(logging.DEBUG, logger="parley.core.jobs")
        for _ in range(CALLS):
            assert jobs.safe_enqueue(jobs_tasks.mark, "lost") is False
        (record,) = caplog.records
        assert record.levelno == logging.WARNING and record.exc_info is None
        assert "jobs are not enqueued" in record.getMessage()
    finally:
        jobs.enqueue_breaker.reset()
