from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "parley.permissions"
    label = "permissions"
    verbose_name = "Groups and permissions"
