"""Periodic upkeep without a scheduler: jobs run after a response has been sent, each at most
once per its interval in this process, and (through the shared cache) once across workers.

A zero-configuration install has no cron, so flushing buffered view counts or pruning old rows
rides on traffic; a quiet board simply does less upkeep, which is all it needs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every_seconds: float
    run: Callable[[], object]
    shared: bool  # once across workers (cache-gated) rather than once per process
    last_run: float = 0.0


_jobs: list[Job] = []
_lock = threading.Lock()


def register(name: str, every_seconds: float, run: Callable[[], object], *, shared: bool) -> None:
    """`shared=False` for per-process work (flushing this process's buffers)."""
    if any(job.name == name for job in _jobs):
        return
    _jobs.append(Job(name, every_seconds, run, shared, last_run=time.monotonic()))


def run_due(**_: object) -> None:
    if not settings.PARLEY_HOUSEKEEPING:
        return
    now = time.monotonic()
    for job in _jobs:
        with _lock:
            if now - job.last_run < job.every_seconds:
                continue
            job.last_run = now
        if job.shared and not cache.add(f"housekeeping:{job.name}", 1, int(job.every_seconds)):
            continue
        try:
            job.run()
        except Exception:  # upkeep must never break serving; the next interval retries
            log.exception("Housekeeping job %s failed", job.name)
