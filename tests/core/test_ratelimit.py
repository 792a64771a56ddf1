"""Fixed-window rate limits on both backends: the database (the embedded default) and Redis.
Redis tests use database 10 under a prefix unique to the test, and delete their keys after."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.db import connection
from django.test import RequestFactory, override_settings

from parley.core import ratelimit
from parley.core.models import RateLimitBucket

TEST_REDIS_URL = "redis://127.0.0.1:6379/10"
DOWN_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
T0 = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)  # on a minute, hour and day boundary


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(params=["db", "redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[ratelimit.Backend]:
    if request.param == "db":
        request.getfixturevalue("db")
        yield ratelimit.DatabaseBackend()
        return
    prefix = f"test:ratelimit:{uuid.uuid4().hex[:12]}:"
    found = ratelimit.RedisBackend(TEST_REDIS_URL, prefix=prefix)
    yield found
    keys = list(found.client.scan_iter(f"{prefix}*"))
    if keys:
        found.client.delete(*keys)


def test_hits_up_to_the_limit_are_allowed_then_refused(backend: ratelimit.Backend) -> None:
    results = [ratelimit.hit("k", 3, 60, now=at(i), backend=backend) for i in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.hits for r in results] == [1, 2, 3, 4]
    assert results[3].retry_after == 57  # the window ends at T0 + 60 s
    assert results[3].retry_after_minutes == 1
    assert results[3].retry_after_text == "1 minute"
    assert results[0].retry_after == 0


def test_a_new_window_starts_afresh(backend: ratelimit.Backend) -> None:
    for i in range(3):
        ratelimit.hit("k", 2, 60, now=at(i), backend=backend)
    assert not ratelimit.peek("k", 2, 60, now=at(59), backend=backend).allowed
    fresh = ratelimit.hit("k", 2, 60, now=at(60), backend=backend)
    assert (fresh.allowed, fresh.hits) == (True, 1)


def test_peek_counts_nothing(backend: ratelimit.Backend) -> None:
    for _ in range(3):
        assert ratelimit.peek("k", 2, 60, now=at(0), backend=backend).allowed
    ratelimit.hit("k", 2, 60, now=at(0), backend=backend)
    assert ratelimit.peek("k", 2, 60, now=at(1), backend=backend).allowed
    ratelimit.hit("k", 2, 60, now=at(1), backend=backend)
    refused = ratelimit.peek("k", 2, 60, now=at(10), backend=backend)
    assert (refused.allowed, refused.hits, refused.retry_after) == (False, 2, 50)


def test_reset_forgets_the_current_window(backend: ratelimit.Backend) -> None:
    for i in range(5):
        ratelimit.hit("k", 2, 600, now=at(i), backend=backend)
    ratelimit.reset("k", 600, now=at(10), backend=backend)
    assert ratelimit.hit("k", 2, 600, now=at(11), backend=backend).hits == 1


def test_keys_are_independent(backend: ratelimit.Backend) -> None:
    ratelimit.hit("a", 1, 60, now=at(0), backend=backend)
    assert not ratelimit.hit("a", 1, 60, now=at(1), backend=backend).allowed
    assert ratelimit.hit("b", 1, 60, now=at(1), backend=backend).allowed


def test_long_windows_report_minutes(backend: ratelimit.Backend) -> None:
    ratelimit.hit("k", 0, 900, now=at(0), backend=backend)
    refused = ratelimit.hit("k", 0, 900, now=at(30), backend=backend)
    assert (refused.retry_after, refused.retry_after_text) == (870, "15 minutes")


def test_windows_longer_than_a_day_are_refused() -> None:
    with pytest.raises(ValueError):
        ratelimit.hit("k", 1, 2 * 24 * 60 * 60, backend=ratelimit.DatabaseBackend())


@pytest.mark.django_db
def test_database_buckets_are_pruned_once_old() -> None:
    backend = ratelimit.DatabaseBackend()
    ratelimit.hit("old", 5, 60, now=at(0), backend=backend)
    ratelimit.hit("new", 5, 60, now=at(2 * 24 * 60 * 60), backend=backend)
    assert ratelimit.prune_buckets(now=at(2 * 24 * 60 * 60)) == 1
    assert list(RateLimitBucket.objects.values_list("key", flat=True)) == ["new"]


def test_redis_keys_expire_with_their_window() -> None:
    prefix = f"test:ratelimit:{uuid.uuid4().hex[:12]}:"
    backend = ratelimit.RedisBackend(TEST_REDIS_URL, prefix=prefix)
    try:
        ratelimit.hit("k", 5, 60, backend=backend)
        (name,) = list(backend.client.scan_iter(f"{prefix}*"))
        assert 0 < backend.client.ttl(name) <= 61
    finally:
        for name in backend.client.scan_iter(f"{prefix}*"):
            backend.client.delete(name)


def test_redis_down_fails_open_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    backend = ratelimit.RedisBackend(DOWN_REDIS_URL)
    assert ratelimit.hit("k", 0, 60, backend=backend).allowed
    assert ratelimit.peek("k", 0, 60, backend=backend).allowed
    ratelimit.reset("k", 60, backend=backend)
    assert caplog.text.count("Redis (rate limits) is unavailable") == 1  # once, not per call


@pytest.mark.django_db
def test_the_backend_follows_the_settings() -> None:
    with override_settings(REDIS_URL=""):
        assert isinstance(ratelimit.get_backend(), ratelimit.DatabaseBackend)
    with override_settings(REDIS_URL=TEST_REDIS_URL):
        assert isinstance(ratelimit.get_backend(), ratelimit.RedisBackend)


@pytest.mark.parametrize("kind", ["db", "redis"])
@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted(kind: str) -> None:
    """Several workers hitting one key at once: no hit is lost (the upsert and INCR are atomic)."""
    prefix = f"test:ratelimit:{uuid.uuid4().hex[:12]}:"
    backend = (
        ratelimit.DatabaseBackend()
        if kind == "db"
        else ratelimit.RedisBackend(TEST_REDIS_URL, prefix=prefix)
    )
    workers, each = 4, 10
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(each):
                ratelimit.hit("shared", 1000, 3600, now=at(0), backend=backend)
        except BaseException as error:  # noqa: BLE001 - reported in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert ratelimit.peek("shared", 1000, 3600, now=at(1), backend=backend).hits == 40
    finally:
        if kind == "redis":
            for name in backend.client.scan_iter(f"{prefix}*"):
                backend.client.delete(name)


def test_ip_keys_hash_the_address() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    key = ratelimit.ip_key("login", request)
    assert key.startswith("login:ip:")
    assert "203.0.113.9" not in key
    assert key == ratelimit.ip_key("login", RequestFactory().get("/", REMOTE_ADDR="203.0.113.9"))
    assert key != ratelimit.ip_key("login", RequestFactory().get("/", REMOTE_ADDR="203.0.113.10"))


def test_ip_keys_follow_the_trusted_proxy_rule() -> None:
    # The rule itself is tested in test_clients; here, that limits key on its answer.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7"
    )
    direct = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    proxied = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert ratelimit.ip_key("login", request) == ratelimit.ip_key("login", direct)
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        assert ratelimit.ip_key("login", request) == ratelimit.ip_key("login", proxied)


def test_redis_is_reachable_for_these_tests() -> None:
    # Not a skip: the Redis backend is part of what ships, so its tests must really run.
    assert redis.Redis.from_url(TEST_REDIS_URL).ping()
