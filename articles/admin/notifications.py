"""Admin of notifications: a read-only list of who was told what kind of thing and
when it was read or mailed, for answering "did I get the reminder?". It shows no
text (a notification holds none) and links to nothing the editor may not see."""

from django.contrib import admin

from ..models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__display_name"]
    fields = ["recipient", "kind", "target_id", "created_at", "read_at", "emailed_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        # Notifications come from the services (articles.services.notifications).
        return False

    def has_change_permission(self, request, obj=None):
        return False
