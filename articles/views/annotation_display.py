"""How annotations are shown: loaded with their themes and threads in a constant
number of queries, highlighted in the paragraph text, and rendered as items.

Used by the reader, the theme page, a member's own page and the exports. Items are
rendered in Python rather than as a template include because the reader shows every
visible annotation of an article: at a thousand annotations a Django template
include per item took about a second, this takes a fraction of that. Every piece of
user text goes through ``escape``; results are marked safe only as a whole.
"""

from collections import defaultdict
from dataclasses import dataclass
from html import escape as _escape

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from taggit.models import Tag, TaggedItem

from accounts.models import StudyGroup
from studyhub.params import query_id, query_text

from ..links import url_for
from ..models import Annotation, Article, Paragraph, ReadingProgress, Reply
from ..search.highlight import match_spans


def escape(value) -> str:
    # The standard library's escape, as Django's does it, without the lazy-string
    # wrapper that costs more than the escaping in these loops.
    return _escape(str(value))


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
        f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}",
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
    for annotation in annotations:
        annotation.themes = tags.get(annotation.pk, [])
        for theme in annotation.themes:
            if theme.slug not in theme_urls:
                theme_urls[theme.slug] = reverse("articles:theme", args=[theme.slug])
            theme.url = theme_urls[theme.slug]
        annotation.thread = replies.get(annotation.pk, [])
        annotation.url = url_for("articles:annotation", annotation.pk)
        annotation.edit_url = url_for("articles:annotation_edit", annotation.pk)
        annotation.delete_url = url_for("articles:annotation_delete", annotation.pk)
        annotation.reply_url = url_for("articles:reply_create", annotation.pk)
        annotation.created_iso, annotation.created_label = _when(
            annotation.created_at, zone
        )
        annotation.edited = (annotation.updated_at - annotation.created_at).seconds > 1
        for reply in annotation.thread:
            reply.edit_url = url_for("articles:reply_edit", reply.pk)
            reply.delete_url = url_for("articles:reply_delete", reply.pk)
            reply.created_iso, reply.created_label = _when(reply.created_at, zone)
    return annotations


def render_items(
    request, annotations, *, show_article: bool = False, reply_form: bool = True
) -> None:
    """Set ``html`` (the item with its thread) on annotations from load_threads."""
    labels = {key: escape(value) for key, value in annotation_labels().items()}
    token = get_token(request) if reply_form else ""
    for annotation in annotations:
        annotation.html = annotation_html(
            annotation,
            user_id=request.user.pk,
            labels=labels,
            csrf_token=token,
            show_article=show_article,
            reply_form=reply_form,
        )


