"""`Server-Timing: app;dur=…`: how long the application took over a response, from the first
middleware to the last byte of a rendered page (the standard header: browsers show it among a
request's timings, and `parley bench` reports its median beside the latencies its clients saw,
which include waiting for a free worker)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "Server-Timing"


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response
