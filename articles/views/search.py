from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from taggit.models import Tag

from accounts.models import StudyGroup

from .. import search
from ..models import Article
from ..reading import search_pages


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), required=False, max_length=2000)
    kind = forms.ChoiceField(label=_("Where"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    group = forms.TypedChoiceField(
        label=_("Study group"), required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=1000)

    def __init__(self, *args, user, themes=None, groups=None, **kwargs):
        """``themes`` and ``groups``: the choices (slug, name) and (pk, name) when
        the caller has them already; read from the database otherwise."""
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Everywhere"))] + [
            (name, kind.label) for name, kind in search.KINDS.items()
        ]
        if themes is None:
            visible = Article.objects.visible_to(user)
            themes = (
                Tag.objects.filter(article__in=visible)
                .distinct()
                .order_by("name")
                .values_list("slug", "name")
            )
        self.fields["theme"].choices = [("", _("All themes"))] + list(themes)
        if groups is None:
            groups = StudyGroup.objects.of_member(user).values_list("pk", "name")
        self.fields["group"].choices = [("", _("All my groups"))] + list(groups)
        for name in ("date_from", "date_to"):
            self.fields[name].widget.input_type = "date"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise ValidationError(
                _("The start date is after the end date."), code="date_order"
            )
        return cleaned


@require_GET
def search_results(request):
    # Memberships and cached choices once per request; the filters and the results
    # come as cached HTML (reading.search_pages).
    visibility = search_pages.Visibility(request.user)
    form = SearchForm(
        request.GET or None,
        user=request.user,
        themes=visibility.themes,
        groups=visibility.groups,
    )
    query = request.GET.copy()
    query.pop("page", None)
    page_query = query.urlencode()
    filters, results = search_pages.render(request, visibility, form, page_query)
    return render(
        request,
        "articles/search_results.html",
        {
            "form": form,
            "filters": filters,
            "results": results,
            "q": form.cleaned_data.get("q", "")
            if form.is_bound and form.is_valid()
            else "",
        },
    )
