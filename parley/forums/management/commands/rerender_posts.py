from django.core.management.base import BaseCommand

from parley.forums import services


class Command(BaseCommand):
    help = "Re-render posts whose stored HTML came from an older markup renderer."

    def handle(self, *args: object, **options: object) -> None:
        count = services.rerender_posts()
        self.stdout.write(f"Re-rendered {count} post(s).")
