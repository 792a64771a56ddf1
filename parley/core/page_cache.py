"""Whole pages for guests, kept in the shared cache: every guest sees the same index, forum and
thread pages, so one render can answer many.

**When a page is retired.** Every entry's key carries the `perms` and `content` version stamps
(`core/stamps.py`) and the current minute:
- `content` moves with every database write a guest could see. It is not left to each service
  to remember: a wrapper on every database connection sees each INSERT, UPDATE and DELETE and
  bumps the stamp in the same transaction, once per transaction, so the change and the new
  stamp commit together. Tables whose rows no guest page shows (sessions, presence,
  read markers, rate limits…) are named by their apps (`ignore_writes_to`), and a write that
  only looks like a change (a member's "last seen") runs inside `unseen_by_guests()`. A new
  table retires pages until someone decides otherwise: too often is slower, never wrong.
- `perms` moves with groups, permission entries, bans and the forum tree.
- The minute keeps relative times ("5 minutes ago") and view counts at most a minute old.
- A fingerprint of the board's knobs (site name, posts per page…) keeps pages of another
  configuration apart.

**What is not cached.** Members' pages; requests with a query string, a session or messages
cookie, or from htmx; responses other than a 200 HTML page without cookies or a CSRF token.

**The live region.** The page's one presence block ("who is viewing") differs between
requests: the block's template tag wraps it in `LIVE_START`/`LIVE_END`, and a cached page is
served with that region rendered afresh by the view's `live` function.

Answers carry a weak ETag and Last-Modified, so a browser that asks again gets a 304."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import Model
from django.db.models.signals import post_migrate, pre_migrate
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from parley.core import knobs, stamps
from parley.core.models import FailedJob, RateLimitBucket, Stamp

LIVE_START = "<!--parley:live-->"
LIVE_END = "<!--parley:/live-->"
ENTRY_SECONDS = 120  # frees space only: the minute in the key retires entries sooner
# Pages this process served last, by the same key: a hit needs no trip to the shared cache nor
# unpickling. Safe as the key is: it carries the stamps every request reads from the database.
LOCAL_MAX_ENTRIES = 64
CACHE_HEADER = "X-Parley-Page-Cache"  # hit or miss, for the benchmark and the curious

View = Callable[..., HttpResponse]
Live = Callable[[HttpRequest, dict[str, Any]], str]
OnHit = Callable[[HttpRequest, dict[str, Any]], None]

# --- Which writes retire pages ------------------------------------------------------------------

_ignored_tables: set[str] = {Stamp._meta.db_table}
_lock = threading.Lock()
_migrating = False  # the stamp table may not exist yet, and no page is kept across a migration
_WRITE = re.compile(
    r"""\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)
        \s+["`]?([\w.]+)""",
    re.IGNORECASE | re.VERBOSE,
)
_WRITE_ANYWHERE = re.compile(r"\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def ignore_writes_to(*models: type[Model]) -> None:
    """Writes to these models' tables never change a guest's page (call from `ready()`)."""
    with _lock:
        _ignored_tables.update(model._meta.db_table for model in models)


@contextmanager
def unseen_by_guests(using: str = "default") -> Iterator[None]:
    """Writes inside this block change nothing a guest's page shows."""
    connection = connections[using]
    connection.parley_unseen_depth = getattr(connection, "parley_unseen_depth", 0) + 1  # type: ignore[attr-defined]
    try:
        yield
    finally:
        connection.parley_unseen_depth -= 1  # type: ignore[attr-defined]


def _seen_by_guests(sql: str) -> bool:
    head = sql.lstrip()[:1].upper()
    if head not in "IUDRW" or not head:  # SELECT, PRAGMA, SAVEPOINT, …
        return False
    match = _WRITE.match(sql)
    if match is None:
        # A statement that starts otherwise (WITH …) but writes: count it, to be safe.
        return head == "W" and _WRITE_ANYWHERE.search(sql) is not None
    return match.group(1).split(".")[-1] not in _ignored_tables


def _watch_writes(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
    connection = context["connection"]
    # Bumped before the write runs: after it, an INSERT … RETURNING is still open on SQLite.
    # A write that then fails has its transaction, bump included, rolled back.
    watching = not _migrating and not getattr(connection, "parley_unseen_depth", 0)
    if watching and _seen_by_guests(sql):
        _content_changed(connection)
    return execute(sql, params, many, context)


def _content_changed(connection: BaseDatabaseWrapper) -> None:
    """Bump `content` in the writing transaction, once per transaction. Django gives each
    transaction a new list of on-commit callbacks, and a new one after a savepoint rolls back
    (taking its bump with it), so that list tells one transaction from the next."""
    if connection.in_atomic_block:
        if getattr(connection, "parley_content_scope", None) is connection.run_on_commit:
            return
        connection.parley_content_scope = connection.run_on_commit  # type: ignore[attr-defined]
    table = connection.ops.quote_name(Stamp._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value + 1 WHERE name = %s",  # noqa: S608 (our table)
            [stamps.CONTENT],
        )
        if cursor.rowcount == 0:  # a database emptied by hand; readers assumed INITIAL
            Stamp.objects.using(connection.alias).get_or_create(
                name=stamps.CONTENT, defaults={"value": stamps.INITIAL + 1}
            )


def _install(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def _migration_started(**kwargs: object) -> None:
    global _migrating
    _migrating = True


def _migration_ended(**kwargs: object) -> None:
    global _migrating
    _migrating = False


def watch_connections() -> None:
    """Called once from `CoreConfig.ready()`: every connection, now and later, is watched."""
    ignore_writes_to(RateLimitBucket, FailedJob)
    connection_created.connect(_install, dispatch_uid="parley.page_cache")
    pre_migrate.connect(_migration_started, dispatch_uid="parley.page_cache")
    post_migrate.connect(_migration_ended, dispatch_uid="parley.page_cache")
    setting_changed.connect(_settings_changed, dispatch_uid="parley.page_cache")
    for connection in connections.all(initialized_only=True):
        _install(None, connection)


# --- Serving ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    before: bytes  # up to and including LIVE_START (the whole page when it has no live region)
    after: bytes  # from LIVE_END on
    content_type: str
    rendered_at: float

    def body(self, live: bytes) -> bytes:
        return self.before + live + self.after if self.after else self.before


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and knobs.GUEST_PAGE_CACHE.get()
        and not request.META.get("QUERY_STRING")
        and not request.headers.get("HX-Request")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def _entry_from(request: HttpRequest, response: HttpResponse) -> _Entry | None:
    content_type = response.get("Content-Type", "")
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page carries a CSRF token
        or not content_type.startswith("text/html")
    ):
        return None
    content = response.content
    start, end = LIVE_START.encode(), LIVE_END.encode()
    if content.count(start) > 1 or content.count(start) != content.count(end):
        return None
    if start not in content:
        return _Entry(content, b"", content_type, time.time())
    before, rest = content.split(start, 1)
    _, after = rest.split(end, 1)
    return _Entry(before + start, end + after, content_type, time.time())


_fingerprint: str | None = None


def _settings_fingerprint() -> str:
    """The board's knobs (site name, posts per page…) as this process has them: a restart with
    other settings, or a test's override, never meets pages rendered under the old ones."""
    global _fingerprint
    if _fingerprint is None:
        values = repr([(knob.env, knob.get()) for knob in knobs.KNOBS if knob.setting])
        _fingerprint = hashlib.sha256(values.encode()).hexdigest()[:12]
    return _fingerprint


def _settings_changed(**kwargs: object) -> None:
    global _fingerprint
    _fingerprint = None


def _key(request: HttpRequest) -> str:
    current = request.perms.stamps  # type: ignore[attr-defined]
    where = f"{request.scheme}://{request.get_host()}{request.path}"
    return ":".join(
        [
            "guest-page",
            _settings_fingerprint(),
            str(stamps.value(current, stamps.PERMS)),
            str(stamps.value(current, stamps.CONTENT)),
            str(int(time.time() // 60)),
            hashlib.sha256(where.encode()).hexdigest()[:32],
        ]
    )


def _headers(response: HttpResponse, key: str, entry: _Entry, state: str) -> HttpResponse:
    response["ETag"] = f'W/"{hashlib.sha256(key.encode()).hexdigest()[:24]}"'
    response["Last-Modified"] = http_date(entry.rendered_at)
    response["Cache-Control"] = "no-cache"  # a browser may keep it, but asks again (304)
    response[CACHE_HEADER] = state
    patch_vary_headers(response, ["Cookie"])
    return response


_local: dict[str, _Entry] = {}
_local_lock = threading.Lock()


def _cached(key: str) -> _Entry | None:
    entry = _local.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is not None:
            _remember(key, entry)
    return entry


def _remember(key: str, entry: _Entry) -> None:
    with _local_lock:
        if len(_local) >= LOCAL_MAX_ENTRIES:  # mostly pages of stamps gone by: start over
            _local.clear()
        _local[key] = entry


def forget_local() -> None:
    """For tests, whose rolled-back transactions take stamps back to values already used."""
    with _local_lock:
        _local.clear()


def for_guests(*, live: Live, on_hit: OnHit | None = None) -> Callable[[View], View]:
    """Serve a view's guest pages from the shared cache. `live(request, kwargs)` renders the
    page's live region; `on_hit(request, kwargs)` does what the view does besides rendering
    (count a thread view)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if args or not _cacheable_request(request):
                return view(request, *args, **kwargs)
            key = _key(request)
            entry = _cached(key)
            if entry is None:
                response = view(request, **kwargs)
                entry = _entry_from(request, response)
                if entry is None:
                    return response
                cache.set(key, entry, ENTRY_SECONDS)
                _remember(key, entry)
                # A later write in this same transaction must bump again, or it would be served
                # this page (tests do this; a request that writes never caches a guest page).
                for connection in connections.all(initialized_only=True):
                    connection.parley_content_scope = None  # type: ignore[attr-defined]
                return _headers(response, key, entry, "miss")
            if on_hit is not None:
                on_hit(request, kwargs)
            answer = _headers(HttpResponse(content_type=entry.content_type), key, entry, "hit")
            unchanged = get_conditional_response(
                request,
                etag=answer["ETag"],
                last_modified=int(entry.rendered_at),
                response=answer,
            )
            if unchanged is not None and unchanged is not answer:  # 304
                return unchanged
            live_html = live(request, kwargs).encode() if entry.after else b""
            answer.content = entry.body(live_html)
            return answer

        return wrapped

    return decorate
