"""Admin for study sessions. Staff manage everything here; an archived record is
read-only in the admin, because a correction needs a reason and a history entry:
staff correct it on the record page, through the same services as the secretary."""

from django.contrib import admin

from ..models import (
    Attendance,
    Correction,
    DiscussionNote,
    GroupStudySettings,
    MakeUpStudy,
    Observer,
    PlanItem,
    SessionMaterial,
    StudyPlan,
    StudySession,
)


class ArchivedReadOnly:
    """Inlines and the session form become read-only once the record is archived."""

    def _locked(self, obj) -> bool:
        session = (
            obj if isinstance(obj, StudySession) else getattr(obj, "session", None)
        )
        return bool(session and session.is_archived)

    def has_change_permission(self, request, obj=None):
        if self._locked(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        if self._locked(obj):
            return False
        return super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._locked(obj):
            return False
        return super().has_delete_permission(request, obj)


class SessionMaterialInline(ArchivedReadOnly, admin.TabularInline):
    model = SessionMaterial
    extra = 0
    autocomplete_fields = ["article"]
    fields = ["position", "article"]


class AttendanceInline(ArchivedReadOnly, admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["member", "status", "leave_reason"]
    autocomplete_fields = ["member"]

    def get_queryset(self, request):
        return super().get_queryset(request).in_position_order()


class ObserverInline(ArchivedReadOnly, admin.TabularInline):
    model = Observer
    extra = 0


class NoteInline(ArchivedReadOnly, admin.StackedInline):
    model = DiscussionNote
    extra = 0
    fields = ["position", "kind", "speaker", "speaker_name", "content", "status"]
    autocomplete_fields = ["speaker"]


class CorrectionInline(admin.TabularInline):
    model = Correction
    extra = 0
    fields = ["created_at", "author", "reason", "changes"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StudySession)
class StudySessionAdmin(admin.ModelAdmin):
    list_display = ["topic", "group", "starts_at", "form", "status"]
    list_filter = ["status", "form", "group"]
    search_fields = ["topic", "summary"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["host", "recorder"]
    # The life cycle only runs forward, through the record page's services (mark
    # as held once started, archive): the admin cannot set a session back.
    readonly_fields = ["status"]
    inlines = [
        SessionMaterialInline,
        AttendanceInline,
        ObserverInline,
        NoteInline,
        CorrectionInline,
    ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_archived:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_archived:
            return False
        return super().has_delete_permission(request, obj)

    fields = [
        "group",
        "topic",
        "form",
        ("starts_at", "ends_at"),
        "place",
        ("host", "recorder"),
        "summary",
        "status",
    ]


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    extra = 1
    autocomplete_fields = ["materials"]


@admin.register(StudyPlan)
class StudyPlanAdmin(admin.ModelAdmin):
    list_display = ["group", "year"]
    list_filter = ["year", "group"]
    inlines = [PlanItemInline]


@admin.register(GroupStudySettings)
class GroupStudySettingsAdmin(admin.ModelAdmin):
    list_display = ["group", "min_attendance_rate", "min_sessions_per_year"]


@admin.register(MakeUpStudy)
class MakeUpStudyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "done_at"]
    list_filter = [("done_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["attendance"]


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["session", "author", "created_at", "reason"]
    readonly_fields = ["session", "author", "reason", "changes", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
