"""Writes that keep the search index, keywords and dictionary in step with the content.

The services that write articles and paragraphs call ``index_article``; nothing
relies on signals (bulk writes send none).
"""

from collections.abc import Callable

from django.db import transaction

from .. import search
from ..models import Article, ArticleKeyword, DictionaryTerm
from ..reading import cache as read_models
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
    # The one call after every write of an article (admin, import, paragraphs):
    # its text, themes, status and keywords as the reader shows them follow.
    read_models.bump_articles([article.pk])


@transaction.atomic
def refresh_keywords(article: Article) -> list[ArticleKeyword]:
    return _store_keywords(article, _rank_keywords(article))


def _rank_keywords(article: Article) -> list[tuple[str, float]]:
    text = "\n".join(
        [article.title, *article.paragraphs.values_list("text", flat=True)]
    )
    return keyword_extraction.extract_keywords(text)


def _store_keywords(article: Article, ranked) -> list[ArticleKeyword]:
    read_models.bump_articles([article.pk])  # the reader shows the keywords
    ArticleKeyword.objects.filter(article=article).delete()
    return ArticleKeyword.objects.bulk_create(
        ArticleKeyword(article=article, word=word, weight=weight)
        for word, weight in ranked
    )


# Articles whose keywords are refreshed per transaction by a rebuild.
KEYWORD_BATCH = 20
Progress = Callable[[dict], None]


def rebuild_work() -> int:
    """The units of work of a rebuild (its progress total): every object of every
    searchable kind, then every article's keywords."""
    return sum(search.objects_to_rebuild(n) for n in search.KINDS) + (
        Article.objects.count()
    )


def rebuild_search_index(
    position: dict | None = None, on_progress: Progress | None = None
) -> dict[str, int]:
    """Re-segment everything with the current dictionary and refresh all keywords.

    What an editor runs after changing dictionary terms (admin action or
    ``manage.py rebuild_search_index``; both run it as a background job): a word
    known at query time but not at index time would rank differently.

    Not one transaction: a batch of a few hundred texts per short transaction
    (``search.rebuild_kind``), so members' writes wait milliseconds meanwhile and
    search keeps answering from the old rows until each is replaced. ``position`` is
    where an interrupted run stopped: what ``on_progress`` last received, which it
    receives inside each batch's transaction (save it there and it commits with the
    rows). Returns the rows written per kind, the resumed run's included.
    """
    position = {
        "floor": search.last_document_id(),
        "after": {},
        "counts": {},
        "finished": [],
        "keywords_after": 0,
        "done": 0,
        **(position or {}),
    }

    def report() -> None:
        if on_progress:
            on_progress(position)

    for name in search.KINDS:
        if name in position["finished"]:
            continue

        def batch(last: int, walked: int, written: int, name=name) -> None:
            position["after"][name] = last
            position["counts"][name] = position["counts"].get(name, 0) + written
            position["done"] += walked
            report()

        position["counts"].setdefault(name, 0)
        search.rebuild_kind(name, after=position["after"].get(name, 0), on_batch=batch)
        # Rows of objects deleted before the rebuild reached them.
        search.remove_unrewritten(name, position["floor"])
        position["finished"].append(name)
    refresh_all_keywords(position, on_progress)
    search.optimize_index()
    return position["counts"]


def refresh_all_keywords(
    position: dict | None = None, on_progress: Progress | None = None
) -> dict:
    """Every article's keywords, KEYWORD_BATCH articles per short transaction
    (ranking runs before it). Resumes after ``position["keywords_after"]``;
    ``on_progress(position)`` as for ``rebuild_search_index``."""
    position = {"keywords_after": 0, "done": 0, **(position or {})}
    while articles := list(
        Article.objects.filter(pk__gt=position["keywords_after"]).order_by("pk")[
            :KEYWORD_BATCH
        ]
    ):
        ranked = [(article, _rank_keywords(article)) for article in articles]
        with transaction.atomic():
            for article, words in ranked:
                _store_keywords(article, words)
            position["keywords_after"] = articles[-1].pk
            position["done"] += len(articles)
            if on_progress:
                on_progress(position)
    return position


@transaction.atomic
def add_dictionary_terms(terms: list[str], note: str = "") -> list[DictionaryTerm]:
    """Add terms editors typed (one per line); existing ones are left as they are.
    The dictionary version changes, so the index reports itself stale until rebuilt."""
    created = []
    for term in dict.fromkeys(t.strip() for t in terms):
        if term and not DictionaryTerm.objects.filter(term=term).exists():
            created.append(DictionaryTerm.objects.create(term=term, note=note))
    if created:
        # Queries are segmented with the new terms at once (ranking follows).
        read_models.bump(read_models.SEARCH)
    return created
