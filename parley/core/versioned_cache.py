"""Values computed under a version stamp (`parley.core.stamps`), kept at two levels: this
process's memory (first, no unpickling) and the shared cache (second, so a value is computed once
per board rather than once per process).

Every key carries the stamp, so a bump retires every copy in every worker at once and a cache
that missed a delete (Redis down) can only hold unreachable entries. While this connection's
transaction has bumped a stamp and not yet committed, nothing is cached at either level: what it
reads may still roll back, and other workers do not see it yet."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar, cast

from django.core.cache import cache

from parley.core import stamps

T = TypeVar("T")
_MISSING = object()  # a cached None is a value, not a miss


class VersionedCache:
    """`get_or_compute(stamp, key, compute)`, memoised per stamp; one instance per kind of
    value (`namespace` keeps their shared keys apart)."""

    def __init__(self, namespace: str, *, shared_seconds: int, local_max_entries: int) -> None:
        """`shared_seconds` only frees space (the stamp is what retires entries);
        `local_max_entries` bounds this process's copies (past it, they start over)."""
        self.namespace = namespace
        self.shared_seconds = shared_seconds
        self.local_max_entries = local_max_entries
        self._lock = threading.Lock()
        self._stamp = 0  # the stamp every entry in _entries was computed under
        self._entries: dict[str, object] = {}

    def get_or_compute(self, stamp: int, key: str, compute: Callable[[], T]) -> T:
        if stamps.uncommitted_bump():
            return compute()
        with self._lock:
            if stamp != self._stamp:
                if stamp < self._stamp:  # a reader that read the stamp before a bump: no memo
                    return self._shared(stamp, key, compute)
                self._stamp, self._entries = stamp, {}
            if key in self._entries:
                return self._entries[key]  # type: ignore[return-value]
        found = self._shared(stamp, key, compute)
        with self._lock:
            if stamp == self._stamp:
                if len(self._entries) >= self.local_max_entries:
                    self._entries = {}
                self._entries[key] = found
        return found

    def forget_local(self) -> None:
        """Empty this process's copies (tests roll stamps back, which production never does)."""
        with self._lock:
            self._stamp, self._entries = 0, {}

    def shared_key(self, stamp: int, key: str) -> str:
        return f"{self.namespace}:{stamp}:{key}"

    def _shared(self, stamp: int, key: str, compute: Callable[[], T]) -> T:
        shared_key = self.shared_key(stamp, key)
        found = cache.get(shared_key, _MISSING)
        if found is not _MISSING:
            return cast(T, found)
        computed = compute()
        cache.set(shared_key, computed, self.shared_seconds)
        return computed
