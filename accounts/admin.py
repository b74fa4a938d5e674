from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import PLACE, Member, Membership, StudyGroup


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
class MemberAdmin(UserAdmin):
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


@admin.register(StudyGroup)
class StudyGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "created_at"]
    search_fields = ["name", "organisation"]
    inlines = [MembershipInline]
