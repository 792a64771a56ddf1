"""Who sent a request, as far as the network tells us."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address; "" when the request carries none.

    The one trusted-proxy rule: only behind our own HTTPS proxy (PARLEY_BEHIND_HTTPS_PROXY, which
    sets SECURE_PROXY_SSL_HEADER) is X-Forwarded-For read, and then only its last entry, the one
    that proxy appended. Earlier entries are whatever the client sent, and anything keyed on a
    client-chosen value (a rate limit, a guest's network) limits nothing. Without the proxy the
    header is ignored and REMOTE_ADDR is the peer."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        if last := forwarded.rsplit(",", 1)[-1].strip():
            return last
    return str(request.META.get("REMOTE_ADDR") or "")
