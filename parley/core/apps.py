from django.apps import AppConfig
from django.core.signals import request_finished


class CoreConfig(AppConfig):
    name = "parley.core"
    label = "core"

    def ready(self) -> None:
        from parley.core import (
            db,  # noqa: F401  (registers the SQLite connection tuning)
            housekeeping,
            ratelimit,
        )

        request_finished.connect(housekeeping.run_due, dispatch_uid="parley-housekeeping")
        housekeeping.register("prune-ratelimit-buckets", 3600, ratelimit.prune_buckets, shared=True)
