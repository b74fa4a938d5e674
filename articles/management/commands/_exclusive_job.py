"""What the commands that run one of the exclusive jobs share: start it (or find it
already running), run it here or queue it for the worker, report its outcome."""

from django.core.management.base import BaseCommand

from articles.models import Job
from articles.services import run_job, start_exclusive


class ExclusiveJobCommand(BaseCommand):
    kind: str  # a Job.Kind
    running_message = "Already running (job {pk})."

    def add_arguments(self, parser):
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue it for the worker (manage.py db_worker) and return.",
        )

    def handle(self, *args, background: bool, **options):
        # The job row is the lock shared with the admin and every other host.
        job, started = start_exclusive(self.kind, queue=background)
        if not started:
            self.stdout.write(self.running_message.format(pk=job.pk))
            return
        if background:
            self.stdout.write(f"Queued as job {job.pk}.")
            return
        run_job(job.pk)
        job.refresh_from_db()
        if job.state != Job.State.DONE:
            self.stderr.write(job.error)
            raise SystemExit(1)
        self.report(job.result)

    def report(self, result: dict) -> None:
        raise NotImplementedError
