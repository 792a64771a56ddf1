"""`/sitemap.xml` (django.contrib.sitemaps): an index of sections, each paginated as the
framework does (`/sitemap-threads.xml?p=2`). Only what a guest may read is listed, whoever
asks, and a section's `lastmod` is one aggregate, never a walk over its items."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from django.contrib.sitemaps import Sitemap
from django.db.models import F, Max, QuerySet

from parley.feeds import queries
from parley.forums.models import Forum, Thread
from parley.permissions.guardian import Perms

# URLs per sitemap page. The protocol allows 50,000; a page of that many rows takes seconds to
# render, and crawlers follow the index to every page anyway.
URLS_PER_PAGE = 5_000


class _GuestSitemap(Sitemap):
    """The framework makes one instance per request and asks for `items()` several times (a
    count, a page, the latest lastmod): the guest's permissions are read once."""

    limit = URLS_PER_PAGE

    @cached_property
    def perms(self) -> Perms:
        return queries.guest_perms()


class ForumSitemap(_GuestSitemap):
    def items(self) -> QuerySet[Forum]:
        qs = self.perms.visible_forums(Forum.objects.all())
        # Forums have no last_post_at of their own: their last post's time is the same fact.
        return qs.annotate(last_post_at=F("last_post__created_at")).order_by("pk")

    def lastmod(self, item: Forum) -> datetime | None:
        return item.last_post_at  # type: ignore[attr-defined]

    def get_latest_lastmod(self) -> datetime | None:
        return self.items().aggregate(latest=Max("last_post_at"))["latest"]


class ThreadSitemap(_GuestSitemap):
    def items(self) -> QuerySet[Thread]:
        # By id, so pages stay put as threads get replies (last_post_at would reshuffle them).
        qs = queries.public_threads(self.perms)
        return qs.only("pk", "slug", "last_post_at").order_by("pk")

    def lastmod(self, item: Thread) -> datetime:
        return item.last_post_at

    def get_latest_lastmod(self) -> datetime | None:
        return self.items().aggregate(latest=Max("last_post_at"))["latest"]


SITEMAPS: dict[str, type[Sitemap]] = {
    "forums": ForumSitemap,
    "threads": ThreadSitemap,
}
