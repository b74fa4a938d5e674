"""Search: one indexed row per searchable object, the domain dictionary, keywords."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from accounts.models import StudyGroup

from .materials import Article, Paragraph


class SearchDocument(models.Model):
    """The searchable copy of one object of a registered kind (search/kinds.py).

    ``text`` is the original (highlighted in results); ``words`` the jieba tokens
    (ranking) and ``grams`` the character n-grams (recall) of its normalised form. The
    full-text index over them is created per database by the migration (SQLite FTS5
    table ``articles_searchdocument_fts``; PostgreSQL: a GIN index over the tokens and
    the columns ``runs`` and ``words_tsv``, see migration 0004) and follows this table
    by triggers. ``article``, ``paragraph``, ``owner`` and ``group`` are what kinds'
    visibility rules and the result filters use.
    """

    kind = models.CharField(_("kind"), max_length=20)
    object_id = models.PositiveBigIntegerField(_("object id"))
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    paragraph = models.ForeignKey(
        Paragraph,
        verbose_name=_("paragraph"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    group = models.ForeignKey(
        StudyGroup,
        verbose_name=_("study group"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    date = models.DateField(_("date"), null=True, blank=True)
    text = models.TextField(_("text"))
    words = models.TextField(_("words"))
    grams = models.TextField(_("character pairs"))
    version = models.CharField(_("dictionary version"), max_length=16)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="searchdocument_unique_object"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.object_id}"


class DictionaryTermQuerySet(models.QuerySet):
    def stamp(self) -> tuple:
        """Changes whenever a term is added, edited or deleted (one small query)."""
        return tuple(
            self.aggregate(
                count=Count("pk"), last=Max("pk"), changed=Max("updated_at")
            ).values()
        )


class DictionaryTerm(models.Model):
    """A word editors taught the segmenter, on top of articles/search/dictionary.txt."""

    term = models.CharField(
        _("term"),
        max_length=30,
        unique=True,
        validators=[
            RegexValidator(
                r"^[^\W_]+$",
                _("Use Chinese characters, letters and digits only, no marks."),
                code="term_characters",
            )
        ],
        help_text=_(
            "A fixed expression read as one word, e.g. 四下基层. Chinese characters, "
            "letters and digits only."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DictionaryTermQuerySet.as_manager()

    class Meta:
        verbose_name = _("dictionary term")
        verbose_name_plural = _("dictionary terms")
        ordering = ["term"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(term=""), name="dictionaryterm_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.term


class ArticleKeyword(models.Model):
    """One of an article's top keywords (TF-IDF), refreshed on import and edit."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="keywords",
    )
    word = models.CharField(_("word"), max_length=50)
    weight = models.FloatField(_("weight"))

    class Meta:
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")
        ordering = ["article", "-weight", "word"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "word"], name="articlekeyword_unique_word"
            ),
        ]

    def __str__(self) -> str:
        return self.word
