from django.contrib.sitemaps import views as sitemap_views
from django.urls import path
from django.views.decorators.http import require_safe

from parley.core.urlpatterns import slug_id_path
from parley.feeds.feeds import BoardFeed, ForumFeed, ThreadFeed
from parley.feeds.links import FEED_FILE
from parley.feeds.sitemaps import SITEMAPS

FEED = FEED_FILE.replace(".", r"\.")

urlpatterns = [
    path(f"forums/-/{FEED_FILE}", require_safe(BoardFeed()), name="board-feed"),
    slug_id_path("forums", "forum_id", FEED, require_safe(ForumFeed()), "forum-feed"),
    slug_id_path("threads", "thread_id", FEED, require_safe(ThreadFeed()), "thread-feed"),
    path(
        "sitemap.xml",
        require_safe(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        require_safe(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
]
