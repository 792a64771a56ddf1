import datetime
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")
_F = TypeVar("_F", bound=Callable[..., Any])

class Task:
    name: str
    id: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    eta: datetime.datetime | None
    retries: int
    retry_delay: int
    def execute(self) -> Any: ...

class PeriodicTask(Task): ...

class Result:
    id: str
    def get(self, blocking: bool = False, timeout: float | None = None) -> Any: ...

class TaskWrapper(Generic[_P, _R]):
    huey: Huey
    name: str | None
    @property
    def retries(self) -> int: ...
    @property
    def retry_delay(self) -> int: ...
    # Enqueues; a Result when the queue keeps results.
    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> Result | None: ...
    def call_local(self, *args: _P.args, **kwargs: _P.kwargs) -> _R: ...
    def schedule(
        self,
        args: tuple[Any, ...] | float | datetime.timedelta | datetime.datetime | None = None,
        kwargs: dict[str, Any] | None = None,
        eta: datetime.datetime | None = None,
        delay: float | datetime.timedelta | None = None,
        priority: int | None = None,
        retries: int | None = None,
        retry_delay: int | None = None,
        retry_backoff: float | None = None,
        expires: float | datetime.timedelta | datetime.datetime | None = None,
        timeout: float | None = None,
        id: str | None = None,
    ) -> Result | None: ...
    def revoke(
        self, revoke_until: datetime.datetime | None = None, revoke_once: bool = False
    ) -> None: ...

class Huey:
    name: str
    results: bool
    utc: bool
    immediate: bool
    def task(
        self,
        retries: int = 0,
        retry_delay: int = 0,
        retry_backoff: float = 0,
        priority: int | None = None,
        context: bool = False,
        name: str | None = None,
        expires: float | datetime.timedelta | datetime.datetime | None = None,
        timeout: float | None = None,
    ) -> Callable[[Callable[_P, _R]], TaskWrapper[_P, _R]]: ...
    def periodic_task(
        self,
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
    # Receivers are called as (signal, task, *args), e.g. the exception for SIGNAL_ERROR.
    def signal(self, *signals: str) -> Callable[[_F], _F]: ...
    def enqueue(self, task: Task) -> Result | None: ...

class SqliteHuey(Huey): ...
class RedisHuey(Huey): ...

def crontab(
    minute: str = "*",
    hour: str = "*",
    day: str = "*",
    month: str = "*",
    day_of_week: str = "*",
    strict: bool = False,
) -> Callable[[datetime.datetime], bool]: ...
