import os

from django.contrib import admin
from django.urls import include, path

from parley import bench_baseline
from parley.core.site_files import favicon, robots_txt

urlpatterns = [
    path("", include("parley.forums.urls")),
    path("", include("parley.accounts.urls")),
    path("", include("parley.activity.urls")),
    path("", include("parley.moderation.urls")),
    path("", include("parley.notifications.urls")),
    path("", include("parley.feeds.urls")),
    path("", include("parley.search.urls")),
    path("admin/", admin.site.urls),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("favicon.ico", favicon, name="favicon"),
]
# Only on a server `parley bench` started (its own random token in the environment): see
# parley/bench_baseline.py. Anywhere else the list is empty and the address a 404.
urlpatterns += bench_baseline.urlpatterns_for(os.environ)
