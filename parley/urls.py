from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("parley.forums.urls")),
    path("", include("parley.accounts.urls")),
    path("", include("parley.activity.urls")),
    path("", include("parley.moderation.urls")),
    path("", include("parley.notifications.urls")),
    path("admin/", admin.site.urls),
]
