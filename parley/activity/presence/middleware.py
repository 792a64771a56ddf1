"""Records each visitor's location after the response has been sent: into this process's buffer
(database backend; the background flusher stores it) or straight to Redis."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from parley.activity.presence.backends import Visit, get_backend
from parley.activity.presence.locations import location_for
from parley.activity.presence.visitors import GUEST, identify

log = logging.getLogger(__name__)


class PresenceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Who a guest was, in case this request logs them in (login, registration): then they
        # are a member, not one of each for the rest of the window.
        guest_key = ""
        if request.method == "POST" and not request.user.is_authenticated:
            visitor = identify(request)
            guest_key = visitor.key if visitor.kind == GUEST else ""
        response = self.get_response(request)
        if guest_key and request.user.is_authenticated:
            after_response(response, lambda: get_backend().forget(guest_key))
        location = location_for(request, response)
        if location is not None:
            visit = Visit(identify(request), location.kind, location.id, timezone.now())
            after_response(response, lambda: get_backend().record(visit))
        return response


def after_response(response: HttpResponse, work: Callable[[], None]) -> None:
    """Run `work` when the server closes the response, i.e. once the body has been sent.
    Django swallows errors raised by closers silently, so they are logged here."""

    def run() -> None:
        try:
            work()
        except Exception:
            log.exception("presence: work after the response failed")

    response._resource_closers.append(run)  # type: ignore[attr-defined]
