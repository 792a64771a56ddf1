from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "parley.permissions"
    label = "permissions"
    verbose_name = "Groups and permissions"

    def ready(self) -> None:
        # Imported here because models load only once the app registry is ready (Django's way
        # to plug into another app at start-up), not to dodge a cycle.
        from parley.accounts import hooks as account_hooks
        from parley.permissions.services import join_registered

        # Groups are ours: accounts, below, calls this in its registration transaction.
        account_hooks.provide_member_joined(join_registered)
