"""Admin for reflections: read-only, and only those of the groups the user keeps,
like every study record (see admin/sessions.py). The file is not offered here: the
admin would link it to a storage URL, and files are served only by the reflection
view, which checks access."""

from django.contrib import admin

from ..models import Reflection
from .sessions import KeptGroupsOnly


@admin.register(Reflection)
class ReflectionAdmin(KeptGroupsOnly, admin.ModelAdmin):
    group_path = "session__group"
    list_display = ["session", "author", "handed_in_at", "shared", "for_make_up"]
    list_filter = ["shared", "for_make_up"]
    search_fields = ["text"]
    fields = [
        "session",
        "author",
        "text",
        ("file_name", "file_kind", "file_size"),
        ("shared", "for_make_up"),
        "handed_in_at",
    ]
