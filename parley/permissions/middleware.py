"""Attach `request.perms` once per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from parley.accounts.models import Member
from parley.permissions.guardian import Perms, perms_for
from parley.permissions.http import ParleyRequest


class PermissionsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: ParleyRequest) -> HttpResponse:
        # Lazy, so static-like responses that never ask a question cost nothing; the lazy object
        # stands in for the Perms it builds.
        request.perms = cast(Perms, SimpleLazyObject(lambda: perms_for(_member(request))))
        return self.get_response(request)


def _member(request: ParleyRequest) -> Member | None:
    """The reader, None for a guest."""
    return request.user if isinstance(request.user, Member) else None
