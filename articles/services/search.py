"""Writes that keep the search index, keywords and dictionary in step with the content.

The services that write articles and paragraphs call ``index_article``; nothing
relies on signals (bulk writes send none).
"""

from django.db import transaction

from .. import search
from ..models import Article, ArticleKeyword, DictionaryTerm
from ..search import keywords as keyword_extraction
from ..search.kinds import PARAGRAPH, TITLE, paragraph_sources, title_source


@transaction.atomic
def index_article(article: Article) -> None:
    """Re-index the title and every paragraph of ``article`` and refresh its keywords.

    Call after any write to the article's title or paragraphs (import, editing).
    Deleted paragraphs leave the index with them (foreign key cascade).
    """
    search.index_objects(TITLE.name, [title_source(article)])
    search.index_objects(PARAGRAPH.name, paragraph_sources(article.paragraphs.all()))
    refresh_keywords(article)


@transaction.atomic
def refresh_keywords(article: Article) -> list[ArticleKeyword]:
    text = "\n".join(
        [article.title, *article.paragraphs.values_list("text", flat=True)]
    )
    ranked = keyword_extraction.extract_keywords(text)
    ArticleKeyword.objects.filter(article=article).delete()
    return ArticleKeyword.objects.bulk_create(
        ArticleKeyword(article=article, word=word, weight=weight)
        for word, weight in ranked
    )


@transaction.atomic
def rebuild_search_index() -> dict[str, int]:
    """Re-segment everything with the current dictionary and refresh all keywords.

    What an editor runs after changing dictionary terms (admin action or
    ``manage.py rebuild_search_index``): a word known at query time but not at index
    time would rank differently.
    """
    counts = search.rebuild_index()
    for article in Article.objects.all():
        refresh_keywords(article)
    return counts


@transaction.atomic
def add_dictionary_terms(terms: list[str], note: str = "") -> list[DictionaryTerm]:
    """Add terms editors typed (one per line); existing ones are left as they are.
    The dictionary version changes, so the index reports itself stale until rebuilt."""
    created = []
    for term in dict.fromkeys(t.strip() for t in terms):
        if term and not DictionaryTerm.objects.filter(term=term).exists():
            created.append(DictionaryTerm.objects.create(term=term, note=note))
    return created
