"""Admin of themes: taggit tags shared by articles and annotations."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from taggit.admin import TagAdmin
from taggit.models import Tag

from ..forms.materials import MergeThemesForm
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
class ThemeAdmin(TagAdmin):
    """Rename a theme by editing its name; merge several with the action."""

    form = ThemeForm
    inlines = []
    list_display = ["name", "slug", "uses"]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(use_count=Count("taggit_taggeditem_items"))
        )

    @admin.display(description=_("uses"), ordering="use_count")
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
