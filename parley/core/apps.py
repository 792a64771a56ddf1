from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "parley.core"
    label = "core"

    def ready(self) -> None:
        # Imported for their side effects once the app registry is ready (Django's way).
        from parley.core import (  # noqa: F401
            checks,  # registers the checks for configurations that split state
            db,  # registers the SQLite connection tuning
            jobs,  # connects the failed-job recorder to huey in every process that runs tasks
            page_cache,
        )
        from parley.core.sqlite import base  # noqa: F401 - registers the WAL checkpoint job

        page_cache.watch_connections()  # guests' cached pages retire when the board changes
