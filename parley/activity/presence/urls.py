from django.urls import path

from parley.activity.presence import views

urlpatterns = [
    path("online/", views.online, name="online"),
    path("online/sidebar", views.online_sidebar, name="online-sidebar"),
    path("threads/<int:thread_id>/viewers", views.thread_viewers, name="thread-viewers"),
    path("forums/<int:forum_id>/viewers", views.forum_viewers, name="forum-viewers"),
]
