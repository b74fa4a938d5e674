"""The progress of a background job, as JSON for the bar that polls it."""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from ..models import Job


@require_GET
def job_progress(request, pk: int):
    # Jobs are staff business: to everyone else a job is missing, not forbidden.
    if not (request.user.is_staff and request.user.has_perm("articles.view_job")):
        raise Http404
    job = get_object_or_404(Job, pk=pk)
    return JsonResponse(job.progress())
