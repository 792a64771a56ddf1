from django.urls import include, path

from parley.moderation import views

urlpatterns = [
    path("posts/<int:post_id>/report", views.post_report, name="post-report"),
    path("", include("parley.moderation.actions.urls")),
    path("", include("parley.moderation.report_urls")),
    path("", include("parley.moderation.abuse_urls")),
    path("", include("parley.moderation.history.urls")),
    path("", include("parley.moderation.log.urls")),
]
