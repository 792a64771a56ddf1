"""Every moderation feature's URLs (each package keeps its own `urls.py`)."""

from django.urls import include, path

urlpatterns = [
    path("", include("parley.moderation.reports.urls")),
    path("", include("parley.moderation.actions.urls")),
    path("", include("parley.moderation.approval.urls")),
    path("", include("parley.moderation.discipline.urls")),
    path("", include("parley.moderation.history.urls")),
    path("", include("parley.moderation.log.urls")),
]
