"""URL of the moderator log page."""

from django.urls import path

from parley.moderation.log import views

urlpatterns = [
    path("moderation/log/", views.moderator_log, name="moderator-log"),
]
