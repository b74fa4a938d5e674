"""Background jobs: start them, run them in the worker, report how far they got.

The queue is django-tasks' (the backport of Django 6's ``django.tasks``; its database
backend in production, run by ``manage.py db_worker``). A task carries only a job id:
``run_job`` claims the Job row, runs the work in short transactions and saves its
position with every batch, so a job whose worker died is claimed again later and
resumes (``STALE_AFTER``), and a job claimed twice runs once.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from ..importer import ImportFailed, parse_document
from ..models import Article, Job
from ..models.jobs import STALE_AFTER
from .materials import ImportResult, index_imported, store_parsed_document
from .search import rebuild_search_index, rebuild_work, refresh_all_keywords

logger = logging.getLogger(__name__)

# An import up to this size runs in the editor's request (a few seconds at most);
# a larger one goes to the worker with a progress bar.
SMALL_IMPORT_BYTES = 200 * 1024
SMALL_IMPORT_PARAGRAPHS = 400
# Unconfirmed previews older than this are deleted when the next one is made.
PREVIEW_KEPT = timedelta(days=1)


# --- Imports ------------------------------------------------------------------------
def hold_upload(data: bytes, filename: str, *, user, status: str) -> Job:
    """Keep an upload the editor is previewing until they confirm it.

    The file waits in a Job row in the database (not in the browser, not in a
    temporary file of one host), owned by the editor; no article is written.
    """
    Job.objects.filter(
        state=Job.State.PREVIEW, created_at__lt=timezone.now() - PREVIEW_KEPT
    ).delete()
    return Job.objects.create(
        kind=Job.Kind.IMPORT,
        state=Job.State.PREVIEW,
        started_by=user,
        filename=filename[:255],
        upload=data,
        options={"status": status},
    )


def is_small_import(job: Job, paragraphs: int) -> bool:
    return len(job.upload or b"") <= SMALL_IMPORT_BYTES and (
        paragraphs <= SMALL_IMPORT_PARAGRAPHS
    )


def confirm_import(job: Job) -> Job:
    """The editor confirmed the preview: import now when the file is small, else
    queue it for the worker. Confirming twice (a double click) imports once."""
    job.refresh_from_db()
    if job.state != Job.State.PREVIEW:
        return job
    parsed = parse_document(bytes(job.upload), job.filename)
    paragraphs = sum(len(a.paragraphs) for a in parsed.articles)
    claimed = Job.objects.filter(pk=job.pk, state=Job.State.PREVIEW).update(
        state=Job.State.QUEUED, total=paragraphs
    )
    if claimed:
        if is_small_import(job, paragraphs):
            run_job(job.pk)
        else:
            enqueue_job(job)
    job.refresh_from_db()
    return job


def _run_import(job: Job) -> dict:
    position = job.options
    if "created" in position:
        # A run that stopped after writing the articles: index them again (indexing
        # is idempotent), the articles themselves are not written twice.
        created = list(Article.objects.filter(pk__in=position["created"]))
        summary = job.result
    else:
        parsed = parse_document(bytes(job.upload), job.filename)

        def stored(result: ImportResult) -> None:
            # In the articles' own transaction: a run that dies later resumes here.
            Job.objects.filter(pk=job.pk).update(
                options={**position, "created": [a.pk for a in result.created]},
                result=summarize_import(result),
                total=sum(len(a.paragraphs) for a in parsed.articles),
                heartbeat_at=timezone.now(),
            )

        result = store_parsed_document(
            parsed,
            status=position.get("status", Article.Status.DRAFT),
            on_stored=stored,
        )
        created, summary = result.created, summarize_import(result)
    index_imported(created, on_progress=lambda done, total: report(job, done, total))
    return summary


def summarize_import(result: ImportResult) -> dict:
    """What the job page shows afterwards, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "created": [{"pk": a.pk, "title": a.title} for a in result.created],
            "skipped": list(result.skipped),
            "warnings": [[title, str(w.message)] for title, w in result.warnings],
            "encoding": result.encoding,
        }


