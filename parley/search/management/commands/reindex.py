from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from parley.search.index import REINDEX_BATCH_POSTS, rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from the posts, in batches, printing progress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=REINDEX_BATCH_POSTS)

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(done: int, total: int) -> None:
            self.stdout.write(f"Indexed {done} of {total} posts.")

        count = rebuild(batch_size=max(1, options["batch_size"]), progress=progress)
        self.stdout.write(f"Search index rebuilt: {count} post(s).")
