from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "parley.activity"
    label = "activity"
