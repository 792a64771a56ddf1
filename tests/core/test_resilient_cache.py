"""With Redis unreachable, pages still render: the cache misses instead of raising."""

from __future__ import annotations

import logging
from unittest import mock

from django.core.cache import caches
from django.test import TestCase, override_settings

from parley.core.cache import breaker
from tests.world import build_world

DEAD_REDIS = {
    "default": {
        "BACKEND": "parley.core.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
    }
}


class DeadRedisTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def setUp(self) -> None:
        # As a new process starts: never down, never logged.
        breaker.reset()
        self.addCleanup(breaker.reset)

    def test_cache_calls_miss_instead_of_raising(self) -> None:
        with override_settings(CACHES=DEAD_REDIS):
            cache = caches["default"]
            self.assertIsNone(cache.get("anything"))
            cache.set("k", 1)
            self.assertFalse(cache.add("k", 1))

    def test_pages_render_and_the_outage_is_logged_once(self) -> None:
        with (
            override_settings(CACHES=DEAD_REDIS),
            self.assertLogs("parley.core.cache", logging.WARNING) as logs,
        ):
            for url in ("/", self.w.long_thread.get_absolute_url(), "/whats-new/posts/"):
                self.assertEqual(self.client.get(url).status_code, 200, url)
            self.client.force_login(self.w.member)
            self.assertEqual(
                self.client.get(self.w.long_thread.get_absolute_url()).status_code, 200
            )
        self.assertEqual(len(logs.records), 1)

    def test_the_outage_is_logged_on_a_machine_that_just_booted(self) -> None:
        # time.monotonic() often counts from boot: a fresh CI machine reads small numbers.
        with (
            mock.patch("parley.core.breaker.time.monotonic", return_value=3.0),
            override_settings(CACHES=DEAD_REDIS),
            self.assertLogs("parley.core.cache", logging.WARNING) as logs,
        ):
            self.assertIsNone(caches["default"].get("anything"))
        self.assertEqual(len(logs.records), 1)


class ClientReuseTests(TestCase):
    """Each cache call used to build a new redis client around the pool."""

    def test_one_client_per_pool(self) -> None:
        with override_settings(CACHES=DEAD_REDIS):
            backend = caches["default"]._cache  # type: ignore[attr-defined]
            first = backend.get_client("a")
            self.assertIs(backend.get_client("b", write=True), first)
            self.assertIs(first.connection_pool, backend.get_client().connection_pool)
