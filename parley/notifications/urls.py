from django.urls import path

from parley.notifications import views

urlpatterns = [
    path("account/alerts/", views.alert_list, name="alert-list"),
    path("account/alerts/mark-read", views.alerts_mark_read, name="alerts-mark-read"),
    path("account/alerts/<int:alert_id>/open", views.alert_open, name="alert-open"),
]
