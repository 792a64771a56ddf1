"""URLs of reporting a post, and of the moderators' report queue and report pages."""

from django.urls import path

from parley.moderation.reports import views

urlpatterns = [
    path("posts/<int:post_id>/report", views.post_report, name="post-report"),
    path("reports/", views.report_queue, name="report-queue"),
    path("reports/<int:report_id>/", views.report_detail, name="report-detail"),
    path("reports/<int:report_id>/comment", views.report_comment, name="report-comment"),
    path("reports/<int:report_id>/assign", views.report_assign, name="report-assign"),
    path("reports/<int:report_id>/resolve", views.report_resolve, name="report-resolve"),
    path("reports/<int:report_id>/reject", views.report_reject, name="report-reject"),
]