# --- Search index and keywords ---------------------------------------------------
def start_exclusive(kind: str, *, user=None, queue: bool = True) -> tuple[Job, bool]:
    """Start a job of which at most one may be active (a rebuild); returns (job,
    started). When one is already queued or running, on this host or another, the
    database's unique index refuses a second and the active one is returned; if its
    worker died, it is queued again and resumes where it stopped. With
    ``queue=False`` the caller runs the new job itself (``run_job``: the command)."""
    total = (
        rebuild_work() if kind == Job.Kind.REBUILD_INDEX else Article.objects.count()
    )
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=kind, started_by=user, total=total)
    except IntegrityError:
        job = Job.objects.active().filter(kind=kind).first()
        if job is None:  # it finished between our insert and this read
            return start_exclusive(kind, user=user, queue=queue)
        if Job.objects.stale().filter(pk=job.pk).exists():
            enqueue_job(job)
        return job, False
    if queue:
        enqueue_job(job)
        job.refresh_from_db()
    return job, True


def _run_position(job: Job, work: Callable) -> dict:
    def saved(position: dict) -> None:
        Job.objects.filter(pk=job.pk).update(
            options={"position": position},
            done=position["done"],
            total=max(job.total, position["done"]),
            heartbeat_at=timezone.now(),
        )

    return work(job.options.get("position"), on_progress=saved)


def _run_rebuild(job: Job) -> dict:
    return {"counts": _run_position(job, rebuild_search_index)}


def _run_keywords(job: Job) -> dict:
    position = _run_position(job, refresh_all_keywords)
    return {"articles": position["done"]}


# --- Running ------------------------------------------------------------------------
RUNNERS: dict[str, Callable[[Job], dict]] = {
    Job.Kind.IMPORT: _run_import,
    Job.Kind.REBUILD_INDEX: _run_rebuild,
    Job.Kind.REFRESH_KEYWORDS: _run_keywords,
}


def enqueue_job(job: Job) -> None:
    """Hand the job to the queue. With the database backend the task row commits
    with the caller's transaction; the test suite's immediate backend runs it now."""
    run_job_task.enqueue(job.pk)


@task()
def run_job_task(job_id: int) -> None:
    run_job(job_id)


def claim_job(job_id: int) -> Job | None:
    """Mark the job running for this worker, or None when it is not ours to run:
    finished, not confirmed, or running under a worker that still reports."""
    now = timezone.now()
    claimed = (
        Job.objects.filter(pk=job_id)
        .filter(
            Q(state=Job.State.QUEUED)
            | Q(state=Job.State.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
        )
        .update(
            state=Job.State.RUNNING,
            attempts=F("attempts") + 1,
            heartbeat_at=now,
            started_at=Coalesce(F("started_at"), now),
        )
    )
    return Job.objects.get(pk=job_id) if claimed else None


def report(job: Job, done: int, total: int | None = None) -> None:
    updates = {"done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        updates["total"] = total
    Job.objects.filter(pk=job.pk).update(**updates)


def run_job(job_id: int) -> None:
    """Run a queued job to its end and record the outcome on the Job row.

    A user's mistake (a file the importer refuses) ends the job as failed with the
    importer's Chinese message; anything else is logged, recorded as failed with a
    general message, and re-raised so the queue records the traceback.
    """
    job = claim_job(job_id)
    if job is None:
        return
    try:
        summary = RUNNERS[job.kind](job)
    except ImportFailed as error:
        _finish(job, Job.State.FAILED, error=str(error.message))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        with translation.override(settings.LANGUAGE_CODE):
            message = _(
                "The job stopped because of an unexpected error. Nothing it had not "
                "finished was kept; start it again, and tell the administrator if "
                "it fails again."
            )
        _finish(job, Job.State.FAILED, error=message)
        raise
    else:
        _finish(job, Job.State.DONE, result=summary)


def _finish(job: Job, state: str, *, result: dict | None = None, error: str = ""):
    job.refresh_from_db(fields=["done", "total"])
    updates = {
        "state": state,
        "finished_at": timezone.now(),
        "heartbeat_at": timezone.now(),
        "error": error,
    }
    if result is not None:
        updates["result"] = result
    if state == Job.State.DONE:
        # The file is in the library now; the job keeps only its summary.
        updates["upload"] = None
        updates["done"] = max(job.done, job.total)
    Job.objects.filter(pk=job.pk).update(**updates)
