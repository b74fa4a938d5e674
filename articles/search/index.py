"""Writing the index: SearchDocument rows from Sources. The FTS5 table (SQLite) and the
tsvector column (PostgreSQL) follow these rows by database triggers."""

from collections.abc import Callable, Iterable
from itertools import islice

from django.apps import apps
from django.db import transaction
from django.db.models import Max

from .backends import get_backend
from .kinds import KINDS, Source
from .text import ngrams, normalize
from .tokenizer import Segmenter, get_segmenter

BATCH = 1000
# Objects re-indexed per transaction by a rebuild: the write lock is held for the
# delete and insert of this many rows only (jieba runs before, outside it), a few
# tens of milliseconds, so members' writes wait no longer than that.
REBUILD_BATCH = 200


def _changed() -> None:
    """Rows of the index were written or removed: result pages cached under the
    index's version (articles/reading/cache.py SEARCH) are found again."""
    from ..reading import cache as read_models

    read_models.bump(read_models.SEARCH)


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
    iterator = iter(sources)
    batch = list(islice(iterator, BATCH))
    if not batch:
        return 0  # nothing to write (a new note's replies): no query, no bump
    segmenter = get_segmenter()
    written = 0
    while batch:
        SearchDocument.objects.filter(
            kind=kind, object_id__in=[s.object_id for s in batch]
        ).delete()
        SearchDocument.objects.bulk_create(
            make_document(kind, source, segmenter) for source in batch
        )
        written += len(batch)
        batch = list(islice(iterator, BATCH))
    _changed()
    return written


def remove_objects(kind: str, object_ids: Iterable[int]) -> None:
    from ..models import SearchDocument

    SearchDocument.objects.filter(kind=kind, object_id__in=list(object_ids)).delete()
    _changed()


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


def rebuild_kind(
    name: str,
    *,
    after: int = 0,
    size: int | None = None,
    on_batch: Callable[[int, int, int], None] | None = None,
) -> int:
    """Re-index the objects of kind ``name`` whose primary key is above ``after``, in
    key order, ``size`` per short transaction; returns the number of rows written.

    ``on_batch(last_pk, walked, written)`` runs inside each batch's transaction, so
    a position saved there commits with the rows: an interrupted rebuild resumes
    after the last committed batch and loses nothing. Old rows stay searchable
    until replaced.
    Kinds without a ``model`` are re-indexed in one transaction (no resume).
    """
    kind = KINDS[name]
    size = size or REBUILD_BATCH
    segmenter = get_segmenter()
    if not kind.model:
        with transaction.atomic():
            written = index_objects(name, kind.sources())
            if on_batch:
                on_batch(0, written, written)
        return written
    objects = apps.get_model(kind.model)._default_manager
    written = 0
    while ids := list(
        objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size]
    ):
        # Segmenting is the slow part: done before the write lock is taken.
        read = {s.object_id: s for s in kind.sources(objects.filter(pk__in=ids))}
        documents = {pk: make_document(name, s, segmenter) for pk, s in read.items()}
        with transaction.atomic():
            # Read again inside the transaction (a fast read): an object edited in
            # between was re-indexed by its own service and must not get its old
            # text back from us.
            fresh = []
            for source in kind.sources(objects.filter(pk__in=ids)):
                if read.get(source.object_id) == source:
                    fresh.append(documents[source.object_id])
                else:
                    fresh.append(make_document(name, source, segmenter))
            _replace(name, ids, fresh)
            written += len(fresh)
            after = ids[-1]
            if on_batch:
                on_batch(after, len(ids), len(fresh))
    return written


def _replace(name: str, object_ids: list[int], documents: list) -> None:
    from ..models import SearchDocument

    # Every id of the batch: objects a kind no longer indexes (a deleted annotation)
    # leave the index too.
    SearchDocument.objects.filter(kind=name, object_id__in=object_ids).delete()
    SearchDocument.objects.bulk_create(documents)
    _changed()


def last_document_id() -> int:
    """Rows at or below this id were written before now: what a rebuild started now
    has not rewritten (every write makes a new row with a higher id)."""
    from ..models import SearchDocument

    return SearchDocument.objects.aggregate(last=Max("pk"))["last"] or 0


def remove_unrewritten(name: str, floor: int, size: int = REBUILD_BATCH) -> int:
    """After a rebuild of ``name`` that started when the last row id was ``floor``:
    delete the rows it did not rewrite (objects gone since), in short transactions."""
    from ..models import SearchDocument

    removed = 0
    while ids := list(
        SearchDocument.objects.filter(kind=name, pk__lte=floor)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    ):
        with transaction.atomic():
            removed += SearchDocument.objects.filter(pk__in=ids).delete()[0]
            _changed()
    return removed


def objects_to_rebuild(name: str) -> int:
    """How many objects a rebuild of ``name`` walks (its progress total)."""
    kind = KINDS[name]
    if not kind.model:
        return sum(1 for _ in kind.sources())
    return apps.get_model(kind.model)._default_manager.count()


def optimize_index() -> None:
    """After a rebuild, in steps short enough not to keep other writers waiting."""
    get_backend().optimize_in_steps()
