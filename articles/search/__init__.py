"""Chinese full-text search: the only package that knows jieba and the index.

    results = search(user, "新质生产力", kinds=["paragraph"], page=1)

Pipeline: ``normalize`` (NFKC, lower case, traditional→simplified, one character at a
time) → needles (``query.parse_query``) → the backend of the database matches the
n-gram phrase of every needle (recall = substring search) restricted to what the user
may see (``kinds.visible_to``) and ranks by jieba words → snippets of the original
text with <mark> (``highlight``).

Adding a kind (annotations, replies, discussion notes): register a ``kinds.Kind`` with
its ``sources`` and its ``visible`` rule, and call ``index_objects(kind, [source])`` /
``remove_objects(kind, [pk])`` from the services that write or delete the objects.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils.safestring import SafeString

from .backends import CHECK_LIMIT, HIT_LIMIT, get_backend
from .highlight import contains_all, highlight, snippet
from .index import (
    index_objects,
    last_document_id,
    objects_to_rebuild,
    optimize_index,
    rebuild_index,
    rebuild_kind,
    remove_objects,
    remove_unrewritten,
    stale_count,
)
from .kinds import KINDS, Kind, Source, register, visible_to
from .query import ParsedQuery, parse_query
from .text import normalize
from .tokenizer import get_segmenter, preload

# Registers the study kinds (annotations, replies, speeches) after the article ones.
from . import study_kinds  # noqa: E402, F401  isort: skip

__all__ = [
    "KINDS",
    "Hit",
    "Kind",
    "ParsedQuery",
    "SearchResults",
    "Source",
    "highlight",
    "index_objects",
    "last_document_id",
    "objects_to_rebuild",
    "optimize_index",
    "parse_query",
    "preload",
    "rebuild_index",
    "rebuild_kind",
    "register",
    "remove_objects",
    "remove_unrewritten",
    "search",
    "snippet",
    "stale_count",
]

PAGE_SIZE = 20


@dataclass
class Hit:
    document: object
    kind: Kind
    url: str
    snippet: SafeString


@dataclass
class SearchResults:
    query: ParsedQuery
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    page_size: int = PAGE_SIZE
    # False when there were more than HIT_LIMIT hits: total is then HIT_LIMIT, the
    # page says "more than", and they come newest first.
    by_relevance: bool = True
    limit: int = HIT_LIMIT

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def search(
    user,
    raw_query: str,
    *,
    kinds: list[str] | None = None,
    theme: str | None = None,
    group_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    shared_by: tuple[int, ...] | None = None,
) -> SearchResults:
    """The page of hits ``user`` may open for ``raw_query``, best first.

    Never raises on what a user types; an empty or punctuation-only query gives no
    results. The total counts only what the user may see.

    ``shared_by`` (the user's group ids): of the scoped kinds (annotations,
    replies, speeches), only rows shared with one of these groups, none the user
    finds only as theirs: what everyone with the same groups finds (a result page
    cached for all of them, reading/search_pages.py).
    """
    from ..models import Article, SearchDocument

    query = parse_query(raw_query)
    results = SearchResults(query=query, page=max(1, page), page_size=page_size)
    if not query:
        return results
    filters = visible_to(user, kinds)
    if shared_by is not None:
        scoped = [name for name, kind in KINDS.items() if kind.scoped]
        filters &= ~Q(kind__in=scoped) | Q(group_id__in=list(shared_by))
    if theme:
        filters &= Q(article__in=Article.objects.filter(tags__slug=theme).values("pk"))
    if group_id:
        filters &= Q(group_id=group_id)
    if date_from:
        filters &= Q(date__gte=date_from)
    if date_to:
        filters &= Q(date__lte=date_to)
    segmenter = get_segmenter()
    words = [segmenter.words(needle) for needle in query.needles]
    backend = get_backend()
    offset = (results.page - 1) * page_size
    if query.needs_check:
        # Needles with punctuation inside: the index found their words in sequence;
        # keep the rows whose normalised text holds the needles exactly.
        ranked = backend.ranked(query, words, filters, CHECK_LIMIT, 0)
        texts = SearchDocument.objects.in_bulk(ranked.ids)
        ids = [
            pk
            for pk in ranked.ids
            if pk in texts and contains_all(texts[pk].text, query.needles)
        ]
        results.by_relevance = ranked.by_relevance and len(ids) <= HIT_LIMIT
        results.total = min(len(ids), HIT_LIMIT)
        ids = ids[offset : offset + page_size]
    else:
        ranked = backend.ranked(query, words, filters, page_size, offset)
        results.total, ids = min(ranked.total, HIT_LIMIT), ranked.ids
        results.by_relevance = ranked.by_relevance
    documents = SearchDocument.objects.select_related(
        "article", "owner", "group"
    ).defer("words", "grams")
    found = documents.in_bulk(ids)
    for pk in ids:
        document = found.get(pk)
        if document is None:
            # Replaced between the two queries (a rebuild or a re-index writes
            # new rows): left out of this page rather than failing it.
            continue
        kind = KINDS[document.kind]
        results.hits.append(
            Hit(
                document=document,
                kind=kind,
                url=kind.url(document),
                snippet=snippet(document.text, query.needles),
            )
        )
    return results


def needles_for(raw_query: str) -> tuple[str, ...]:
    """The needles to mark on a page a result links to."""
    return parse_query(raw_query).needles


__all__ += ["needles_for", "normalize"]
