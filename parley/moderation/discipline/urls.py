"""URLs of warnings, bans and the spam cleaner."""

from django.urls import path

from parley.core.urlpatterns import slug_id_path
from parley.moderation.discipline import views

urlpatterns = [
    path("posts/<int:post_id>/warn", views.post_warn, name="post-warn"),
    slug_id_path("members", "member_id", "ban", views.member_ban, "member-ban"),
    slug_id_path("members", "member_id", "lift-ban", views.member_lift_ban, "member-lift-ban"),
    slug_id_path(
        "members", "member_id", "spam-clean", views.member_spam_clean, "member-spam-clean"
    ),
]
