from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "parley.search"
    label = "search"

    def ready(self) -> None:
        # Imported here: the forum hooks and the index need the app registry (models).
        from parley.forums import hooks
        from parley.search.index import SearchIndex

        hooks.provide_post_indexer(SearchIndex())
