"""Annotating in the reader, reply threads, a member's own annotations, and the
studied mark. Every read starts from ``Annotation.objects.visible_to``."""

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from taggit.models import Tag, TaggedItem

from accounts.models import StudyGroup
from studyhub.params import parse_id, query_id, query_text

from ..access import get_annotation_for, get_article_for, get_reply_for
from ..forms.annotations import AnnotationForm, ReplyForm, SelectionForm
from ..models import Annotation, Article, Paragraph
from ..reading import cache as read_models
from ..reading.annotations import load_threads, render_items
from ..reading.fragments import render_fragment
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


def _reader_url(annotation: Annotation, fragment: str = "") -> str:
    article_url = reverse("articles:detail", args=[annotation.paragraph.article_id])
    return f"{article_url}?focus={annotation.pk}#{fragment or annotation.anchor}"


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
    """The member's own annotations, newest first, filtered by article/theme/group.

    The page is the member's own read model: rendered once per filter and page
    and kept until one of their annotations or its thread changes (``member``),
    an article (titles, status: ``LIBRARY``), a name (``PEOPLE``) or one of their
    groups (``group``, the filter's choices); their groups are read here, so a
    membership change shows at once."""
    user = request.user
    groups = list(StudyGroup.objects.of_member(user))
    group_ids = sorted(g.pk for g in groups)
    query = request.GET.copy()
    query.pop("page", None)
    filter_query = query.urlencode()
    page_number = query_id(request.GET, "page")

    def context() -> dict:
        return _my_annotations_context(request, groups, filter_query, page_number)

    html = render_fragment(
        request,
        "my-annotations",
        [
            read_models.member(user.pk),
            read_models.LIBRARY,
            read_models.PEOPLE,
            *(read_models.group(g) for g in group_ids),
        ],
        "articles/_my_annotations.html",
        context,
        user.pk,
        bool(user.is_staff),
        "-".join(map(str, group_ids)),
        page_number,
        # Any text of the query is shown (the links keep it): all of it is part of
        # the key, as a digest that keeps the key short and plain.
        hashlib.sha256(filter_query.encode()).hexdigest()[:32],
    )
    return render(request, "articles/my_annotations.html", {"page_html": html})


def _my_annotations_context(request, groups, filter_query: str, page_number) -> dict:
    mine = (
        Annotation.objects.visible_to(request.user)
        .live()
        .filter(author=request.user)
        .select_related("paragraph__article", "group", "author")
        # No reply count here: the page lists live annotations only and shows each
        # thread's length (load_threads); counting replies with a JOIN and GROUP BY
        # made the database group all of the member's annotations before the LIMIT,
        # and the paginator's COUNT group them again.
        .order_by("-created_at", "-pk")
    )
    options_source = mine
    article_id = query_id(request.GET, "article")
    theme_slug = query_text(request.GET, "theme")
    group = query_text(request.GET, "group")
    if article_id is not None:
        mine = mine.filter(paragraph__article_id=article_id)
    if theme_slug:
        mine = mine.filter(tags__slug=theme_slug)
    if group == "private":
        mine = mine.filter(group__isnull=True)
    elif (group_id := parse_id(group)) is not None:
        mine = mine.filter(group_id=group_id)
    page = Paginator(mine, 20).get_page(page_number)
    annotations = load_threads(list(page.object_list))
    render_items(request, annotations, show_article=True, reply_form=False)
    return {
        "annotations": annotations,
        "page_obj": page,
        "filter_query": filter_query,
        # One pass over the member's annotations, not a lookup per article.
        "articles": Article.objects.filter(
            pk__in=options_source.values("paragraph__article_id")
        ).order_by("title"),
        "themes": Tag.objects.filter(
            pk__in=TaggedItem.objects.filter(
                content_type__app_label="articles",
                content_type__model="annotation",
                object_id__in=options_source.values("pk"),
            ).values("tag_id")
        ).order_by("name"),
        "groups": groups,
        "chosen": {"article": article_id, "theme": theme_slug, "group": group},
    }


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
