from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "parley.forums"
    label = "forums"
