"""Admin of the search dictionary and the index rebuild."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _

from .. import search
from ..models import DictionaryTerm, Job
from ..reading import cache as read_models
from ..services import start_exclusive


@admin.register(DictionaryTerm)
class DictionaryTermAdmin(admin.ModelAdmin):
    """Editors teach the segmenter fixed expressions; the index is rebuilt for them."""

    list_display = ["term", "note", "updated_at"]
    search_fields = ["term", "note"]
    fields = ["term", "note"]
    actions = ["rebuild_index"]
    change_list_template = "admin/articles/dictionaryterm/change_list.html"

    # The segmenter splits queries with the terms at once: cached result pages,
    # ranked by the words of the old split, are found again.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        read_models.bump(read_models.SEARCH)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        read_models.bump(read_models.SEARCH)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        read_models.bump(read_models.SEARCH)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "stale_count": search.stale_count(),
            "shipped_count": len(search.tokenizer.shipped_terms()),
            "rebuild_job": Job.objects.active()
            .filter(kind=Job.Kind.REBUILD_INDEX)
            .first(),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "rebuild/",
                self.admin_site.admin_view(self.rebuild_view),
                name="articles_dictionaryterm_rebuild",
            ),
            *super().get_urls(),
        ]

    def rebuild_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        self.rebuild_index(request, self.get_queryset(request))
        return redirect("admin:articles_dictionaryterm_changelist")

    @admin.action(description=_("Rebuild the search index with the current dictionary"))
    def rebuild_index(self, request, queryset):
        """Runs in the background worker; the list shows its progress meanwhile."""
        job, started = start_exclusive(Job.Kind.REBUILD_INDEX, user=request.user)
        if not started:
            self.message_user(
                request,
                _("The search index is already being rebuilt; see its progress."),
                messages.INFO,
            )
        elif job.state == Job.State.DONE:
            self.message_user(
                request,
                _("Search index rebuilt: %(count)d texts segmented again.")
                % {"count": sum(job.result.get("counts", {}).values())},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("The search index is being rebuilt in the background."),
                messages.SUCCESS,
            )
