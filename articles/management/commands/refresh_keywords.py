from django.core.management.base import BaseCommand

from articles.models import Job
from articles.services import run_job, start_exclusive


class Command(BaseCommand):
    help = (
        "Recompute every article's keywords (a few articles per short transaction). "
        "Runs here unless --background; never twice at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue it for the worker (manage.py db_worker) and return.",
        )

    def handle(self, *args, background: bool, **options):
        job, started = start_exclusive(Job.Kind.REFRESH_KEYWORDS, queue=background)
        if not started:
            self.stdout.write(f"Keywords are already being refreshed (job {job.pk}).")
            return
        if background:
            self.stdout.write(f"Queued as job {job.pk}.")
            return
        run_job(job.pk)
        job.refresh_from_db()
        if job.state != Job.State.DONE:
            self.stderr.write(job.error)
            raise SystemExit(1)
        self.stdout.write(f"Keywords refreshed for {job.result['articles']} articles.")
