"""Read replicas (`PARLEY_DATABASE_REPLICA_URLS`): reads that may be a moment old go to a
replica, never a read that must be fresh, and never a member's view of what they just wrote.

The settings add one alias per URL (`replica_0`, `replica_1`…); this module's router and
middleware decide per request. Writes always go to `default`. A read goes to a replica only when
all of these hold:
- the request is a GET or HEAD, from a browser that has not written (sent a POST, or any other
  method) in the last `READ_YOUR_WRITES_SECONDS`: every such request leaves a short-lived
  cookie, so the member's next pages read their own writes from `default`;
- nothing has been written so far in this request, and `default` is not inside a transaction
  (a transaction reads what it is about to write from where it writes);
- the model is not one that must always be fresh: version stamps, sessions and rate-limit
  counters (`ALWAYS_DEFAULT`);
- the replica chosen for the request has caught up with the version stamps this request read
  from `default` (`core/stamps.py`). `content` moves with every write a guest could see and
  `perms` with every permission change, each in the changing transaction, and a replica applies
  transactions in commit order: so a replica whose stamps are at least the request's has every
  such write. This is what lets anything computed from replica reads be cached under those
  stamps (guests' whole pages, permission tables, a member's ban): it is never older than its
  key. It costs one small query on the replica, on the request's first replica read; a replica
  that is behind, or unreachable, leaves the whole request to `default`.

Everything else (the job consumer, the flusher, commands: no request) reads from `default`."""

from __future__ import annotations

import contextvars
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db import connections as db_connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from parley.core import stamps
from parley.core.breaker import CircuitBreaker
from parley.core.models import Stamp

log = logging.getLogger(__name__)

REPLICA_PREFIX = "replica_"  # the settings name replica aliases replica_0, replica_1…
READ_YOUR_WRITES_SECONDS = 5  # well above a healthy replica's lag, well below a reading session
WROTE_COOKIE = "parley_wrote"  # when this browser last wrote (Unix seconds)
UNREACHABLE_SECONDS = 10.0  # a replica that failed is left alone this long
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Models whose rows decide what a request may do or see, read on every request: never a moment
# old (a revoked session, a bumped stamp, a rate limit's count).
ALWAYS_DEFAULT = frozenset(
    {"core.stamp", "core.ratelimitbucket", "accounts.membersession", "sessions.session"}
)


def replica_aliases() -> tuple[str, ...]:
    return tuple(alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX))


# --- Per request ---------------------------------------------------------------------------------


@dataclass
class _Request:
    request: HttpRequest
    replica: str | None  # None: every read of this request goes to default
    checked: bool = False  # the replica's stamps have been compared with the request's
    checking: bool = False  # …right now: reads made meanwhile go to default
    wrote: bool = False  # the rest of the request reads what it wrote, from default


_current: contextvars.ContextVar[_Request | None] = contextvars.ContextVar(
    "parley_replica_request", default=None
)
_breakers: dict[str, CircuitBreaker] = {}


def _breaker(alias: str) -> CircuitBreaker:
    if alias not in _breakers:
        _breakers[alias] = CircuitBreaker(
            f"Database replica {alias}",
            consequence="its reads go to the primary database",
            open_seconds=UNREACHABLE_SECONDS,
            logger=log,
            errors=(DatabaseError,),
        )
    return _breakers[alias]


def wrote_recently(request: HttpRequest, now: float | None = None) -> bool:
    raw = request.COOKIES.get(WROTE_COOKIE, "")
    if not raw.isdigit():
        return False
    now = time.time() if now is None else now
    # A clock a little ahead on another app server still counts as recent.
    return int(raw) > now - READ_YOUR_WRITES_SECONDS


def _stamps_on(alias: str) -> Mapping[str, int]:
    return dict(Stamp.objects.using(alias).values_list("name", "value"))


def _caught_up(state: _Request, alias: str) -> bool:
    """Has `alias` applied every write behind the stamps this request reads from default? The
    request's own stamps are the ones caches are keyed by (`request.perms.stamps`, built now if
    not yet: the reads that builds go to default)."""
    perms = getattr(state.request, "perms", None)
    wanted: Mapping[str, int] | None = getattr(perms, "stamps", None) if perms else None
    if not wanted:
        wanted = stamps.read_all()
    seen = _breaker(alias).call(lambda: _stamps_on(alias), None)
    if seen is None:
        return False
    names = {stamps.PERMS, stamps.CONTENT, *wanted}
    return all(stamps.value(seen, name) >= stamps.value(wanted, name) for name in names)


def _replica_for_this_read() -> str | None:
    state = _current.get()
    if state is None or state.replica is None or state.wrote or state.checking:
        return None
    if db_connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None
    if not state.checked:
        replica, state.replica = state.replica, None  # until it is known to have caught up
        state.checking = True
        try:
            if _caught_up(state, replica):
                state.replica = replica
        finally:
            state.checking = False
            state.checked = True
    return state.replica


class ReplicaRouter:
    """DATABASE_ROUTERS: without replica aliases it has no opinion (Django's own behaviour)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if not replica_aliases():
            return None
        if model._meta.label_lower in ALWAYS_DEFAULT:
            return DEFAULT_DB_ALIAS
        return _replica_for_this_read() or DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        state = _current.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS if replica_aliases() else None

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        same_database = {DEFAULT_DB_ALIAS, *replica_aliases()}
        if obj1._state.db in same_database and obj2._state.db in same_database:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db in replica_aliases() else None


class ReplicaMiddleware:
    """Decides, per request, whether its reads may go to a replica; leaves the read-your-writes
    cookie on every response to a request that may have written. Last in MIDDLEWARE: the
    session, the member and the permission stamps are read before it, from default."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        aliases = replica_aliases()
        if not aliases:
            return self.get_response(request)
        reads_may_lag = request.method in SAFE_METHODS and not wrote_recently(request)
        # S311: spreading load, not secrecy.
        replica = random.choice(aliases) if reads_may_lag else None  # noqa: S311
        token = _current.set(_Request(request, replica))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                WROTE_COOKIE,
                str(int(time.time())),
                max_age=READ_YOUR_WRITES_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
