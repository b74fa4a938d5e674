from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.generic import ListView
from taggit.models import Tag

from .. import search
from ..access import get_article_for
from ..models import Article


class ArticleListView(ListView):
    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        articles = (
            Article.objects.visible_to(self.request.user)
            .with_length()
            .prefetch_related("tags")
        )
        self.theme = None
        slug = self.request.GET.get("theme")
        if slug:
            self.theme = get_object_or_404(Tag, slug=slug)
            articles = articles.filter(tags=self.theme)
        return articles

    def get_context_data(self, **kwargs):
        visible = Article.objects.visible_to(self.request.user)
        themes = (
            Tag.objects.filter(article__in=visible)
            .annotate(article_count=Count("article", filter=Q(article__in=visible)))
            .order_by("-article_count", "name")
        )
        return super().get_context_data(theme=self.theme, themes=themes, **kwargs)


@require_GET
def article_detail(request, pk: int):
    article = get_article_for(request.user, pk)
    paragraphs = list(article.paragraphs.all())
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "paragraphs": paragraphs,
            "themes": list(article.tags.all()),
            "char_count": sum(len(p.text) for p in paragraphs),
            "keywords": list(article.keywords.all()),
            # Arriving from a search result: the searched words are marked.
            "needles": search.needles_for(request.GET.get("q", "")),
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
    return render(
        request, "articles/theme_detail.html", {"theme": theme, "articles": articles}
    )
