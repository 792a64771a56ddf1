"""The files every crawler and browser asks a site for at its root: `/robots.txt` (what not to
crawl: pages that are private, per member or for moderators; and where the sitemap is) and
`/favicon.ico` (browsers and feed readers ask for it whatever the page's `<link rel="icon">`
says)."""

from __future__ import annotations

from contextlib import suppress

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# Pages that are a member's own, a form, or staff-only: nothing a search engine should list.
NOT_FOR_CRAWLERS = (
    "/account/",
    "/admin/",
    "/approval-queue/",
    "/login/",
    "/logout/",
    "/lost-password/",
    "/moderation/",
    "/online/",
    "/posts/",
    "/register/",
    "/reports/",
    "/whats-new/",
)
ONE_DAY = 24 * 3600
# The sitemap is the feeds app's; core knows it only by its URL name.
SITEMAP_URL_NAME = "sitemap"


@require_safe
@cache_control(public=True, max_age=ONE_DAY)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in NOT_FOR_CRAWLERS)]
    with suppress(NoReverseMatch):  # a URLconf without the sitemap lists none
        lines.append(f"Sitemap: {request.build_absolute_uri(reverse(SITEMAP_URL_NAME))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
@cache_control(public=True, max_age=ONE_DAY)
def favicon(request: HttpRequest) -> HttpResponse:
    # The board's icon is an SVG; every browser follows a redirect for its favicon.
    return HttpResponsePermanentRedirect(static("parley/favicon.svg"))
