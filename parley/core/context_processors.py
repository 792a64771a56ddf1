from __future__ import annotations

from django.http import HttpRequest

from parley.core import knobs

_NAV_TABS = {
    name: "whats-new"
    for name in ("whats-new", "whats-new-posts", "whats-new-threads", "whats-new-members")
}


def site(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else ""
    return {"site_name": knobs.SITE_NAME.get(), "nav_tab": _NAV_TABS.get(url_name or "", "forums")}
