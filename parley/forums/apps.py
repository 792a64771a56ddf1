from django.apps import AppConfig
from django.core.signals import request_finished


class ForumsConfig(AppConfig):
    name = "parley.forums"
    label = "forums"

    def ready(self) -> None:
        from parley.forums import view_counts

        request_finished.connect(view_counts.flush_after_response, dispatch_uid="flush-views")
