from django.urls import path

from parley.moderation import views

urlpatterns = [
    path("posts/<int:post_id>/report", views.post_report, name="post-report"),
]
