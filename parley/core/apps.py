from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "parley.core"
    label = "core"

    def ready(self) -> None:
        from parley.core import (  # noqa: F401
            checks,  # registers the checks for configurations that split state
            db,  # registers the SQLite connection tuning
            jobs,  # connects the failed-job recorder to huey in every process that runs tasks
        )
