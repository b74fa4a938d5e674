"""Annotations on paragraphs, their reply threads, and members' reading progress.

The visibility rule lives in ``AnnotationQuerySet.visible_to`` and nowhere else: the
reader, every count, the theme page, a member's own page and the exports all start
from it, so a hidden annotation is never counted, listed or hinted at.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem

from accounts.models import Membership, StudyGroup

from .materials import Article, Paragraph

# A note is a few paragraphs of thought, not a document: 5,000 characters is about
# three printed pages of Chinese. Anything longer is refused with a clear message.
NOTE_MAX_LENGTH = 5000
REPLY_MAX_LENGTH = 2000


def _group_ids_of(user):
    return Membership.objects.filter(member=user).values("group_id")


class AnnotationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AnnotationQuerySet":
        """The author's own annotations and those shared with one of their groups.

        Staff see exactly what a member sees: editing the library gives no right to
        read a colleague's private notes. Annotations on articles the user may not
        read (drafts, for members) are hidden with their article.
        """
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(author=user) | Q(group__in=_group_ids_of(user)),
            paragraph__article__in=Article.objects.visible_to(user),
        )

    def activity_of(self, person, viewer) -> "AnnotationQuerySet":
        """``person``'s annotations as ``viewer`` may see them: all of one's own;
        of someone else, only those shared with a group both belong to."""
        mine = self.visible_to(viewer).filter(author=person)
        if viewer.is_authenticated and person.pk == viewer.pk:
            return mine
        return mine.filter(
            group__in=StudyGroup.objects.shared_by(viewer, person).values("pk")
        )

    def live(self) -> "AnnotationQuerySet":
        """Not deleted: what is highlighted, counted and exported."""
        return self.filter(deleted_at__isnull=True)

    def of_article(self, article: Article) -> "AnnotationQuerySet":
        return self.filter(paragraph__article=article)

    def with_reply_count(self) -> "AnnotationQuerySet":
        return self.annotate(
            reply_count=Count("replies", filter=Q(replies__deleted_at__isnull=True))
        )


class Annotation(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="annotations",
    )
    # PROTECT: an annotation is never lost because a paragraph was deleted; the editor
    # is told which annotations hang on it instead.
    paragraph = models.ForeignKey(
        Paragraph,
        verbose_name=_("paragraph"),
        on_delete=models.PROTECT,
        related_name="annotations",
    )
    quote = models.TextField(_("quoted text"))
    # Offsets in Unicode code points into paragraph.text (what Python's len counts),
    # not the browser's UTF-16 code units.
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    prefix = models.CharField(_("text before"), max_length=64, blank=True)
    suffix = models.CharField(_("text after"), max_length=64, blank=True)
    note = models.TextField(
        _("note"), validators=[MaxLengthValidator(NOTE_MAX_LENGTH)], blank=True
    )
    tags = TaggableManager(_("themes"), blank=True)
    # SET_NULL: when a study group is dissolved its members' notes become private to
    # their authors rather than vanish.
    group = models.ForeignKey(
        StudyGroup,
        verbose_name=_("shared with"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="annotations",
        help_text=_("Empty: private, only the author sees it."),
    )
    detached = models.BooleanField(
        _("detached from the text"),
        default=False,
        help_text=_("The paragraph was edited and the quote could not be found again."),
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        ordering = ["paragraph", "start", "created_at", "pk"]
        indexes = [
            models.Index(fields=["paragraph", "start"]),
            models.Index(fields=["author", "-created_at"]),
            # A group's newest notes (home's recent activity, after every note in
            # the group): without it the group's notes are sorted on each rebuild.
            models.Index(fields=["group", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="annotation_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.quote[:20]}"

    def get_absolute_url(self) -> str:
        return reverse("articles:annotation", args=[self.pk])

    @property
    def anchor(self) -> str:
        return f"a-{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_private(self) -> bool:
        return self.group_id is None


class ReplyQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReplyQuerySet":
        """Exactly those who see the annotation see its replies."""
        return self.filter(annotation__in=Annotation.objects.visible_to(user))

    def live(self) -> "ReplyQuerySet":
        """Not deleted: a deleted reply keeps only its place in the thread."""
        return self.filter(deleted_at__isnull=True)


class Reply(models.Model):
    annotation = models.ForeignKey(
        Annotation,
        verbose_name=_("annotation"),
        on_delete=models.CASCADE,
        related_name="replies",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="annotation_replies",
    )
    text = models.TextField(
        _("reply"), validators=[MaxLengthValidator(REPLY_MAX_LENGTH)]
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReplyQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["annotation", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} · {self.text[:20]}"

    @property
    def anchor(self) -> str:
        return f"r-{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ReadingProgressQuerySet(models.QuerySet):
    def of_member(self, member) -> "ReadingProgressQuerySet":
        if not member.is_authenticated:
            return self.none()
        return self.filter(member=member)


class ReadingProgress(models.Model):
    """A member marked an article as studied (学习完成)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="reading_progress",
    )
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="reading_progress",
    )
    studied_at = models.DateTimeField(_("studied at"))

    objects = ReadingProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("reading progress")
        verbose_name_plural = _("reading progress")
        ordering = ["-studied_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "article"], name="reading_progress_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.article}"


def visible_themes(user) -> models.QuerySet:
    """The themes ``user`` may know of: those of articles they may read and of
    annotations they may see, and themes nothing carries yet.

    A theme only someone's private notes (or another group's) carry is not listed,
    in the admin's theme list and filters either: its name is private work too.
    """
    types = ContentType.objects.get_for_models(Article, Annotation)
    items = TaggedItem.objects.filter(
        Q(
            content_type=types[Article],
            object_id__in=Article.objects.visible_to(user).values("pk"),
        )
        | Q(
            content_type=types[Annotation],
            object_id__in=Annotation.objects.visible_to(user).live().values("pk"),
        )
    )
    return Tag.objects.filter(
        Q(pk__in=items.values("tag_id"))
        | ~Q(pk__in=TaggedItem.objects.values("tag_id"))
    )
