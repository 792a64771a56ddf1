"""The benchmark's baseline page: a fixed body of a chosen size, through the whole middleware
stack (sessions, CSRF, auth, CSP, `request.perms` and its stamp read, presence), with no view
work at all. `parley bench` measures it beside every page in the same run: a page's cost is its
throughput against this one, on the same server, machine and moment.

Only a server the bench starts has it. The bench sets `PARLEY_BENCH_BASELINE` to a random token
(letters and digits, at least `MIN_TOKEN_CHARS`) in that server's environment, and the page is
then at `/_bench/<token>/baseline/<bytes>`. Without the variable, or with a value that is not
such a token (`1`, say), no URL is added and the address is a 404 like any unknown one; with it,
only whoever knows the token can reach the page. It is deliberately not a knob: nobody
configures it, and the README's settings tables do not list it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

ENV = "PARLEY_BENCH_BASELINE"
MIN_TOKEN_CHARS = 16  # a guessed or default value ("1", "true") never mounts the page
MAX_BYTES = 4 * 1024 * 1024  # a thread page is tens of kilobytes


@lru_cache(maxsize=8)
def _body(size: int) -> bytes:
    head = b"<!DOCTYPE html><title>baseline</title><pre>"
    filler = b"baseline bytes, the size of the page measured beside them.\n"
    body = head + filler * (size // len(filler) + 1)
    return body[:size]


def baseline(request: HttpRequest, size: int) -> HttpResponse:
    return HttpResponse(_body(min(size, MAX_BYTES)), content_type="text/html; charset=utf-8")


def token_from(environ: Mapping[str, str]) -> str | None:
    token = environ.get(ENV, "").strip()
    return token if len(token) >= MIN_TOKEN_CHARS and token.isalnum() else None


def urlpatterns_for(environ: Mapping[str, str]) -> list[URLPattern]:
    """The baseline's URL when `environ` carries the bench's token; none otherwise."""
    token = token_from(environ)
    if token is None:
        return []
    return [path(f"_bench/{token}/baseline/<int:size>", baseline, name="bench-baseline")]


def baseline_path(token: str, size: int) -> str:
    return f"/_bench/{token}/baseline/{size}"
