"""URLs of moderator actions and inline moderation.

Thread and forum action URLs extend the model URLs (`<slug>.<id>/moderate/...`) so templates
build them from `get_absolute_url` without reverse(); the slug is cosmetic as everywhere."""

from django.urls import URLPattern, path, re_path

from parley.core.urlpatterns import SLUG_ID, slug_id_path
from parley.moderation.actions import views

THREAD = SLUG_ID.format(key="thread_id")


def _thread_state(change: str) -> URLPattern:
    return re_path(
        rf"^threads/{THREAD}/moderate/{change}$",
        views.thread_moderate_state,
        {"change": change},
        name=f"thread-moderate-{change}",
    )


urlpatterns = [
    path(
        "posts/<int:post_id>/moderate/delete",
        views.post_moderate_delete,
        name="post-moderate-delete",
    ),
    path(
        "posts/<int:post_id>/moderate/undelete",
        views.post_moderate_undelete,
        name="post-moderate-undelete",
    ),
    path("posts/<int:post_id>/moderate/edit", views.post_moderate_edit, name="post-moderate-edit"),
    slug_id_path(
        "threads",
        "thread_id",
        "moderate/delete",
        views.thread_moderate_delete,
        "thread-moderate-delete",
    ),
    slug_id_path(
        "threads",
        "thread_id",
        "moderate/undelete",
        views.thread_moderate_undelete,
        "thread-moderate-undelete",
    ),
    *(_thread_state(change) for change in views.STATE_CHANGES),
    slug_id_path(
        "threads",
        "thread_id",
        "moderate/prefix",
        views.thread_moderate_prefix,
        "thread-moderate-prefix",
    ),
    slug_id_path(
        "threads", "thread_id", "moderate/move", views.thread_moderate_move, "thread-moderate-move"
    ),
    slug_id_path(
        "threads", "thread_id", "moderate/posts", views.thread_inline_posts, "thread-inline-posts"
    ),
    slug_id_path(
        "forums", "forum_id", "moderate/threads", views.forum_inline_threads, "forum-inline-threads"
    ),
]
