from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

_NAV_TABS = {
    name: "whats-new"
    for name in ("whats-new", "whats-new-posts", "whats-new-threads", "whats-new-members")
}


def site(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else ""
    return {"site_name": settings.SITE_NAME, "nav_tab": _NAV_TABS.get(url_name or "", "forums")}
