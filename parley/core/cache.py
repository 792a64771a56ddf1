"""A Redis cache that degrades instead of failing: when Redis is unreachable, reads miss and
writes are dropped, so every page still renders (slower, from the database), and the outage is
logged once per interval rather than once per request.

Dropping writes is safe only because nothing a reader must agree on lives in the cache alone:
sessions are database rows, and cached permission tables are keyed by a stamp read from the
database (parley.core.stamps), so a missed delete or incr can leave only unreachable entries."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
LOG_EVERY_SECONDS = 300
RETRY_AFTER_SECONDS = 10  # after a failure, skip Redis this long instead of waiting on timeouts
T = TypeVar("T")


class ResilientRedisCache(RedisCache):
    # -inf, not 0: time.monotonic() counts from an arbitrary point (often boot), so "0" would
    # mean "just now" on a machine up for less than LOG_EVERY_SECONDS.
    _down_until = float("-inf")
    _last_logged = float("-inf")

    def _guard(self, call: Callable[[], T], fallback: T) -> T:
        now = time.monotonic()
        if now < ResilientRedisCache._down_until:
            return fallback
        try:
            return call()
        except (RedisError, OSError) as error:
            ResilientRedisCache._down_until = now + RETRY_AFTER_SECONDS
            if now - ResilientRedisCache._last_logged >= LOG_EVERY_SECONDS:
                ResilientRedisCache._last_logged = now
                log.error("Redis cache unavailable, serving without it: %s", error)
            return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(
            lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).set(*args, **kwargs), None)

    def set_many(self, *args: Any, **kwargs: Any) -> list[Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).set_many(*args, **kwargs), [])

    def add(self, *args: Any, **kwargs: Any) -> bool:
        # Refusing an add is the safe failure: callers use it as a lock or a "once" guard.
        return self._guard(lambda: super(ResilientRedisCache, self).add(*args, **kwargs), False)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).delete(*args, **kwargs), False)

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).delete_many(*args, **kwargs), None)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # ValueError (missing key) still propagates: that is the API, not an outage.
        return self._guard(lambda: super(ResilientRedisCache, self).incr(key, delta, version), 0)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).touch(*args, **kwargs), False)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).has_key(*args, **kwargs), False)

    def clear(self) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).clear(), None)
