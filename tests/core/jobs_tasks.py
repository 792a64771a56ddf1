"""Tasks that only the job tests use. The consumer under test imports this module on top of
the app's own tasks (see `test_jobs.Board.start_consumer`); production never sees them.

They count what happened in `Stamp` rows, which the test reads from the consumer's database."""

from __future__ import annotations

from django.db.models import F
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parley.core import jobs
from parley.core.models import Stamp

FAILING_RETRIES = 2


def bump(name: str) -> None:
    Stamp.objects.get_or_create(name=name, defaults={"value": 0})
    Stamp.objects.filter(name=name).update(value=F("value") + 1)


@db_task()
def mark(name: str) -> None:
    bump(name)


@db_task(retries=FAILING_RETRIES, retry_delay=1)
def always_fails(name: str) -> None:
    bump(name)
    raise RuntimeError(f"{name} cannot succeed")


@db_periodic_task(crontab())  # every consumer fires it as its scheduler starts
def guarded_tick() -> None:
    bump("guard-ran" if _guarded() else "guard-skipped")


@jobs.once_per("test-guarded", 60 * 60)
def _guarded() -> bool:
    return True
