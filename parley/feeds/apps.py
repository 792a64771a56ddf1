from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "parley.feeds"
    label = "feeds"

    def ready(self) -> None:
        # Imported here: models load only once the app registry is ready (Django's way).
        from parley.core import page_cache
        from parley.feeds.models import ImportedEntry, NewsFeed

        # A fetch's bookkeeping; the stories it posts are threads and posts, which do count.
        page_cache.ignore_writes_to(NewsFeed, ImportedEntry)
