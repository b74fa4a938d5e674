"""Annotating in the reader, reply threads, a member's own annotations, and the
studied mark. Every read starts from ``Annotation.objects.visible_to``."""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from taggit.models import Tag, TaggedItem

from accounts.models import StudyGroup

from ..access import get_annotation_for, get_article_for, get_reply_for
from ..forms import AnnotationForm, ReplyForm, SelectionForm
from ..models import Annotation, Article, Paragraph, ReadingProgress, Reply
from ..services import (
    annotate_paragraph,
    delete_annotation,
    delete_reply,
    edit_annotation,
    edit_reply,
    mark_article_studied,
    reply_to_annotation,
    unmark_article_studied,
)
from .annotation_html import annotation_html

# --- Reading helpers (one query each, whatever the number of annotations) ----------


def tags_by_annotation(annotations) -> dict[int, list[Tag]]:
    """Themes of the given annotations (a QuerySet or a list), in one query."""
    if isinstance(annotations, list):
        ids = [a.pk for a in annotations]
    else:
        ids = annotations.values("pk")
    items = (
        TaggedItem.objects.filter(
            content_type__app_label="articles",
            content_type__model="annotation",
            object_id__in=ids,
        )
        .select_related("tag")
        .order_by("tag__name")
    )
    found: dict[int, list[Tag]] = defaultdict(list)
    for item in items:
        found[item.object_id].append(item.tag)
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


def _url_maker(name: str):
    """reverse() once per URL name, then fill in each primary key by string: a
    reader with 1,000 annotations would otherwise spend a third of its time here."""
    sentinel = "987654321"
    sample = reverse(name, args=[int(sentinel)])
    return lambda pk: sample.replace(sentinel, str(pk))


