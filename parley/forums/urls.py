from django.urls import path

from parley.core.urlpatterns import slug_id_path
from parley.forums import views

PAGE = r"page-(?P<page>[1-9][0-9]{0,5})/?"

urlpatterns = [
    path("", views.forum_index, name="index"),
    slug_id_path("forums", "forum_id", "", views.forum_view, "forum"),
    slug_id_path("forums", "forum_id", PAGE, views.forum_view, "forum-page"),
    slug_id_path(
        "forums", "forum_id", "post-thread/?", views.forum_post_thread, "forum-post-thread"
    ),
    slug_id_path("threads", "thread_id", "", views.thread_view, "thread"),
    slug_id_path("threads", "thread_id", PAGE, views.thread_view, "thread-page"),
    slug_id_path("threads", "thread_id", "reply/?", views.thread_reply, "thread-reply"),
    slug_id_path(
        "threads", "thread_id", "new-replies", views.thread_new_replies, "thread-new-replies"
    ),
    path("posts/<int:post_id>/", views.post_redirect, name="post"),
    path("posts/<int:post_id>/edit", views.post_edit, name="post-edit"),
    path("posts/<int:post_id>/delete", views.post_delete, name="post-delete"),
    path("posts/<int:post_id>/quote", views.post_quote, name="post-quote"),
]
