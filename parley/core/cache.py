"""A Redis cache that degrades instead of failing: when Redis is unreachable, reads miss and
writes are dropped, so every page still renders (slower, from the database), and the outage is
logged once (`parley.core.breaker`) rather than once per request.

Dropping writes is safe only because nothing a reader must agree on lives in the cache alone:
sessions are database rows, and cached permission tables are keyed by a stamp read from the
database (parley.core.stamps), so a missed delete or incr can leave only unreachable entries."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

from parley.core.breaker import CircuitBreaker

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 10  # after a failure, skip Redis this long instead of waiting on timeouts

# One per process, shared by every cache alias (they are one Redis server).
breaker = CircuitBreaker(
    "Redis (cache)",
    consequence="pages are served without the cache (misses, writes dropped)",
    open_seconds=RETRY_AFTER_SECONDS,
    logger=log,
    errors=(RedisError, OSError),
)


class _ReusedClients(RedisCacheClient):
    """Django builds a new `redis.Redis` around the pool for every call; one per pool does.
    (The client holds no connection of its own: the pool lends them, and re-creates them in a
    forked child.)"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return breaker.call(
            lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return breaker.call(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def set(self, *args: Any, **kwargs: Any) -> None:
        breaker.call(lambda: super(ResilientRedisCache, self).set(*args, **kwargs), None)

    def set_many(self, *args: Any, **kwargs: Any) -> list[Any]:
        return breaker.call(lambda: super(ResilientRedisCache, self).set_many(*args, **kwargs), [])

    def add(self, *args: Any, **kwargs: Any) -> bool:
        # Refusing an add is the safe failure: callers use it as a lock or a "once" guard.
        return breaker.call(lambda: super(ResilientRedisCache, self).add(*args, **kwargs), False)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return breaker.call(lambda: super(ResilientRedisCache, self).delete(*args, **kwargs), False)

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        breaker.call(lambda: super(ResilientRedisCache, self).delete_many(*args, **kwargs), None)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # ValueError (missing key) still propagates: that is the API, not an outage.
        return breaker.call(lambda: super(ResilientRedisCache, self).incr(key, delta, version), 0)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return breaker.call(lambda: super(ResilientRedisCache, self).touch(*args, **kwargs), False)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return breaker.call(
            lambda: super(ResilientRedisCache, self).has_key(*args, **kwargs), False
        )

    def clear(self) -> None:
        breaker.call(lambda: super(ResilientRedisCache, self).clear(), None)
