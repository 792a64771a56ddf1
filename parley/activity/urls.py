from django.urls import include, path

from parley.activity import views

urlpatterns = [
    path("whats-new/", views.whats_new, name="whats-new"),
    path("", include("parley.activity.presence.urls")),
]
