from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "parley.activity"
    label = "activity"

    def ready(self) -> None:
        from parley.activity import services
        from parley.core import housekeeping

        housekeeping.register(
            "prune-read-markers",
            services.PRUNE_EVERY_SECONDS,
            services.prune_read_markers,
            shared=True,
        )
