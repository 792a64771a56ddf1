from django.urls import include, path

from parley.activity import views
from parley.core.urlpatterns import slug_id_path

urlpatterns = [
    path("whats-new/", views.whats_new, name="whats-new"),
    path("whats-new/posts/", views.whats_new_posts, name="whats-new-posts"),
    path("whats-new/threads/", views.whats_new_threads, name="whats-new-threads"),
    path("whats-new/members/", views.whats_new_members, name="whats-new-members"),
    slug_id_path("threads", "thread_id", "unread/?", views.thread_unread, "thread-unread"),
    path("forums/mark-read", views.forums_mark_read, name="forums-mark-read"),
    slug_id_path("forums", "forum_id", "mark-read", views.forum_mark_read, "forum-mark-read"),
    path("", include("parley.activity.presence.urls")),
]
