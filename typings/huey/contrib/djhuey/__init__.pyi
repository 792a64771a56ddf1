import datetime
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from huey.api import Huey, TaskWrapper

_P = ParamSpec("_P")
_R = TypeVar("_R")

HUEY: Huey

# Huey.task / Huey.periodic_task that close stale database connections around each run.
def db_task(
    retries: int = 0,
    retry_delay: int = 0,
    retry_backoff: float = 0,
    priority: int | None = None,
    context: bool = False,
    name: str | None = None,
    expires: float | datetime.timedelta | datetime.datetime | None = None,
    timeout: float | None = None,
) -> Callable[[Callable[_P, _R]], TaskWrapper[_P, _R]]: ...
def db_periodic_task(
    validate_datetime: Callable[[datetime.datetime], bool],
    retries: int = 0,
    retry_delay: int = 0,
    retry_backoff: float = 0,
    priority: int | None = None,
    context: bool = False,
    name: str | None = None,
    expires: float | datetime.timedelta | datetime.datetime | None = None,
    timeout: float | None = None,
) -> Callable[[Callable[[], _R]], TaskWrapper[[], _R]]: ...
