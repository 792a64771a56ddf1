"""Attach `request.perms` once per request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from parley.permissions.guardian import perms_for


class PermissionsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Lazy, so static-like responses that never ask a question cost nothing.
        request.perms = SimpleLazyObject(lambda: perms_for(request.user))  # type: ignore[attr-defined]
        return self.get_response(request)
