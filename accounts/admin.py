from django.contrib import admin
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.admin import UserAdmin
from django.db import router
from django.utils.translation import gettext_lazy as _

from studyhub.security import security_event

from . import changes
from .models import PLACE, Member, Membership, StudyGroup


class LoggedMemberships:
    """Who may read and keep a group's record follows from memberships and roles:
    every change of one made in the admin is a security event."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        deleted = [f.instance for f in formset.deleted_forms if f.instance.pk]
        gone = [(m.member_id, m.group_id, m.role) for m in deleted]
        super().save_formset(request, form, formset, change)
        for member_id, group_id, role in gone:
            changes.announce("membership", member_id=member_id, group_id=group_id)
            security_event(
                "membership_changed",
                request,
                action="removed",
                member_id=member_id,
                group_id=group_id,
                role=role,
            )
        for membership in formset.new_objects:
            self._log(request, "added", membership)
        for membership, _fields in formset.changed_objects:
            self._log(request, "changed", membership)
        return None

    @staticmethod
    def _log(request, action: str, membership: Membership) -> None:
        changes.announce(
            "membership", member_id=membership.member_id, group_id=membership.group_id
        )
        security_event(
            "membership_changed",
            request,
            action=action,
            member_id=membership.member_id,
            group_id=membership.group_id,
            role=membership.role,
        )


class QuietDeletion:
    """Delete confirmation pages that name only the objects being deleted.

    Django lists every related row it would delete or that blocks the deletion,
    each by its ``str()``: an annotation's author and quote, a speech, a leave
    reason. Staff see no more of members' work there than anywhere else, so the
    related rows are told by kind only (no names, no counts): enough to know why
    a deletion is refused, nothing of what members wrote.
    """

    def get_deleted_objects(self, objs, request):
        _nested, model_count, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        own = str(self.model._meta.verbose_name_plural)
        listed = [str(obj) for obj in objs]
        if set(model_count) - {own}:
            listed.append(_("and the records that depend on them"))
        if protected:
            collector = NestedObjects(using=router.db_for_write(self.model))
            collector.collect(objs)
            protected = sorted(
                {str(obj._meta.verbose_name_plural) for obj in collector.protected}
            )
            # Django asks for the delete permission of the protected rows too
            # (a group's read-only sessions), and the page then says the editor
            # lacks a permission rather than that the rows block the deletion;
            # only the rows that would be deleted need it.
            deleted = {str(model._meta.verbose_name) for model in collector.model_objs}
            perms_needed = {name for name in perms_needed if name in deleted}
        return listed, {own: len(objs)}, perms_needed, protected


class AnnouncedDeletion:
    """Each object deleted here is announced (``accounts.changes``) once the rows
    are gone, as ``deleted_kind`` with its id as ``deleted_id``: what others
    built from them (the study domain's read models) must not be served again."""

    deleted_kind = ""
    deleted_id = ""

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        changes.announce(self.deleted_kind, **{self.deleted_id: pk})

    def delete_queryset(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        for pk in pks:
            changes.announce(self.deleted_kind, **{self.deleted_id: pk})


class MembershipInline(admin.TabularInline):
    """The group's members in its position order; the number sets the order of
    every list (attendance, sign-in sheet, record, statistics)."""

    model = Membership
    extra = 1
    fields = ["sort_order", "member", "role"]
    ordering = [PLACE, "member__username"]
    autocomplete_fields = ["member"]


class MemberMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "member"
    extra = 0
    fields = ["group", "role", "sort_order"]
    autocomplete_fields = ["group"]


@admin.register(Member)
class MemberAdmin(LoggedMemberships, QuietDeletion, AnnouncedDeletion, UserAdmin):
    # Their work goes with them: whoever read it must not be served it again.
    deleted_kind, deleted_id = "member_deleted", "member_id"
    list_display = ["username", "display_name", "position", "organisation", "is_staff"]
    list_filter = ["is_staff", "is_active", "memberships__group"]
    search_fields = [
        "username",
        "display_name",
        "first_name",
        "last_name",
        "organisation",
    ]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Study profile"), {"fields": ["display_name", "position", "organisation"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        (_("Study profile"), {"fields": ["display_name", "position", "organisation"]}),
    ]
    inlines = [MemberMembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes.announce("member", member_id=obj.pk)


@admin.register(StudyGroup)
class StudyGroupAdmin(
    LoggedMemberships, QuietDeletion, AnnouncedDeletion, admin.ModelAdmin
):
    deleted_kind, deleted_id = "group_deleted", "group_id"
    list_display = ["name", "organisation", "created_at"]
    search_fields = ["name", "organisation"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes.announce("group", group_id=obj.pk)
