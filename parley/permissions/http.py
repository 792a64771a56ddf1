"""The request Parley's views receive, typed with what the middleware attaches.

A view annotates its request as `ParleyRequest` (anyone) or `MemberRequest` (behind
`login_required`, where the reader is a logged-in member), so that `request.perms` and
`request.user` are typed without a cast at each use. Django builds a plain `HttpRequest`; these
classes only describe it after `PermissionsMiddleware` and Django's authentication ran."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from parley.accounts.models import Member
from parley.permissions.guardian import Perms


class ParleyRequest(HttpRequest):
    user: Member | AnonymousUser
    perms: Perms  # the reader's guardian, built on first use


class MemberRequest(ParleyRequest):
    """A request `login_required` let through."""

    user: Member
