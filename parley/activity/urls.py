from django.urls import path

from parley.activity import views

urlpatterns = [
    path("whats-new/", views.whats_new, name="whats-new"),
]
