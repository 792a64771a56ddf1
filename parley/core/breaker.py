"""One circuit breaker for every outside store a page must not wait on or fail with (Redis as
the cache, the rate-limit counters or presence; the job queue's storage).

After a failure the breaker is open for `open_seconds`: calls are skipped and the caller falls
back at once (a miss, "allowed", "not queued") instead of every request waiting out a socket
timeout. The outage is logged as one warning line when it starts (no traceback: the cause is a
connection, not our code), repeated at most every `remind_seconds` while it lasts, and the first
call that succeeds afterwards logs that the store is back, so the next failure is a new outage.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

REMIND_SECONDS = 300  # a long outage is logged again this often, never per call


class Unavailable(Exception):
    """The store failed just now, or did moments ago and is being left alone."""


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        consequence: str,
        open_seconds: float,
        logger: logging.Logger,
        errors: tuple[type[BaseException], ...] = (Exception,),
        remind_seconds: float = REMIND_SECONDS,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """`consequence` finishes the warning ("Redis is unavailable (…); <consequence>");
        `errors` are what counts as an outage (anything else propagates untouched); `logger` is
        the caller's, so the line names the subsystem that degraded."""
        self.name = name
        self.consequence = consequence
        self.open_seconds = open_seconds
        self.remind_seconds = remind_seconds
        self.errors = errors
        self._log = logger
        self._clock = clock
        self._lock = threading.Lock()
        # -inf, not 0: time.monotonic() counts from an arbitrary point (often boot), so 0 would
        # mean "just now" on a machine up for less than open_seconds.
        self._open_until = float("-inf")
        self._outage_since: float | None = None  # when the current outage began
        self._remind_at = float("-inf")

    def reset(self) -> None:
        """Closed and no outage seen, as in a new process (tests)."""
        with self._lock:
            self._open_until = float("-inf")
            self._outage_since = None
            self._remind_at = float("-inf")

    def is_open(self) -> bool:
        return self._now() < self._open_until

    def run(self, operation: Callable[[], T]) -> T:
        """`operation()`; raises Unavailable when the breaker is open or the call fails with
        one of `errors`."""
        if self.is_open():
            raise Unavailable(f"{self.name} was unreachable moments ago")
        try:
            result = operation()
        except self.errors as error:
            self.failed(error)
            raise Unavailable(f"{self.name}: {error}") from error
        self.succeeded()
        return result

    def call(self, operation: Callable[[], T], fallback: T) -> T:
        """`operation()`, or `fallback` while the store is unavailable."""
        try:
            return self.run(operation)
        except Unavailable:
            return fallback

    def failed(self, error: BaseException) -> None:
        with self._lock:
            now = self._now()
            self._open_until = now + self.open_seconds
            if self._outage_since is None:
                self._outage_since = now
            elif now < self._remind_at:
                return
            self._remind_at = now + self.remind_seconds
            down_for = now - self._outage_since
        self._log.warning(
            "%s is unavailable (%s: %s)%s; %s. Retrying every %g s.",
            self.name,
            type(error).__name__,
            str(error).strip() or "no detail",
            f" for {down_for:.0f} s" if down_for >= 1 else "",
            self.consequence,
            self.open_seconds,
        )

    def succeeded(self) -> None:
        if self._outage_since is None:  # the usual case: no lock, nothing to do
            return
        with self._lock:
            if self._outage_since is None:
                return
            down_for = self._now() - self._outage_since
            self._outage_since = None
            self._remind_at = float("-inf")
        self._log.info("%s is back after %.0f s.", self.name, down_for)

    def _now(self) -> float:
        return (self._clock or time.monotonic)()
