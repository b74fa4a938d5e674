from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from . import search
from .forms import ImportDocumentForm
from .importer import ImportFailed
from .models import Article, DictionaryTerm, Paragraph
from .search.keywords import suggest_themes
from .services import import_document, index_article, rebuild_search_index


class ParagraphInline(admin.TabularInline):
    model = Paragraph
    extra = 0
    fields = ["position", "kind", "text", "review_note"]
    formfield_overrides = {
        # Paragraphs are long: a roomy box, not Django's default 10 rows.
        Paragraph._meta.get_field("text").__class__: {
            "widget": forms.Textarea(attrs={"rows": 4, "cols": 90})
        },
    }


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("needs review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        flagged = Q(paragraphs__review_note__gt="")
        if self.value() == "yes":
            return queryset.filter(flagged).distinct()
        if self.value() == "no":
            return queryset.exclude(flagged)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "byline",
        "source",
        "published_on",
        "status",
        "review_count",
    ]
    list_filter = ["status", NeedsReviewFilter, "source", "byline", "tags"]
    search_fields = ["title"]
    date_hierarchy = "published_on"
    inlines = [ParagraphInline]
    fields = [
        "title",
        "byline",
        "source",
        "published_on",
        "status",
        "tags",
        "suggested_themes",
    ]
    readonly_fields = ["suggested_themes"]
    change_list_template = "admin/articles/article/change_list.html"

    @admin.display(description=_("suggested themes"))
    def suggested_themes(self, obj: Article) -> str:
        """From the article's keywords and the themes already in use."""
        if not obj.pk:
            return _("Save the article first.")
        text = "\n".join([obj.title, *obj.paragraphs.values_list("text", flat=True)])
        existing = Tag.objects.order_by("name").values_list("name", flat=True)
        current = set(obj.tags.names())
        names = [t for t in suggest_themes(text, existing, limit=8) if t not in current]
        return "、".join(names) or "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Title and paragraphs are saved by now: search and keywords follow them.
        index_article(form.instance)

    def get_queryset(self, request):
        return super().get_queryset(request).with_review_count()

    @admin.display(description=_("paragraphs to review"), ordering="review_count")
    def review_count(self, obj: Article) -> int:
        return obj.review_count

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="articles_article_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        result = None
        form = ImportDocumentForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["document"]
            try:
                result = import_document(
                    upload.read(), upload.name, status=form.cleaned_data["status"]
                )
            except ImportFailed as error:
                form.add_error("document", error.message)
            else:
                messages.success(
                    request,
                    _("Imported %(created)d article(s); %(skipped)d already existed.")
                    % {"created": len(result.created), "skipped": len(result.skipped)},
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import articles"),
            "form": form,
            "result": result,
            "changelist_url": reverse("admin:articles_article_changelist"),
        }
        return TemplateResponse(request, "admin/articles/article/import.html", context)


@admin.register(Paragraph)
class ParagraphAdmin(admin.ModelAdmin):
    """Where an editor finds every paragraph the importer flagged."""

    list_display = ["__str__", "article", "kind", "review_note"]
    list_filter = [("review_note", admin.EmptyFieldListFilter), "kind"]
    search_fields = ["text", "article__title"]
    list_select_related = ["article"]
    fields = ["article", "position", "kind", "text", "review_note"]
    raw_id_fields = ["article"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        index_article(obj.article)

    def delete_model(self, request, obj):
        article = obj.article
        super().delete_model(request, obj)
        index_article(article)


@admin.register(DictionaryTerm)
class DictionaryTermAdmin(admin.ModelAdmin):
    """Editors teach the segmenter fixed expressions; the index is rebuilt for them."""

    list_display = ["term", "note", "updated_at"]
    search_fields = ["term", "note"]
    fields = ["term", "note"]
    actions = ["rebuild_index"]
    change_list_template = "admin/articles/dictionaryterm/change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "stale_count": search.stale_count(),
            "shipped_count": len(search.tokenizer.shipped_terms()),
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
        counts = rebuild_search_index()
        self.message_user(
            request,
            _("Search index rebuilt: %(count)d texts segmented again.")
            % {"count": sum(counts.values())},
            messages.SUCCESS,
        )