def annotation_labels() -> dict[str, str]:
    """The words of an annotation item, translated once per page, not per item."""
    return {
        "deleted": _("This annotation was deleted; the replies stay readable."),
        "changed": _("The original text was changed"),
        "changed_help": _("The quote above is as it was when the note was written."),
        "private": _("Private"),
        "edited": _("(edited)"),
        "link": _("Link"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "replies": _("Replies"),
        "reply_deleted": _("This reply was deleted."),
        "reply": _("Reply"),
        "write_reply": _("Write a reply…"),
    }


def highlight(
    text: str,
    annotations: list[Annotation],
    refs: dict[int, int] | None = None,
    search_spans: list[tuple[int, int]] = (),
) -> SafeString:
    """The paragraph text, escaped, with <mark> around annotated passages.

    Overlapping annotations split the text into segments; each segment's mark points
    to the innermost annotation (the one that started last) and says how many cover
    it. A sweep over start/end points keeps this linear in the number of annotations.
    With ``refs`` (annotation pk → number), a superscript number follows the end of
    each passage, as footnotes in a printed handout. ``search_spans`` (from a search
    result link) are marked as search hits inside or outside the annotation marks.
    """
    starts: dict[int, list[Annotation]] = defaultdict(list)
    ends: dict[int, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        starts[annotation.start].append(annotation)
        ends[annotation.end].append(annotation)
    hit_points = {point for span in search_spans for point in span}
    points = sorted({0, len(text), *starts, *ends, *hit_points})
    active: dict[int, Annotation] = {}
    parts: list[str] = []
    for here, following in zip(points, points[1:], strict=False):
        for annotation in ends.get(here, ()):
            active.pop(annotation.pk, None)
        for annotation in starts.get(here, ()):
            active[annotation.pk] = annotation
        segment = escape(text[here:following])
        if any(start <= here and following <= end for start, end in search_spans):
            segment = f'<mark class="search-hit">{segment}</mark>'
        if not active:
            parts.append(segment)
            continue
        top = active[next(reversed(active))]
        kind = "private" if top.is_private else "group"
        parts.append(
            f'<mark class="hl hl--{kind} hl--depth{min(len(active), 3)}" '
            f'data-annotation="{top.pk}">{segment}</mark>'
        )
        if refs:
            numbers = sorted(
                refs[a.pk] for a in ends.get(following, ()) if a.pk in refs
            )
            if numbers:
                parts.append(
                    f'<sup class="ref">{",".join(str(n) for n in numbers)}</sup>'
                )
    return mark_safe("".join(parts))  # every piece of text above is escaped


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

    Sets ``highlighted``, ``notes`` (list of annotations, deleted placeholders with
    replies included) and ``note_count`` on each paragraph. A constant number of
    queries: the visible annotations, their themes, their replies, the user's groups
    and the studied mark.
    """
    user = request.user
    visible = (
        Annotation.objects.visible_to(user)
        .of_article(article)
        # Prefetched, not joined: one author and group object each, shared by all
        # their annotations, instead of two more model instances per annotation.
        .prefetch_related("author", "group")
        .with_reply_count()
        .order_by("paragraph_id", "start", "created_at", "pk")
    )
    annotations = load_threads(list(visible), visible)

    themes = {t.pk: t for a in annotations if not a.is_deleted for t in a.themes}
    authors = {a.author_id: a.author for a in annotations if not a.is_deleted}
    chosen = ReaderFilter()
    theme_slug = query_text(request.GET, "theme")
    if theme_slug:
        chosen.theme = next((t for t in themes.values() if t.slug == theme_slug), None)
        if chosen.theme is None:  # unknown, or only on annotations hidden from them
            chosen.theme = Tag(pk=0, slug=theme_slug, name=theme_slug)
    chosen.member_id = query_id(request.GET, "member")

    by_paragraph: dict[int, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        if annotation.is_deleted:
            if annotation.reply_count and not chosen.active:
                by_paragraph[annotation.paragraph_id].append(annotation)
        elif chosen.keeps(annotation):
            by_paragraph[annotation.paragraph_id].append(annotation)

    focus = query_text(request.GET, "focus")
    total = 0
    for paragraph in paragraphs:
        notes = by_paragraph.get(paragraph.pk, [])
        live = [a for a in notes if not a.is_deleted]
        paragraph.notes = notes
        paragraph.note_count = len(live)
        paragraph.notes_open = chosen.active or any(str(a.pk) == focus for a in notes)
        paragraph.highlighted = highlight(
            paragraph.text,
            [a for a in live if not a.detached],
            search_spans=match_spans(paragraph.text, needles),
        )
        total += len(live)

    render_items(request, [a for notes in by_paragraph.values() for a in notes])
    groups = list(StudyGroup.objects.of_member(user))
    progress = ReadingProgress.objects.of_member(user).filter(article=article).first()
    return {
        "annotation_total": total,
        "annotation_filter": chosen,
        "filter_themes": sorted(themes.values(), key=lambda t: t.name),
        "filter_members": sorted(authors.values(), key=lambda m: m.name),
        "my_groups": groups,
        "studied": progress,
    }


def _text(value: str) -> str:
    """Plain text with its line breaks kept, escaped (the linebreaksbr filter)."""
    return escape(value).replace("\n", "<br>")


def _reply_html(reply, *, user_id, labels) -> str:
    if reply.is_deleted:
        return (
            f'<li class="thread__reply thread__reply--deleted" id="{reply.anchor}">'
            f'<p class="muted">{labels["reply_deleted"]}</p></li>'
        )
    actions = ""
    if reply.author_id == user_id:
        actions = (
            f' <a href="{reply.edit_url}">{labels["edit"]}</a>'
            f' <a href="{reply.delete_url}">{labels["delete"]}</a>'
        )
    return (
        f'<li class="thread__reply" id="{reply.anchor}">'
        f'<p class="note__meta"><strong>{escape(reply.author.name)}</strong> '
        f'<time datetime="{reply.created_iso}">{reply.created_label}</time>'
        f"{actions}</p>"
        f'<p class="thread__text">{_text(reply.text)}</p></li>'
    )


def annotation_html(
    annotation,
    *,
    user_id: int,
    labels: dict[str, str],
    csrf_token: str = "",
    show_article: bool = False,
    reply_form: bool = True,
) -> SafeString:
    """The item for an annotation prepared by ``load_threads`` (themes, thread,
    URLs, dates); ``labels`` are ``annotation_labels()``, already escaped."""
    classes = "note"
    if annotation.is_deleted:
        classes += " note--deleted"
    if annotation.detached:
        classes += " note--detached"
    parts = [f'<li class="{classes}" id="{annotation.anchor}">']
    if annotation.is_deleted:
        parts.append(f'<p class="note__deleted">{labels["deleted"]}</p>')
    else:
        if show_article:
            title = escape(annotation.paragraph.article.title)
            parts.append(
                f'<p class="note__article"><a href="{annotation.url}">{title}</a></p>'
            )
        parts.append(
            f'<blockquote class="note__quote">{escape(annotation.quote)}</blockquote>'
        )
        if annotation.detached:
            parts.append(
                f'<p class="note__detached"><span class="badge badge--warn">'
                f"{labels['changed']}</span> {labels['changed_help']}</p>"
            )
        if annotation.group_id:
            group = escape(annotation.group.name)
            audience = f'<span class="badge badge--group">{group}</span>'
        else:
            audience = f'<span class="badge badge--private">{labels["private"]}</span>'
        edited = (
            f' <span class="muted">{labels["edited"]}</span>'
            if annotation.edited
            else ""
        )
        parts.append(
            f'<p class="note__meta"><strong class="note__author">'
            f"{escape(annotation.author.name)}</strong> {audience} "
            f'<time datetime="{annotation.created_iso}">'
            f"{annotation.created_label}</time>{edited} "
            f'<a class="note__link" href="{annotation.url}">{labels["link"]}</a></p>'
            f'<p class="note__text">{_text(annotation.note)}</p>'
        )
        if annotation.themes:
            tags = "".join(
                f'<li><a class="theme-tag" href="{escape(tag.url)}">'
                f"{escape(tag.name)}</a></li>"
                for tag in annotation.themes
            )
            parts.append(f'<ul class="tag-row">{tags}</ul>')
        if annotation.author_id == user_id:
            parts.append(
                f'<p class="note__actions"><a href="{annotation.edit_url}">'
                f'{labels["edit"]}</a> <a href="{annotation.delete_url}">'
                f"{labels['delete']}</a></p>"
            )
    if annotation.thread:
        replies = "".join(
            _reply_html(reply, user_id=user_id, labels=labels)
            for reply in annotation.thread
        )
        parts.append(
            f'<ol class="thread" aria-label="{labels["replies"]}">{replies}</ol>'
        )
    if reply_form and not annotation.is_deleted:
        pk = annotation.pk
        parts.append(
            f'<form method="post" action="{annotation.reply_url}" class="reply-form">'
            '<input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{escape(csrf_token)}">'
            f'<label class="visually-hidden" for="reply-{pk}">{labels["reply"]}</label>'
            f'<textarea id="reply-{pk}" name="text" rows="1" maxlength="2000" required '
            f'placeholder="{labels["write_reply"]}"></textarea>'
            f'<button type="submit" class="button">{labels["reply"]}</button></form>'
        )
    parts.append("</li>")
    return mark_safe("".join(parts))  # user text above is escaped piece by piece
