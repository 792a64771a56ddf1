from __future__ import annotations

from django.http import HttpRequest

from parley.core import knobs

# The tab a page belongs to, as in XenForo's navigation: forum content (the index, forums,
# threads, posts and what is done to them: posting, replying, editing, reporting, moderating)
# under "Forums", the activity lists under "What's new", and nothing highlighted elsewhere
# (account, alerts, profiles, moderation queues, login).
_FORUM_PAGE_PREFIXES = ("forum-", "forums-", "thread-", "post-")
_FORUM_PAGES = frozenset({"index", "forum", "thread", "post"})
_WHATS_NEW_PAGES = frozenset(
    {"whats-new", "whats-new-posts", "whats-new-threads", "whats-new-members"}
)


def nav_tab(url_name: str) -> str:
    """The tab of the page named `url_name`: "forums", "whats-new", or "" for none."""
    if url_name in _FORUM_PAGES or url_name.startswith(_FORUM_PAGE_PREFIXES):
        return "forums"
    if url_name in _WHATS_NEW_PAGES:
        return "whats-new"
    return ""


def site(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name if match else "") or ""
    return {"site_name": knobs.SITE_NAME.get(), "nav_tab": nav_tab(url_name)}
