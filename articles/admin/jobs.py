"""Admin of background jobs: the list of what ran and how it ended, and each job's
page with its progress bar and result. Jobs are made by the services only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "counts", "started_by", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["started_by"]
    fields = [
        "kind",
        "state",
        "filename",
        "started_by",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
    ]
    readonly_fields = fields
    change_form_template = "admin/articles/job/change_form.html"

    @admin.display(description=_("progress"))
    def counts(self, obj: Job) -> str:
        return f"{obj.done} / {max(obj.total, obj.done)}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only: the page shows the job, it does not edit it.
        return False

    def has_delete_permission(self, request, obj=None):
        # A queued or running job is the worker's until it ends.
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.state not in Job.ACTIVE_STATES
        )
