from django.core.management.base import BaseCommand

from parley.forums.services import text


class Command(BaseCommand):
    help = "Re-render posts whose stored HTML came from an older markup renderer."

    def handle(self, *args: object, **options: object) -> None:
        count = text.rerender_posts()
        self.stdout.write(f"Re-rendered {count} post(s).")