def _when(moment) -> tuple[str, str]:
    local = timezone.localtime(moment)
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
    urls = {
        name: _url_maker(f"articles:{name}")
        for name in [
            "annotation",
            "annotation_edit",
            "annotation_delete",
            "reply_create",
            "reply_edit",
            "reply_delete",
        ]
    }
    theme_urls: dict[str, str] = {}
    for annotation in annotations:
        annotation.themes = tags.get(annotation.pk, [])
        for theme in annotation.themes:
            if theme.slug not in theme_urls:
                theme_urls[theme.slug] = reverse("articles:theme", args=[theme.slug])
            theme.url = theme_urls[theme.slug]
        annotation.thread = replies.get(annotation.pk, [])
        annotation.url = urls["annotation"](annotation.pk)
        annotation.edit_url = urls["annotation_edit"](annotation.pk)
        annotation.delete_url = urls["annotation_delete"](annotation.pk)
        annotation.reply_url = urls["reply_create"](annotation.pk)
        annotation.created_iso, annotation.created_label = _when(annotation.created_at)
        annotation.edited = (annotation.updated_at - annotation.created_at).seconds > 1
        for reply in annotation.thread:
            reply.edit_url = urls["reply_edit"](reply.pk)
            reply.delete_url = urls["reply_delete"](reply.pk)
            reply.created_iso, reply.created_label = _when(reply.created_at)
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
    text: str, annotations: list[Annotation], refs: dict[int, int] | None = None
) -> SafeString:
    """The paragraph text, escaped, with <mark> around annotated passages.

    Overlapping annotations split the text into segments; each segment's mark points
    to the innermost annotation (the one that started last) and says how many cover
    it. A sweep over start/end points keeps this linear in the number of annotations.
    With ``refs`` (annotation pk → number), a superscript number follows the end of
    each passage, as footnotes in a printed handout.
    """
    starts: dict[int, list[Annotation]] = defaultdict(list)
    ends: dict[int, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        starts[annotation.start].append(annotation)
        ends[annotation.end].append(annotation)
    points = sorted({0, len(text), *starts, *ends})
    active: dict[int, Annotation] = {}
    parts: list[str] = []
    for here, following in zip(points, points[1:], strict=False):
        for annotation in ends.get(here, ()):
            active.pop(annotation.pk, None)
        for annotation in starts.get(here, ()):
            active[annotation.pk] = annotation
        segment = escape(text[here:following])
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


def reader_annotations(request, article: Article, paragraphs: list[Paragraph]) -> dict:
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
        .select_related("author", "group")
        .with_reply_count()
        .order_by("paragraph_id", "start", "created_at", "pk")
    )
    annotations = load_threads(list(visible), visible)

    themes = {t.pk: t for a in annotations if not a.is_deleted for t in a.themes}
    authors = {a.author_id: a.author for a in annotations if not a.is_deleted}
    chosen = ReaderFilter()
    theme_slug = request.GET.get("theme")
    if theme_slug:
        chosen.theme = next((t for t in themes.values() if t.slug == theme_slug), None)
        if chosen.theme is None:  # unknown, or only on annotations hidden from them
            chosen.theme = Tag(pk=0, slug=theme_slug, name=theme_slug)
    member = request.GET.get("member")
    if member and member.isdigit():
        chosen.member_id = int(member)

    by_paragraph: dict[int, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        if annotation.is_deleted:
            if annotation.reply_count and not chosen.active:
                by_paragraph[annotation.paragraph_id].append(annotation)
        elif chosen.keeps(annotation):
            by_paragraph[annotation.paragraph_id].append(annotation)

    focus = request.GET.get("focus", "")
    total = 0
    for paragraph in paragraphs:
        notes = by_paragraph.get(paragraph.pk, [])
        live = [a for a in notes if not a.is_deleted]
        paragraph.notes = notes
        paragraph.note_count = len(live)
        paragraph.notes_open = chosen.active or any(str(a.pk) == focus for a in notes)
        paragraph.highlighted = highlight(
            paragraph.text, [a for a in live if not a.detached]
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


def _reader_url(annotation: Annotation, fragment: str = "") -> str:
    article_url = reverse("articles:detail", args=[annotation.paragraph.article_id])
    return f"{article_url}?focus={annotation.pk}#{fragment or annotation.anchor}"


def _validation_messages(error: ValidationError) -> list[str]:
    return list(error.messages)


# --- Annotations -------------------------------------------------------------------


@require_POST
def annotation_create(request, pk: int):
    """Annotate a passage of paragraph ``pk`` (or, without JavaScript, all of it)."""
    paragraph = get_object_or_404(
        Paragraph.objects.select_related("article").filter(
            article__in=Article.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    form = SelectionForm(request.POST, paragraph=paragraph, author=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            annotation = annotate_paragraph(
                author=request.user,
                paragraph=paragraph,
                start=data["start"],
                end=data["end"],
                quote=data["quote"],
                note=data["note"],
                themes=data["themes"],
                group=data["visibility"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your annotation was saved."))
            return redirect(_reader_url(annotation))
    return render(
        request,
        "articles/annotation_form.html",
        {"form": form, "paragraph": paragraph, "article": paragraph.article},
        status=400,
    )


@require_GET
def annotation_detail(request, pk: int):
    """A link to one annotation: the reader, opened at it."""
    annotation = get_annotation_for(request.user, pk)
    return redirect(_reader_url(annotation))


@require_http_methods(["GET", "POST"])
def annotation_edit(request, pk: int):
    annotation = get_annotation_for(request.user, pk, write=True)
    if annotation.is_deleted:
        return redirect(_reader_url(annotation))
    initial = {
        "note": annotation.note,
        "themes": "，".join(t.name for t in annotation.tags.all()),
        "visibility": str(annotation.group_id or ""),
    }
    form = AnnotationForm(request.POST or None, initial=initial, author=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            edit_annotation(
                annotation,
                editor=request.user,
                note=form.cleaned_data["note"],
                themes=form.cleaned_data["themes"],
                group=form.cleaned_data["visibility"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your annotation was updated."))
            return redirect(_reader_url(annotation))
    return render(
        request,
        "articles/annotation_edit.html",
        {"form": form, "annotation": annotation},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def annotation_delete(request, pk: int):
    annotation = get_annotation_for(request.user, pk, write=True)
    if request.method == "POST":
        article_url = annotation.paragraph.article.get_absolute_url()
        paragraph_anchor = annotation.paragraph.anchor
        delete_annotation(annotation, by=request.user)
        messages.success(request, _("Your annotation was deleted."))
        return redirect(f"{article_url}#{paragraph_anchor}")
    return render(
        request,
        "articles/confirm_delete.html",
        {
            "object_kind": _("annotation"),
            "text": annotation.note,
            "quote": annotation.quote,
            "has_replies": annotation.replies.exists(),
            "cancel_url": _reader_url(annotation),
        },
    )


# --- Replies -----------------------------------------------------------------------


@require_POST
def reply_create(request, pk: int):
    annotation = get_annotation_for(request.user, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            reply = reply_to_annotation(
                annotation, author=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your reply was posted."))
            return redirect(_reader_url(annotation, reply.anchor))
    return render(
        request,
        "articles/reply_form.html",
        {"form": form, "annotation": annotation},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def reply_edit(request, pk: int):
    reply = get_reply_for(request.user, pk, write=True)
    annotation = reply.annotation
    if reply.is_deleted:
        return redirect(_reader_url(annotation))
    form = ReplyForm(request.POST or None, initial={"text": reply.text})
    if request.method == "POST" and form.is_valid():
        try:
            edit_reply(reply, editor=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your reply was updated."))
            return redirect(_reader_url(annotation, reply.anchor))
    return render(
        request,
        "articles/reply_form.html",
        {"form": form, "annotation": annotation, "reply": reply},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def reply_delete(request, pk: int):
    reply = get_reply_for(request.user, pk, write=True)
    annotation = reply.annotation
    if request.method == "POST":
        delete_reply(reply, by=request.user)
        messages.success(request, _("Your reply was deleted."))
        return redirect(_reader_url(annotation))
    return render(
        request,
        "articles/confirm_delete.html",
        {
            "object_kind": _("reply"),
            "text": reply.text,
            "cancel_url": _reader_url(annotation, reply.anchor),
        },
    )


# --- A member's own annotations ------------------------------------------------------


@require_GET
def my_annotations(request):
    """The member's own annotations, newest first, filtered by article/theme/group."""
    mine = (
        Annotation.objects.visible_to(request.user)
        .live()
        .filter(author=request.user)
        .select_related("paragraph__article", "group", "author")
        .with_reply_count()
        .order_by("-created_at", "-pk")
    )
    options_source = mine
    article_id = request.GET.get("article", "")
    theme_slug = request.GET.get("theme", "")
    group = request.GET.get("group", "")
    if article_id.isdigit():
        mine = mine.filter(paragraph__article_id=int(article_id))
    if theme_slug:
        mine = mine.filter(tags__slug=theme_slug)
    if group == "private":
        mine = mine.filter(group__isnull=True)
    elif group.isdigit():
        mine = mine.filter(group_id=int(group))
    page = Paginator(mine, 20).get_page(request.GET.get("page"))
    annotations = load_threads(list(page.object_list))
    render_items(request, annotations, show_article=True, reply_form=False)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "articles/my_annotations.html",
        {
            "annotations": annotations,
            "page_obj": page,
            "filter_query": query.urlencode(),
            "articles": Article.objects.filter(
                Exists(options_source.filter(paragraph__article=OuterRef("pk")))
            ).order_by("title"),
            "themes": Tag.objects.filter(
                pk__in=TaggedItem.objects.filter(
                    content_type__app_label="articles",
                    content_type__model="annotation",
                    object_id__in=options_source.values("pk"),
                ).values("tag_id")
            ).order_by("name"),
            "groups": StudyGroup.objects.of_member(request.user),
            "chosen": {"article": article_id, "theme": theme_slug, "group": group},
        },
    )


# --- Reading progress --------------------------------------------------------------


@require_POST
def article_studied(request, pk: int):
    """Mark an article as studied (学习完成), or take the mark back."""
    article = get_article_for(request.user, pk)
    if request.POST.get("undo"):
        unmark_article_studied(request.user, article)
        messages.success(request, _("The studied mark was removed."))
    else:
        mark_article_studied(request.user, article)
        messages.success(request, _("Marked as studied."))
    return redirect(article.get_absolute_url())
