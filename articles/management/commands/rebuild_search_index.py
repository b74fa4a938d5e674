from django.core.management.base import BaseCommand

from articles.services import rebuild_search_index


class Command(BaseCommand):
    help = (
        "Re-segment every searchable text with the current dictionary and refresh "
        "article keywords. Run after changing dictionary terms."
    )

    def handle(self, *args, **options):
        counts = rebuild_search_index()
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count}")
        self.stdout.write(self.style.SUCCESS("Search index rebuilt."))
