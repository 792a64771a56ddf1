"""URLs of abuse control: the approval queue, warnings, bans and the spam cleaner."""

from django.urls import path

from parley.core.urlpatterns import slug_id_path
from parley.moderation import abuse_views as views

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
    path("posts/<int:post_id>/warn", views.post_warn, name="post-warn"),
    slug_id_path("members", "member_id", "ban", views.member_ban, "member-ban"),
    slug_id_path("members", "member_id", "lift-ban", views.member_lift_ban, "member-lift-ban"),
    slug_id_path(
        "members", "member_id", "spam-clean", views.member_spam_clean, "member-spam-clean"
    ),
]
