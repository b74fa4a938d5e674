"""Writing the index: SearchDocument rows from Sources. The FTS5 table (SQLite) and the
tsvector column (PostgreSQL) follow these rows by database triggers."""

from collections.abc import Iterable
from itertools import islice

from django.db import transaction

from .backends import get_backend
from .kinds import KINDS, Source
from .text import ngrams, normalize
from .tokenizer import Segmenter, get_segmenter

BATCH = 1000


def make_document(kind: str, source: Source, segmenter: Segmenter):
    from ..models import SearchDocument

    normalized = normalize(source.text)
    return SearchDocument(
        kind=kind,
        object_id=source.object_id,
        article_id=source.article_id,
        paragraph_id=source.paragraph_id,
        owner_id=source.owner_id,
        group_id=source.group_id,
        date=source.date,
        text=source.text,
        words=" ".join(segmenter.words(normalized)),
        grams=" ".join(ngrams(normalized)),
        version=segmenter.version,
    )


@transaction.atomic
def index_objects(kind: str, sources: Iterable[Source]) -> int:
    """Index (or re-index) these objects of ``kind``; returns the number written."""
    from ..models import SearchDocument

    if kind not in KINDS:
        raise KeyError(f"unknown search kind {kind!r}")
    segmenter = get_segmenter()
    written = 0
    iterator = iter(sources)
    while batch := list(islice(iterator, BATCH)):
        SearchDocument.objects.filter(
            kind=kind, object_id__in=[s.object_id for s in batch]
        ).delete()
        SearchDocument.objects.bulk_create(
            make_document(kind, source, segmenter) for source in batch
        )
        written += len(batch)
    return written


def remove_objects(kind: str, object_ids: Iterable[int]) -> None:
    from ..models import SearchDocument

    SearchDocument.objects.filter(kind=kind, object_id__in=list(object_ids)).delete()


@transaction.atomic
def rebuild_index(kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Drop and re-create the rows of these kinds (all by default) with the current
    dictionary. Returns the number of rows per kind."""
    from ..models import SearchDocument

    names = list(KINDS) if kinds is None else list(kinds)
    counts = {}
    for name in names:
        SearchDocument.objects.filter(kind=name).delete()
        counts[name] = index_objects(name, KINDS[name].sources())
    get_backend().optimize()
    return counts


def stale_count() -> int:
    """Rows segmented with another dictionary than the current one."""
    from ..models import SearchDocument

    return SearchDocument.objects.exclude(version=get_segmenter().version).count()
