from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "parley.activity"
    label = "activity"

    def ready(self) -> None:
        # Imported here: models load only once the app registry is ready (Django's way).
        from parley.activity.models import ForumRead, Presence, ThreadRead
        from parley.core import page_cache

        # Read markers are members' own; presence is the live region, rendered on every request.
        page_cache.ignore_writes_to(ThreadRead, ForumRead, Presence)
