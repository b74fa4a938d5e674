"""Admin for leave requests: read-only, and only of the groups one keeps (as the
study record, admin/sessions.py). Requests are asked, decided and withdrawn on
their pages, through services.leave, which also fills the attendance."""

from django.contrib import admin

from ..models import LeaveRequest
from .sessions import KeptGroupsOnly


@admin.register(LeaveRequest)
class LeaveRequestAdmin(KeptGroupsOnly, admin.ModelAdmin):
    group_path = "session__group"

    list_display = ["member", "session", "status", "decided_by", "created_at"]
    list_filter = ["status"]
    list_select_related = ["member", "session", "decided_by"]
    readonly_fields = [
        "session",
        "member",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "comment",
        "withdrawn_at",
        "created_at",
    ]
    fields = readonly_fields
