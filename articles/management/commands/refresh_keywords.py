from articles.models import Job

from ._exclusive_job import ExclusiveJobCommand


class Command(ExclusiveJobCommand):
    help = (
        "Recompute every article's keywords (a few articles per short transaction). "
        "Runs here unless --background; never twice at once."
    )
    kind = Job.Kind.REFRESH_KEYWORDS
    running_message = "Keywords are already being refreshed (job {pk})."

    def report(self, result: dict) -> None:
        self.stdout.write(f"Keywords refreshed for {result['articles']} articles.")
