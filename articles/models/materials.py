"""Study materials: articles stored as ordered paragraphs."""

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Length
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager


class ArticleQuerySet(models.QuerySet):
    def published(self) -> "ArticleQuerySet":
        return self.filter(status=Article.Status.PUBLISHED)

    def visible_to(self, user) -> "ArticleQuerySet":
        """Members read published articles; staff also preview drafts."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.published()

    def with_length(self) -> "ArticleQuerySet":
        """Annotate ``char_count`` (characters of all paragraphs) in the same query."""
        lengths = (
            Paragraph.objects.filter(article=OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(total=Sum(Length("text")))
            .values("total")
        )
        return self.annotate(char_count=Coalesce(Subquery(lengths), 0))

    def with_review_count(self) -> "ArticleQuerySet":
        return self.annotate(
            review_count=Count("paragraphs", filter=~Q(paragraphs__review_note=""))
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    title = models.CharField(_("title"), max_length=300)
    byline = models.CharField(
        _("byline"),
        max_length=200,
        blank=True,
        help_text=_("The body that wrote it, e.g. a Party committee's study group."),
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("The publication or column the article appeared in."),
    )
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    tags = TaggableManager(_("themes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_on", "-created_at", "-pk"]
        constraints = [
            # Importing the same document twice must not duplicate its articles.
            models.UniqueConstraint(
                fields=["title", "byline"], name="article_unique_title_byline"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", args=[self.pk])


class Paragraph(models.Model):
    class Kind(models.TextChoices):
        HEADING = "heading", _("heading")
        BODY = "body", _("body")

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="paragraphs",
    )
    # Order only: the anchor is the primary key, so reordering or inserting paragraphs
    # never changes a link or what annotations are attached to.
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=Kind.choices, default=Kind.BODY
    )
    text = models.TextField(_("text"))
    review_note = models.CharField(
        _("needs review"),
        max_length=500,
        blank=True,
        help_text=_(
            "What the importer could not repair with confidence. "
            "Clear it once the paragraph is fixed."
        ),
    )

    class Meta:
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")
        ordering = ["article", "position", "pk"]
        indexes = [models.Index(fields=["article", "position"])]

    def __str__(self) -> str:
        return f"{self.article_id}#{self.anchor}: {self.text[:30]}"

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"p-{self.pk}"

    @property
    def is_heading(self) -> bool:
        return self.kind == self.Kind.HEADING
