"""The annotation layer as a read model: annotations loaded with their themes and
threads in a constant number of queries, and the reader's context (per paragraph,
filtered, the detached ones apart).

Used by the reader, the theme page, a member's own page and the exports; the HTML
is ``items``'s.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from accounts.models import StudyGroup
from studyhub.params import query_id, query_text

from ..links import url_parts
from ..models import Annotation, Article, Paragraph, ReadingProgress, Reply
from ..search.highlight import match_spans
from .items import highlight, render_items
from .layers import assemble, layers_for

__all__ = [
    "ReaderFilter",
    "highlight",
    "load_threads",
    "reader_annotations",
    "render_items",
]


def tags_by_annotation(annotations) -> dict[int, list[Tag]]:
    """Themes of the given annotations (a QuerySet or a list), in one query.

    One Tag object per theme, shared by every annotation carrying it: a reader with a
    thousand annotations on a few themes would otherwise build two model instances
    per annotation (the tagged item and its tag), the largest cost of the page."""
    if isinstance(annotations, list):
        ids = [a.pk for a in annotations]
    else:
        ids = annotations.values("pk")
    rows = (
        TaggedItem.objects.filter(
            content_type__app_label="articles",
            content_type__model="annotation",
            object_id__in=ids,
        )
        .order_by("tag__name")
        .values_list("object_id", "tag_id", "tag__name", "tag__slug")
    )
    themes: dict[int, Tag] = {}
    found: dict[int, list[Tag]] = defaultdict(list)
    for object_id, tag_id, name, slug in rows:
        theme = themes.get(tag_id)
        if theme is None:
            theme = themes[tag_id] = Tag(pk=tag_id, name=name, slug=slug)
        found[object_id].append(theme)
    return found


def replies_by_annotation(annotations) -> dict[int, list[Reply]]:
    if isinstance(annotations, list):
        annotations = [a.pk for a in annotations]
    else:
        annotations = annotations.values("pk")
    found: dict[int, list[Reply]] = defaultdict(list)
    for reply in (
        Reply.objects.filter(annotation__in=annotations)
        .select_related("author")
        .order_by("created_at", "pk")
    ):
        found[reply.annotation_id].append(reply)
    return found


def _when(moment, zone) -> tuple[str, str]:
    # ``zone`` looked up once per page: timezone.localtime() looks up the
    # context-local time zone on every call (two items per annotation).
    local = moment.astimezone(zone)
    return (
        local.isoformat(),
        # %H:%M without strftime, a third of this function's time.
        f"{local.year}年{local.month}月{local.day}日 {local.hour:02}:{local.minute:02}",
    )


def load_threads(annotations: list[Annotation], queryset=None) -> list[Annotation]:
    """Attach ``themes``, ``thread`` (replies, in order), URLs and display dates.

    Done here rather than in the template so a page with a thousand annotations
    renders in a fraction of the time (no reverse() or date filter per item).
    """
    source = queryset if queryset is not None else annotations
    tags = tags_by_annotation(source)
    replies = replies_by_annotation(source)
    theme_urls: dict[str, str] = {}
    zone = timezone.get_current_timezone()
    view, view_end = url_parts("articles:annotation")
    edit, edit_end = url_parts("articles:annotation_edit")
    delete, delete_end = url_parts("articles:annotation_delete")
    reply_to, reply_to_end = url_parts("articles:reply_create")
    reply_edit, reply_edit_end = url_parts("articles:reply_edit")
    reply_delete, reply_delete_end = url_parts("articles:reply_delete")
    for annotation in annotations:
        annotation.themes = tags.get(annotation.pk, [])
        for theme in annotation.themes:
            if theme.slug not in theme_urls:
                theme_urls[theme.slug] = reverse("articles:theme", args=[theme.slug])
            theme.url = theme_urls[theme.slug]
        annotation.thread = replies.get(annotation.pk, [])
        pk = annotation.pk
        annotation.url = f"{view}{pk}{view_end}"
        annotation.edit_url = f"{edit}{pk}{edit_end}"
        annotation.delete_url = f"{delete}{pk}{delete_end}"
        annotation.reply_url = f"{reply_to}{pk}{reply_to_end}"
        annotation.created_iso, annotation.created_label = _when(
            annotation.created_at, zone
        )
        annotation.edited = (annotation.updated_at - annotation.created_at).seconds > 1
        for reply in annotation.thread:
            reply.edit_url = f"{reply_edit}{reply.pk}{reply_edit_end}"
            reply.delete_url = f"{reply_delete}{reply.pk}{reply_delete_end}"
            reply.created_iso, reply.created_label = _when(reply.created_at, zone)
    return annotations


@dataclass
class ReaderFilter:
    theme: Tag | None = None
    member_id: int | None = None

    @property
    def active(self) -> bool:
        return self.theme is not None or self.member_id is not None

    def keeps(self, annotation: Annotation) -> bool:
        if self.member_id is not None and annotation.author_id != self.member_id:
            return False
        if self.theme is not None:
            return any(t.pk == self.theme.pk for t in annotation.themes)
        return True


def reader_annotations(
    request, article: Article, paragraphs: list[Paragraph], needles=()
) -> dict:
    """Context for the reader: highlights, counts and threads, per paragraph.

    Sets ``highlighted``, ``notes`` (the items shown, deleted placeholders with
    replies included), ``notes_html`` and ``note_count`` on each paragraph; the
    annotations whose passage is gone are ``detached_notes``, apart. The
    annotations come from the member's cached layers (``layers.py``): warm, the
    member's groups and the studied mark are the only queries.
    """
    user = request.user
    groups = list(StudyGroup.objects.of_member(user))
    member_layers = layers_for(user, article, paragraphs, [g.pk for g in groups])

    chosen = ReaderFilter()
    theme_slug = query_text(request.GET, "theme")
    themes: dict[int, tuple] = {}
    for layer in member_layers:
        themes.update(layer.themes)
    if theme_slug:
        found = next(
            (pk for pk, (_, slug) in themes.items() if slug == theme_slug), None
        )
        if found is None:  # unknown, or only on annotations hidden from them
            chosen.theme = Tag(pk=0, slug=theme_slug, name=theme_slug)
        else:
            chosen.theme = Tag(pk=found, name=themes[found][0], slug=theme_slug)
    chosen.member_id = query_id(request.GET, "member")

    shown = assemble(
        request,
        member_layers,
        paragraphs,
        chosen,
        lambda text: match_spans(text, needles) if needles else [],
    )
    progress = ReadingProgress.objects.of_member(user).filter(article=article).first()
    return {
        "annotation_total": shown["annotation_total"],
        "detached_notes": shown["detached_notes"],
        "annotation_filter": chosen,
        "filter_themes": sorted(
            (Tag(pk=pk, name=name, slug=slug) for pk, (name, slug) in themes.items()),
            key=lambda t: t.name,
        ),
        "filter_members": sorted(
            (Person(pk, name) for pk, name in shown["authors_seen"].items()),
            key=lambda m: m.name,
        ),
        "my_groups": groups,
        "studied": progress,
    }


class Person(NamedTuple):
    """A member as the reader's filter lists them."""

    pk: int
    name: str
