"""URLs of the moderators' report queue and report pages."""

from django.urls import path

from parley.moderation import report_views

urlpatterns = [
    path("reports/", report_views.report_queue, name="report-queue"),
    path("reports/<int:report_id>/", report_views.report_detail, name="report-detail"),
    path("reports/<int:report_id>/comment", report_views.report_comment, name="report-comment"),
    path("reports/<int:report_id>/assign", report_views.report_assign, name="report-assign"),
    path("reports/<int:report_id>/resolve", report_views.report_resolve, name="report-resolve"),
    path("reports/<int:report_id>/reject", report_views.report_reject, name="report-reject"),
]
