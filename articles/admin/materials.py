"""Admin of the library: articles, their paragraphs, the import page."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from accounts.admin import QuietDeletion

from ..forms.materials import ArticleAdminForm, ImportDocumentForm
from ..importer import ImportFailed, parse_document
from ..models import Article, Job, Paragraph
from ..reading import cache as read_models
from ..search.keywords import suggest_themes
from ..services import (
    ReanchorResult,
    confirm_import,
    hold_upload,
    index_article,
    reanchor_annotations,
)
from ..services.materials import preview_document


def report_reanchoring(request, results: list[ReanchorResult]) -> None:
    """Tell the editor what happened to the annotations of the edited paragraphs."""
    moved = sum(len(r.moved) for r in results)
    detached = sum(len(r.detached) for r in results)
    if moved:
        messages.info(
            request,
            _("%(count)d annotation(s) were moved to follow the edited text.")
            % {"count": moved},
        )
    if detached:
        messages.warning(
            request,
            _(
                "%(count)d annotation(s) no longer match the edited text; they are "
                "kept and shown as “the original text was changed”."
            )
            % {"count": detached},
        )


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


class ArticleThemeFilter(admin.SimpleListFilter):
    """The themes articles carry: Django's own filter on ``tags`` would list every
    theme, including those only members' private notes carry."""

    title = _("themes")
    parameter_name = "theme"

    def lookups(self, request, model_admin):
        return (
            Tag.objects.filter(article__in=Article.objects.visible_to(request.user))
            .distinct()
            .order_by("name")
            .values_list("slug", "name")
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value()).distinct()
        return queryset


@admin.register(Article)
class ArticleAdmin(QuietDeletion, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "byline",
        "source",
        "published_on",
        "status",
        "review_count",
    ]
    list_filter = ["status", NeedsReviewFilter, "source", "byline", ArticleThemeFilter]
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
        """From the article's keywords and the themes articles already carry (never
        a theme only members' notes carry: its name is their work)."""
        if not obj.pk:
            return _("Save the article first.")
        text = "\n".join([obj.title, *obj.paragraphs.values_list("text", flat=True)])
        existing = (
            Tag.objects.filter(article__isnull=False)
            .distinct()
            .order_by("name")
            .values_list("name", flat=True)
        )
        current = set(obj.tags.names())
        names = [t for t in suggest_themes(text, existing, limit=8) if t not in current]
        return "、".join(names) or "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Title and paragraphs are saved by now: search and keywords follow them.
        index_article(form.instance)

    def delete_model(self, request, obj):
        # Every page listing it (home, the theme pages, members' own pages) and
        # every layer of it: the article's scopes, as for an edit; its rows of
        # the search index go by cascade (search result pages).
        read_models.bump_articles([obj.pk])
        read_models.bump(read_models.SEARCH)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        read_models.bump_articles(queryset.values_list("pk", flat=True))
        read_models.bump(read_models.SEARCH)
        super().delete_queryset(request, queryset)

    def get_queryset(self, request):
        return super().get_queryset(request).with_review_count()

    def save_formset(self, request, form, formset, change):
        """Save the paragraphs, then re-anchor the annotations of edited ones."""
        edited = {
            inline.instance.pk: inline.initial.get("text", "")
            for inline in formset.forms
            if formset.model is Paragraph
            and inline.instance.pk
            and "text" in inline.changed_data
            and inline not in formset.deleted_forms
        }
        super().save_formset(request, form, formset, change)
        results = [
            reanchor_annotations(paragraph, edited[paragraph.pk])
            for paragraph in Paragraph.objects.filter(pk__in=edited)
        ]
        report_reanchoring(request, results)

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
            path(
                "import/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="articles_article_import_job",
            ),
            *super().get_urls(),
        ]

    def _import_context(self, request, **context) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import articles"),
            "changelist_url": reverse("admin:articles_article_changelist"),
            "import_url": reverse("admin:articles_article_import"),
            **context,
        }

    def import_view(self, request):
        """Upload a file or paste text; it is read, not written: the editor sees
        the preview next and confirms."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportDocumentForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data, filename = form.document_bytes()
            try:
                parse_document(data, filename)
            except ImportFailed as error:
                field = "document" if form.cleaned_data.get("document") else "text"
                form.add_error(field, error.message)
            else:
                job = hold_upload(
                    data,
                    filename,
                    user=request.user,
                    status=form.cleaned_data["status"],
                )
                return redirect("admin:articles_article_import_job", job.pk)
        context = self._import_context(request, form=form)
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def import_job_view(self, request, job_id: int):
        """One upload: its preview and the confirm button, then the progress of the
        import and its result. Only the editor who uploaded it sees it."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        job = get_object_or_404(
            Job, pk=job_id, kind=Job.Kind.IMPORT, started_by=request.user
        )
        if request.method == "POST":
            if job.state == Job.State.PREVIEW:
                confirm_import(job)
            return redirect("admin:articles_article_import_job", job.pk)
        preview = None
        if job.state == Job.State.PREVIEW:
            preview = preview_document(parse_document(bytes(job.upload), job.filename))
        context = self._import_context(
            request,
            job=job,
            preview=preview,
            status_label=Article.Status(
                job.options.get("status", Article.Status.DRAFT)
            ).label,
        )
        return TemplateResponse(
            request, "admin/articles/article/import_job.html", context
        )


@admin.register(Paragraph)
class ParagraphAdmin(QuietDeletion, admin.ModelAdmin):
    """Where an editor finds every paragraph the importer flagged."""

    list_display = ["__str__", "article", "kind", "review_note"]
    list_filter = [("review_note", admin.EmptyFieldListFilter), "kind"]
    search_fields = ["text", "article__title"]
    list_select_related = ["article"]
    fields = ["article", "position", "kind", "text", "review_note"]
    raw_id_fields = ["article"]

    def save_model(self, request, obj, form, change):
        old_text = form.initial.get("text", "")
        super().save_model(request, obj, form, change)
        if change and "text" in form.changed_data:
            report_reanchoring(request, [reanchor_annotations(obj, old_text)])
        index_article(obj.article)

    def delete_model(self, request, obj):
        article = obj.article
        super().delete_model(request, obj)
        index_article(article)
