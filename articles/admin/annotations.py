"""Admin of themes: taggit tags shared by articles and annotations."""

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from taggit.admin import TagAdmin
from taggit.models import Tag

from accounts.admin import QuietDeletion

from ..forms.materials import MergeThemesForm
from ..models import Article, visible_themes
from ..reading import cache as read_models
from ..services import merge_themes
from ..validators import validate_theme_name


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug"]

    def clean_name(self):
        return validate_theme_name(self.cleaned_data["name"])


admin.site.unregister(Tag)


@admin.register(Tag)
class ThemeAdmin(QuietDeletion, TagAdmin):
    """Rename a theme by editing its name; merge several with the action.

    Staff see the themes they may know of (``visible_themes``: those of articles,
    of annotations shared with their groups, and unused ones) and count uses by
    articles only: a theme's use in members' annotations is their work, not the
    library's, and no count hints at private notes.
    """

    form = ThemeForm
    inlines = []
    list_display = ["name", "slug", "uses"]
    actions = ["merge_selected"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:  # a renamed theme is shown renamed wherever it is shown
            read_models.bump_themes([obj.pk])

    def delete_model(self, request, obj):
        read_models.bump_themes([obj.pk])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        read_models.bump_themes(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)

    def get_queryset(self, request):
        by_articles = Q(
            taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(
                Article
            )
        )
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=visible_themes(request.user).values("pk"))
            .annotate(use_count=Count("taggit_taggeditem_items", filter=by_articles))
        )

    @admin.display(description=_("articles"), ordering="use_count")
    def uses(self, obj: Tag) -> int:
        return obj.use_count

    @admin.action(
        description=_("Merge the selected themes into one"),
        permissions=["change", "delete"],
    )
    def merge_selected(self, request, queryset):
        themes = list(queryset.order_by("-use_count", "name"))
        form = MergeThemesForm(
            request.POST if "apply" in request.POST else None,
            initial={"name": themes[0].name if themes else ""},
        )
        if "apply" in request.POST and form.is_valid():
            try:
                target = merge_themes(themes, form.cleaned_data["name"])
            except ValidationError as error:
                form.add_error("name", error)
            else:
                messages.success(
                    request,
                    _("Merged %(count)d theme(s) into “%(name)s”.")
                    % {"count": len(themes), "name": target.name},
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Merge themes"),
            "themes": themes,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/merge_themes.html", context)
