"""Admin of notifications: read-only, and only one's own.

A notification holds no text, but its kind and target say things about a group's
record (a make-up item means someone missed a session), and staff see no group's
record; so the admin lists the editor's own notifications only, to check what the
site sent them. Notifications are written by the services and never by hand."""

from django.contrib import admin

from ..models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    fields = ["recipient", "kind", "target_id", "created_at", "read_at", "emailed_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(recipient=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
