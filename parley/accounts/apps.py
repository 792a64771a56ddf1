from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "parley.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Imported here: models load only once the app registry is ready (Django's way).
        from parley.accounts.models import MemberSession
        from parley.core import page_cache

        page_cache.ignore_writes_to(MemberSession)  # logging in or out changes no guest's page
