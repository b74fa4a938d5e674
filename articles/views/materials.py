from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from taggit.models import Tag

from accounts.models import Membership
from studyhub.params import query_id, query_text

from .. import search
from ..access import get_article_for
from ..models import Annotation, Article
from ..reading import cache as read_models
from ..reading import listing
from ..reading.annotations import load_threads, reader_annotations, render_items
from ..reading.body import SLOT as BODY_SLOT
from ..reading.body import reader_body
from ..reading.fragments import render_fragment
from ..reading.text import article_text
from ..records.reads import paragraph_discussions

# The newest annotations a theme page shows; the count says how many there are.
THEME_PAGE_ANNOTATIONS = 50


class ArticleListView(TemplateView):
    """The library, a page at a time (``?page=``, ``?theme=``): cached per
    visibility set, page and theme, with the member's own bits put in
    (``reading.listing``)."""

    template_name = "articles/article_list.html"
    paginate_by = 20

    def get_context_data(self, **kwargs):
        slug = query_text(self.request.GET, "theme")
        theme = get_object_or_404(Tag, slug=slug) if slug else None
        page = listing.page_number(self.request.GET.get("page") or 1)
        content = listing.article_list(self.request, theme, page, self.paginate_by)
        return super().get_context_data(theme=theme, content=content, **kwargs)


@require_GET
def article_detail(request, pk: int):
    article = get_article_for(request.user, pk, request)
    needles = search.needles_for(request.GET.get("q", ""))
    if needles or _filtered(request):
        return render(
            request,
            "articles/article_detail.html",
            _reader_per_paragraph(request, article, needles),
        )
    # The common view: the whole body from the cache (reading/body.py), put in
    # the page as it is stored, in UTF-8.
    context, body = reader_body(request, article)
    page = render_to_string(
        "articles/article_detail.html", {"article": article, **context}, request
    )
    before, after = page.split(BODY_SLOT)
    return HttpResponse(b"".join([before.encode(), body, after.encode()]))


def _filtered(request) -> bool:
    """The reader's filter asked for (a theme or a member), as reader_annotations
    reads it."""
    return bool(query_text(request.GET, "theme")) or (
        query_id(request.GET, "member") is not None
    )


def _reader_per_paragraph(request, article, needles) -> dict:
    """The filtered or searched reader, rendered paragraph by paragraph."""
    text = article_text(article)
    paragraphs = text["paragraphs"]
    discussed = paragraph_discussions(request.user, article)
    for paragraph in paragraphs:
        paragraph.discussed_in = discussed.get(paragraph.pk, [])
    return {
        "article": article,
        "paragraphs": paragraphs,
        "themes": text["themes"],
        "char_count": text["char_count"],
        "keywords": text["keywords"],
        # Arriving from a search result, the searched words are marked too.
        **reader_annotations(request, article, paragraphs, needles=needles),
    }


def _own_theme_notes(user, theme, group_ids: list[int]) -> bool:
    """Whether the member has live notes with ``theme`` outside their groups (the
    part of what they see on the theme page that nobody else does). Kept under
    their own scope and the library's (theme merges and renames bump it)."""

    def build() -> bool:
        return (
            Annotation.objects.visible_to(user)
            .live()
            .filter(author=user, tags=theme)
            .exclude(group_id__in=group_ids)
            .exists()
        )

    return read_models.cached(
        "theme-own",
        [read_models.member(user.pk), read_models.LIBRARY],
        build,
        theme.pk,
        user.pk,
        bool(user.is_staff),
        "-".join(map(str, group_ids)),
    )


@require_GET
def theme_detail(request, slug: str):
    """The articles and the newest annotations carrying a theme, as the member
    may see them, kept until an article (titles, themes, status: ``LIBRARY``),
    an annotation carrying the theme (``theme``) or a name (``PEOPLE``,
    ``group``) changes. Rendered once per set of groups (and staff or not), the
    owners' edit links cut per request; once per member when they have notes of
    their own with the theme outside their groups (private ones, or shared with
    a group they left), which only they may see (then ``member`` is in the key).
    Their groups are read here."""
    theme = get_object_or_404(Tag, slug=slug)
    user = request.user
    group_ids = sorted(
        Membership.objects.filter(member=user).values_list("group_id", flat=True)
    )
    own = _own_theme_notes(user, theme, group_ids)

    def context() -> dict:
        articles = list(
            Article.objects.visible_to(user)
            .filter(tags=theme)
            .with_length()
            .prefetch_related("tags")
        )
        annotations = (
            Annotation.objects.visible_to(user)
            .live()
            .filter(tags=theme)
            .select_related("author", "group", "paragraph__article")
            .with_reply_count()
            .order_by("-created_at", "-pk")
        )
        # Counted only when there are more than are shown.
        shown = list(annotations[: THEME_PAGE_ANNOTATIONS + 1])
        annotation_count = (
            annotations.count() if len(shown) > THEME_PAGE_ANNOTATIONS else len(shown)
        )
        if not shown and not articles:
            # A theme only hidden annotations carry must not even be hinted at.
            return {"hidden": True}
        annotations = load_threads(shown[:THEME_PAGE_ANNOTATIONS])
        render_items(
            request,
            annotations,
            show_article=True,
            reply_form=False,
            for_fragment=True,
        )
        return {
            "theme": theme,
            "articles": articles,
            "annotations": annotations,
            "annotation_count": annotation_count,
        }

    scopes = [
        read_models.LIBRARY,
        read_models.PEOPLE,
        *(read_models.group(g) for g in group_ids),
        # Every write of an annotation bumps the themes it carries and carried.
        read_models.theme(theme.pk),
    ]
    if own:
        scopes.append(read_models.member(user.pk))
    html = render_fragment(
        request,
        "theme",
        scopes,
        "articles/_theme_detail.html",
        context,
        theme.pk,
        user.pk if own else "shared",
        bool(user.is_staff),
        "-".join(map(str, group_ids)),
    )
    if not html:
        raise Http404
    return render(
        request, "articles/theme_detail.html", {"theme": theme, "page_html": html}
    )
