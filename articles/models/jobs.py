"""Long work run by the background worker, and the progress people see of it.

A Job is ours (what to do, how far it got, what came of it); the queue underneath is
django-tasks' (``DBTaskResult`` rows of the database backend), which only carries the
job's id. Keeping the progress here means the admin shows the same thing whichever
backend runs the job, and Django 6's ``django.tasks`` can replace the backport without
a migration of our data.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A running job whose worker has not reported for this long is taken for dead (the
# worker was killed, the host went down): it may be claimed again and resumes from
# its saved position. Every batch reports, and a batch takes well under a second.
STALE_AFTER = timedelta(minutes=5)


class JobQuerySet(models.QuerySet):
    def active(self) -> "JobQuerySet":
        return self.filter(state__in=Job.ACTIVE_STATES)

    def stale(self) -> "JobQuerySet":
        """Running jobs nobody has reported on for STALE_AFTER."""
        return self.filter(
            state=Job.State.RUNNING, heartbeat_at__lt=timezone.now() - STALE_AFTER
        )


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", _("import articles")
        REBUILD_INDEX = "rebuild_index", _("rebuild the search index")
        REFRESH_KEYWORDS = "refresh_keywords", _("refresh keywords")

    class State(models.TextChoices):
        # An upload shown to the editor as a preview, not yet confirmed: it holds the
        # file between the two requests and nothing else is written.
        PREVIEW = "preview", _("awaiting confirmation")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("finished")
        FAILED = "failed", _("failed")

    ACTIVE_STATES = [State.QUEUED, State.RUNNING]
    # Kinds of which at most one may be queued or running, whoever starts them.
    EXCLUSIVE_KINDS = [Kind.REBUILD_INDEX, Kind.REFRESH_KEYWORDS]

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Written with every batch: how a stale job (its worker gone) is recognised.
    heartbeat_at = models.DateTimeField(_("last report"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    # The uploaded file of an import, from the preview until the import succeeds.
    upload = models.BinaryField(_("uploaded file"), null=True, blank=True)
    # What to do (an import's status) and where an interrupted run resumes.
    options = models.JSONField(_("options"), default=dict, blank=True)
    # What came of it: articles imported, warnings, counts.
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two rebuilds never run at once, on any number of hosts: the second
            # start meets this index and joins the first (services/jobs.py).
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(
                    kind__in=["rebuild_index", "refresh_keywords"],
                    state__in=["queued", "running"],
                ),
                name="job_one_active_per_exclusive_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("admin:articles_job_change", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    def elapsed(self, now=None) -> timedelta | None:
        if self.started_at is None:
            return None
        return (self.finished_at or now or timezone.now()) - self.started_at

    def remaining(self, now=None) -> timedelta | None:
        """Estimated from the pace so far; None until there is a pace to go by."""
        elapsed = self.elapsed(now)
        if self.finished or elapsed is None or not self.done or not self.total:
            return None
        left = max(self.total - self.done, 0)
        return elapsed * left / self.done

    def progress(self, now=None) -> dict:
        """What the progress bar shows, for the page and its JSON view."""
        now = now or timezone.now()
        elapsed, remaining = self.elapsed(now), self.remaining(now)
        total = max(self.total, self.done)
        return {
            "id": self.pk,
            "state": self.state,
            "state_label": str(self.get_state_display()),
            "finished": self.finished,
            "done": self.done,
            "total": total,
            "percent": round(100 * self.done / total) if total else 0,
            "elapsed_seconds": elapsed.total_seconds() if elapsed else None,
            "remaining_seconds": remaining.total_seconds() if remaining else None,
            "elapsed": format_duration(elapsed),
            "remaining": format_duration(remaining),
            "counts": gettext("%(done)d of %(total)d")
            % {"done": self.done, "total": total},
        }


def format_duration(duration: timedelta | None) -> str:
    if duration is None:
        return ""
    seconds = max(0, round(duration.total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    if minutes:
        return gettext("%(minutes)d min %(seconds)d s") % {
            "minutes": minutes,
            "seconds": seconds,
        }
    return gettext("%(seconds)d s") % {"seconds": seconds}
