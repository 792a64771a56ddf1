"""URL of a post's edit history."""

from django.urls import path

from parley.moderation.history import views

urlpatterns = [
    path("posts/<int:post_id>/history", views.post_history, name="post-history"),
]
