from django.core.management.base import BaseCommand

from articles.models import Job
from articles.services import run_job, start_exclusive


class Command(BaseCommand):
    help = (
        "Re-segment every searchable text with the current dictionary and refresh "
        "article keywords. Run after changing dictionary terms. Runs here unless "
        "--background; never while another rebuild is running."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the rebuild for the worker (manage.py db_worker) and return.",
        )

    def handle(self, *args, background: bool, **options):
        # The job row is the lock shared with the admin and every other host.
        job, started = start_exclusive(Job.Kind.REBUILD_INDEX, queue=background)
        if not started:
            self.stdout.write(f"A rebuild is already running (job {job.pk}).")
            return
        if background:
            self.stdout.write(f"Queued as job {job.pk}.")
            return
        run_job(job.pk)
        job.refresh_from_db()
        if job.state != Job.State.DONE:
            self.stderr.write(job.error)
            raise SystemExit(1)
        for kind, count in job.result["counts"].items():
            self.stdout.write(f"{kind}: {count}")
        self.stdout.write(self.style.SUCCESS("Search index rebuilt."))
