"""Writes of annotations, replies, themes and reading progress.

Every function validates its input and raises ``ValidationError`` (a Chinese message,
nothing written) or ``PermissionDenied`` (someone else's annotation). Views, the admin
and commands call these; nothing else writes these rows.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from taggit.models import Tag, TaggedItem

from accounts.models import Membership, StudyGroup

from ..anchoring import context_of, find_anchor
from ..models import Annotation, Article, Paragraph, ReadingProgress, Reply
from ..models.annotations import NOTE_MAX_LENGTH, REPLY_MAX_LENGTH
from ..reading import cache as read_models
from ..search import index_objects
from ..search.study_kinds import (
    ANNOTATION,
    annotation_sources,
    index_annotation,
    index_reply,
    remove_annotation,
)
from ..validators import validate_theme_name
from .notifications import notify_reply

THEMES_PER_ANNOTATION = 10
_THEME_SEPARATORS = re.compile(r"[,，、;；\s]+")


def parse_themes(text: str) -> list[str]:
    """Split what a member typed into theme names and check each one.

    Names are separated by commas (either width), 、, semicolons or spaces. Raises
    ValidationError naming the first bad theme. Checked before taggit sees them, so
    a bad name never becomes a tag.
    """
    names: list[str] = []
    for name in _THEME_SEPARATORS.split(text or ""):
        if not name.strip():
            continue
        name = validate_theme_name(name)
        if name not in names:
            names.append(name)
    if len(names) > THEMES_PER_ANNOTATION:
        raise ValidationError(
            _("At most %(count)d themes per annotation.")
            % {"count": THEMES_PER_ANNOTATION},
            code="too_many_themes",
        )
    return names


def _checked_themes(themes: list[str] | None) -> list[str]:
    return [validate_theme_name(name) for name in themes or [] if name.strip()]


def _clean_note(note: str) -> str:
    # Plain text, line breaks kept; Windows line ends become plain ones.
    note = (note or "").replace("\r\n", "\n").strip()
    if not note:
        raise ValidationError(_("Write a note."), code="empty_note")
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("The note is too long: at most %(max)d characters (it has %(count)d).")
            % {"max": NOTE_MAX_LENGTH, "count": len(note)},
            code="note_too_long",
        )
    return note


def _check_group(author, group: StudyGroup | None) -> None:
    if group is None:
        return
    if not Membership.objects.filter(member=author, group=group).exists():
        raise ValidationError(
            _("You can only share with a study group you belong to."),
            code="not_in_group",
        )


def _check_author(obj, user) -> None:
    if obj.author_id != user.pk:
        raise PermissionDenied(_("Only the author may change this."))


@transaction.atomic
def annotate_paragraph(
    *,
    author,
    paragraph: Paragraph,
    start: int,
    end: int,
    quote: str,
    note: str,
    themes: list[str] | None = None,
    group: StudyGroup | None = None,
) -> Annotation:
    """Store a note on ``paragraph.text[start:end]`` (code points).

    The quote the browser saw must be exactly the text at that place: a page read
    before an editor changed the paragraph gets an error, never a misplaced note.
    """
    text = paragraph.text
    if not (0 <= start < end <= len(text)):
        raise ValidationError(
            _("The selected passage is outside the paragraph. Select it again."),
            code="bad_offsets",
        )
    if text[start:end] != quote:
        raise ValidationError(
            _(
                "The selected text does not match the paragraph; it may have been "
                "edited meanwhile. Reload the page and select it again."
            ),
            code="quote_mismatch",
        )
    note = _clean_note(note)
    names = _checked_themes(themes)
    _check_group(author, group)
    prefix, suffix = context_of(text, start, end)
    annotation = Annotation.objects.create(
        author=author,
        paragraph=paragraph,
        quote=quote,
        start=start,
        end=end,
        prefix=prefix,
        suffix=suffix,
        note=note,
        group=group,
    )
    if names:
        annotation.tags.set(names)
    index_annotation(annotation)
    read_models.bump_annotation(annotation, new=True)
    return annotation


@transaction.atomic
def edit_annotation(
    annotation: Annotation,
    *,
    editor,
    note: str,
    themes: list[str] | None = None,
    group: StudyGroup | None = None,
) -> Annotation:
    _check_author(annotation, editor)
    if annotation.is_deleted:
        raise ValidationError(_("This annotation was deleted."), code="deleted")
    annotation.note = _clean_note(note)
    names = _checked_themes(themes)
    _check_group(editor, group)
    former_group_id = annotation.group_id
    former_theme_ids = list(annotation.tags.values_list("pk", flat=True))
    annotation.group = group
    annotation.save(update_fields=["note", "group", "updated_at"])
    annotation.tags.set(names, clear=True)
    # A change of sharing is obeyed by search at once (its rule is the reader's);
    # re-indexing keeps the note's text and the group filter column current.
    index_annotation(annotation)
    # Private ↔ group: both layers change, the one it left and the one it joined.
    read_models.bump_annotation(
        annotation, former_group_id, former_theme_ids=former_theme_ids
    )
    return annotation


@transaction.atomic
def delete_annotation(annotation: Annotation, *, by) -> None:
    """Delete an annotation; with replies, keep the thread and blank the note."""
    _check_author(annotation, by)
    read_models.bump_annotation(annotation)
    if annotation.replies.exists():
        annotation.deleted_at = timezone.now()
        annotation.note = ""
        annotation.save(update_fields=["deleted_at", "note", "updated_at"])
        annotation.tags.clear()
        index_annotation(annotation)
    else:
        pk = annotation.pk
        annotation.delete()
        remove_annotation(pk)


def _clean_reply(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError(_("Write a reply."), code="empty_reply")
    if len(text) > REPLY_MAX_LENGTH:
        raise ValidationError(
            _("The reply is too long: at most %(max)d characters (it has %(count)d).")
            % {"max": REPLY_MAX_LENGTH, "count": len(text)},
            code="reply_too_long",
        )
    return text


@transaction.atomic
def reply_to_annotation(annotation: Annotation, *, author, text: str) -> Reply:
    """Add a reply. The caller has checked that ``author`` sees the annotation."""
    if annotation.is_deleted:
        raise ValidationError(
            _("This annotation was deleted; it takes no new replies."), code="deleted"
        )
    reply = Reply.objects.create(
        annotation=annotation, author=author, text=_clean_reply(text)
    )
    index_reply(reply)
    notify_reply(reply)
    read_models.bump_annotation(annotation)
    return reply


@transaction.atomic
def edit_reply(reply: Reply, *, editor, text: str) -> Reply:
    _check_author(reply, editor)
    if reply.is_deleted:
        raise ValidationError(_("This reply was deleted."), code="deleted")
    reply.text = _clean_reply(text)
    reply.save(update_fields=["text", "updated_at"])
    index_reply(reply)
    read_models.bump_annotation(reply.annotation)
    return reply


@transaction.atomic
def delete_reply(reply: Reply, *, by) -> None:
    """Soft delete: the thread keeps its order and shows where a reply was."""
    _check_author(reply, by)
    reply.deleted_at = timezone.now()
    reply.text = ""
    reply.save(update_fields=["deleted_at", "text", "updated_at"])
    index_reply(reply)
    read_models.bump_annotation(reply.annotation)


def mark_article_studied(member, article: Article) -> ReadingProgress:
    progress, _created = ReadingProgress.objects.get_or_create(
        member=member, article=article, defaults={"studied_at": timezone.now()}
    )
    if _created:
        # The member's archive and their groups' statistics count it, and home's
        # reading lists show it (their own pages).
        read_models.bump_studied(member.pk)
    return progress


def unmark_article_studied(member, article: Article) -> None:
    if ReadingProgress.objects.filter(member=member, article=article).delete()[0]:
        read_models.bump_studied(member.pk)


@dataclass
class ReanchorResult:
    kept: list[Annotation] = field(default_factory=list)
    moved: list[Annotation] = field(default_factory=list)
    detached: list[Annotation] = field(default_factory=list)


@transaction.atomic
def reanchor_annotations(paragraph: Paragraph, old_text: str) -> ReanchorResult:
    """Re-place every annotation of ``paragraph`` after its text changed from
    ``old_text`` to ``paragraph.text`` (already saved).

    Order: same position, then the quote with the best-matching context, then a fuzzy
    match through a diff. Annotations that cannot be placed keep their stored quote
    and are marked detached ("原文已修改"): never deleted, never silently moved to
    unrelated text. A detached annotation whose quote reappears is attached again.
    """
    result = ReanchorResult()
    new_text = paragraph.text
    for annotation in paragraph.annotations.select_for_update():
        anchor = find_anchor(
            new_text,
            old_text,
            annotation.quote,
            annotation.start,
            annotation.end,
            annotation.prefix,
            annotation.suffix,
        )
        # A target that changes (detached, moved, re-attached) is a modification
        # of the annotation: exports report it as ``modified`` (updated_at).
        if anchor is None:
            if not annotation.detached:
                annotation.detached = True
                annotation.save(update_fields=["detached", "updated_at"])
            result.detached.append(annotation)
            continue
        before = (
            annotation.start,
            annotation.end,
            annotation.quote,
            annotation.prefix,
            annotation.suffix,
            annotation.detached,
        )
        annotation.start, annotation.end = anchor.start, anchor.end
        annotation.quote = new_text[anchor.start : anchor.end]
        annotation.prefix, annotation.suffix = context_of(
            new_text, anchor.start, anchor.end
        )
        annotation.detached = False
        fields = ["start", "end", "quote", "prefix", "suffix", "detached"]
        if before != tuple(getattr(annotation, name) for name in fields):
            annotation.save(update_fields=[*fields, "updated_at"])
        (result.kept if anchor.how == "position" else result.moved).append(annotation)
    # The quotes followed the text: so does the index, and so do the layers.
    index_objects(ANNOTATION.name, annotation_sources(paragraph.annotations.all()))
    read_models.bump_articles([paragraph.article_id])
    return result


@transaction.atomic
def update_paragraph_text(paragraph: Paragraph, text: str) -> ReanchorResult:
    """An editor corrects a paragraph: save the text and re-anchor its annotations."""
    old_text = Paragraph.objects.select_for_update().get(pk=paragraph.pk).text
    paragraph.text = text
    paragraph.save(update_fields=["text"])
    read_models.bump_articles([paragraph.article_id])
    if old_text == text:
        return ReanchorResult()
    return reanchor_annotations(paragraph, old_text)


@transaction.atomic
def merge_themes(themes: list[Tag], into_name: str) -> Tag:
    """Merge ``themes`` into one theme named ``into_name`` (existing or new).

    Every article and annotation carrying any of them carries the target afterwards,
    once; the merged themes are deleted.
    """
    into_name = validate_theme_name(into_name)
    target = Tag.objects.filter(name=into_name).first()
    if target is None:
        target = Tag.objects.create(name=into_name)
    read_models.bump_themes(t.pk for t in themes if t.pk != target.pk)
    for theme in themes:
        if theme.pk == target.pk:
            continue
        for item in TaggedItem.objects.filter(tag=theme):
            already = TaggedItem.objects.filter(
                tag=target,
                content_type_id=item.content_type_id,
                object_id=item.object_id,
            ).exists()
            if already:
                item.delete()
            else:
                item.tag = target
                item.save(update_fields=["tag"])
        theme.delete()
    return target
