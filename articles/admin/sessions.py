"""Admin for study sessions: a read-only window on the records one keeps.

Only a group's record keepers change its record (attendance, speeches, plan,
status), on the record pages, through the services that keep the correction
history. Being staff or a superuser gives no right to it and no view of it: here
every user sees only the records of the groups they keep (like the record pages),
and nobody adds, changes or deletes them. There is no staff override; an
administrator who must correct a group's record is made one of its keepers (a
membership change, logged as a security event) and corrects it like them.
Thresholds (GroupStudySettings) are configuration and stay editable.
"""

from django.contrib import admin

from accounts.models import Membership

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
from ..models.sessions import RECORD_KEEPER_ROLES
from ..reading import cache as read_models


def kept_groups(user):
    return Membership.objects.filter(member=user, role__in=RECORD_KEEPER_ROLES).values(
        "group"
    )


class ReadOnly:
    """Neither add, change nor delete: the record is written on its own pages."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class KeptGroupsOnly(ReadOnly):
    """Records of the groups the user keeps, read-only; ``group_path`` leads from
    the model to its group."""

    group_path = "group"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(**{f"{self.group_path}__in": kept_groups(request.user)})
        )


class SessionMaterialInline(ReadOnly, admin.TabularInline):
    model = SessionMaterial
    extra = 0
    autocomplete_fields = ["article"]
    fields = ["position", "article"]


class AttendanceInline(ReadOnly, admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["member", "status", "leave_reason"]
    autocomplete_fields = ["member"]

    def get_queryset(self, request):
        return super().get_queryset(request).in_position_order()


class ObserverInline(ReadOnly, admin.TabularInline):
    model = Observer
    extra = 0


class NoteInline(ReadOnly, admin.StackedInline):
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
class StudySessionAdmin(KeptGroupsOnly, admin.ModelAdmin):
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


class PlanItemInline(ReadOnly, admin.TabularInline):
    model = PlanItem
    extra = 1
    autocomplete_fields = ["materials"]


@admin.register(StudyPlan)
class StudyPlanAdmin(KeptGroupsOnly, admin.ModelAdmin):
    list_display = ["group", "year"]
    list_filter = ["year", "group"]
    inlines = [PlanItemInline]


@admin.register(GroupStudySettings)
class GroupStudySettingsAdmin(admin.ModelAdmin):
    list_display = [
        "group",
        "min_attendance_rate",
        "min_sessions_per_year",
        # Sign-in
        "sign_in_opens_minutes",
        "late_after_minutes",
    ]

    # Thresholds, leave approvers and reflections asked for show on the group's
    # statistics and record pages: their cached fragments are rebuilt.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        read_models.bump_records(obj.group_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        read_models.bump_records(obj.group_id)

    def delete_queryset(self, request, queryset):
        groups = list(queryset.values_list("group_id", flat=True))
        super().delete_queryset(request, queryset)
        read_models.bump_records(*groups)


@admin.register(MakeUpStudy)
class MakeUpStudyAdmin(KeptGroupsOnly, admin.ModelAdmin):
    group_path = "attendance__session__group"

    list_display = ["__str__", "done_at"]
    list_filter = [("done_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["attendance"]

    def has_add_permission(self, request):
        # A make-up item belongs to an attendance row and is created by the record
        # services when a member is on leave or absent; the add form (attendance
        # read-only) could only fail with a database error.
        return False


@admin.register(Correction)
class CorrectionAdmin(KeptGroupsOnly, admin.ModelAdmin):
    group_path = "session__group"
    list_display = ["session", "author", "created_at", "reason"]
    readonly_fields = ["session", "author", "reason", "changes", "created_at"]
