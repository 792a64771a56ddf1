"""URLs of the approval queue."""

from django.urls import path

from parley.moderation.approval import views

urlpatterns = [
    path("approval-queue/", views.approval_queue, name="approval-queue"),
    path(
        "approval-queue/posts/<int:post_id>/approve",
        views.approval_post_approve,
        name="approval-post-approve",
    ),
    path(
        "approval-queue/posts/<int:post_id>/reject",
        views.approval_post_reject,
        name="approval-post-reject",
    ),
    path(
        "approval-queue/threads/<int:thread_id>/approve",
        views.approval_thread_approve,
        name="approval-thread-approve",
    ),
    path(
        "approval-queue/threads/<int:thread_id>/reject",
        views.approval_thread_reject,
        name="approval-thread-reject",
    ),
]
