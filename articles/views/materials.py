from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from taggit.models import Tag

from studyhub.params import query_text

from .. import search
from ..access import get_article_for
from ..models import Annotation, Article
from ..reading import listing
from ..reading.annotations import load_threads, reader_annotations, render_items
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
    text = article_text(article)
    paragraphs = text["paragraphs"]
    discussed = paragraph_discussions(request.user, article)
    for paragraph in paragraphs:
        paragraph.discussed_in = discussed.get(paragraph.pk, [])
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "paragraphs": paragraphs,
            "themes": text["themes"],
            "char_count": text["char_count"],
            "keywords": text["keywords"],
            # Arriving from a search result, the searched words are marked too.
            **reader_annotations(
                request,
                article,
                paragraphs,
                needles=search.needles_for(request.GET.get("q", "")),
            ),
        },
    )


@require_GET
def theme_detail(request, slug: str):
    theme = get_object_or_404(Tag, slug=slug)
    articles = (
        Article.objects.visible_to(request.user)
        .filter(tags=theme)
        .with_length()
        .prefetch_related("tags")
    )
    annotations = (
        Annotation.objects.visible_to(request.user)
        .live()
        .filter(tags=theme)
        .select_related("author", "group", "paragraph__article")
        .with_reply_count()
        .order_by("-created_at", "-pk")
    )
    annotation_count = annotations.count()
    if not annotation_count and not articles.exists():
        # A theme only hidden annotations carry must not even be hinted at.
        raise Http404
    annotations = load_threads(list(annotations[:THEME_PAGE_ANNOTATIONS]))
    render_items(request, annotations, show_article=True, reply_form=False)
    return render(
        request,
        "articles/theme_detail.html",
        {
            "theme": theme,
            "articles": articles,
            "annotations": annotations,
            "annotation_count": annotation_count,
        },
    )
