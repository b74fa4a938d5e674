from articles.models import Job

from ._exclusive_job import ExclusiveJobCommand


class Command(ExclusiveJobCommand):
    help = (
        "Re-segment every searchable text with the current dictionary and refresh "
        "article keywords. Run after changing dictionary terms. Runs here unless "
        "--background; never while another rebuild is running."
    )
    kind = Job.Kind.REBUILD_INDEX
    running_message = "A rebuild is already running (job {pk})."

    def report(self, result: dict) -> None:
        for kind, count in result["counts"].items():
            self.stdout.write(f"{kind}: {count}")
        self.stdout.write(self.style.SUCCESS("Search index rebuilt."))
