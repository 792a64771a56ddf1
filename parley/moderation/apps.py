from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "parley.moderation"
    label = "moderation"

    def ready(self) -> None:
        from parley.core import housekeeping
        from parley.moderation.actions import purge_expired_redirects

        housekeeping.register(
            "purge-expired-redirects", 60 * 60, purge_expired_redirects, shared=True
        )
