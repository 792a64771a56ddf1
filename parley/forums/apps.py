from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "parley.forums"
    label = "forums"

    def ready(self) -> None:
        from parley.core import housekeeping
        from parley.forums import view_counts

        housekeeping.register(
            "flush-view-counts",
            view_counts.FLUSH_INTERVAL_SECONDS,
            view_counts.flush,
            shared=False,  # each worker flushes its own in-memory tally
        )
