"""Where a visitor is: derived from the URL a request resolved to, after its view ran."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

THREAD, FORUM, MEMBER_PROFILE, UNKNOWN = "thread", "forum", "member", "page"
OBJECT_KINDS = (THREAD, FORUM, MEMBER_PROFILE)  # locations that name an object by id

# Keyword arguments that name the object a page (or a poll from that page) is about; the first
# one present wins, so a poll carrying a thread_id keeps its reader on that thread.
_ID_KWARGS = (("thread_id", THREAD), ("forum_id", FORUM), ("member_id", MEMBER_PROFILE))

# Pages without an object, by URL name. Anything else that renders HTML is "an unknown page".
_PAGES = {
    "index": "index",
    "online": "online",
    "whats-new": "whats-new",
    "whats-new-posts": "whats-new",
    "whats-new-threads": "whats-new",
    "whats-new-members": "whats-new",
    "login": "login",
    "register": "register",
    "account": "account",
    "account-password": "account",
    "account-email": "account",
    "password_reset": "lost-password",
    "password_reset_done": "lost-password",
    "password_reset_confirm": "lost-password",
    "password_reset_complete": "lost-password",
}

# What the online list says each visitor is doing; object kinds add the object's title.
LABELS = {
    THREAD: "Viewing thread",
    FORUM: "Viewing forum",
    MEMBER_PROFILE: "Viewing member profile",
    "index": "Viewing forum index",
    "online": "Viewing online list",
    "whats-new": "Viewing latest content",
    "login": "Logging in",
    "register": "Registering",
    "account": "Managing account settings",
    "lost-password": "Recovering a lost password",
    UNKNOWN: "Viewing unknown page",
}


@dataclass(frozen=True)
class Location:
    kind: str
    id: int | None = None


def location_for(request: HttpRequest, response: HttpResponse) -> Location | None:
    """The location a request puts its visitor at, or None when it says nothing about that:
    writes, errors, redirects (the page they lead to is recorded), static files, the admin,
    and background requests (htmx) that are not about a thread, forum or member."""
    if request.method != "GET":
        return None
    status = response.status_code
    if status >= 400 or (300 <= status < 400 and status != 304):
        return None
    match = getattr(request, "resolver_match", None)
    if match is None or "admin" in match.namespaces:
        return None
    for kwarg, kind in _ID_KWARGS:
        value = match.kwargs.get(kwarg)
        if value is not None:
            try:
                return Location(kind, int(value))
            except (TypeError, ValueError):
                return None
    if getattr(request, "htmx", False):
        return None
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    return Location(_PAGES.get(match.url_name or "", UNKNOWN))
