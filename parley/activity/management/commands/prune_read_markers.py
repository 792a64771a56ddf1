from django.core.management.base import BaseCommand

from parley.activity import services


class Command(BaseCommand):
    help = "Delete read markers older than the unread cut-off (they no longer decide anything)."

    def handle(self, *args: object, **options: object) -> None:
        result = services.prune_read_markers()
        self.stdout.write(
            f"Pruned {result.thread_markers} thread marker(s) and "
            f"{result.forum_markers} forum marker(s)."
        )
