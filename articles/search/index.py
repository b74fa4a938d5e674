"""Writing the index: SearchDocument rows from Sources. The FTS5 table (SQLite) and the
tsvector column (PostgreSQL) follow these rows by database triggers."""

from collections.abc import Callable, Iterable
from itertools import islice

from django.apps import apps
from django.db import connection, transaction
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
    """Rows of the index were written or removed by a rebuild (or whoever may find
    them is not known): every cached result page is found again
    (articles/reading/cache.py SEARCH)."""
    from ..reading import cache as read_models

    read_models.bump(read_models.SEARCH)


class _Audience:
    """Whose cached result pages the rows written and removed change: the groups
    and members of scoped kinds' rows (cache.search_group, search_person), or
    everyone's (SEARCH) for the article kinds and what cannot be attributed."""

    def __init__(self, kind: str):
        self.scoped = KINDS[kind].scoped
        self.everyone = not self.scoped
        self.groups: set[int] = set()
        self.people: set[int] = set()

    def add(self, group_id, *people) -> None:
        if self.scoped:
            self.groups.add(group_id)
            self.people.update(people)

    def bump(self) -> None:
        from ..reading import cache as read_models

        if self.everyone:
            _changed()
        else:
            read_models.bump_search(self.groups, self.people)


def _delete(kind: str, object_ids: list[int]) -> list[tuple]:
    """Delete the rows of these objects; their (owner_id, group_id), in the same
    query where the database returns them (SQLite 3.35+, PostgreSQL)."""
    from ..models import SearchDocument

    if not object_ids:
        return []
    rows = SearchDocument.objects.filter(kind=kind, object_id__in=object_ids)
    # (The feature Django knows of a database that has RETURNING.)
    if not connection.features.can_return_columns_from_insert:
        found = list(rows.values_list("owner_id", "group_id"))
        rows.delete()
        return found
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    marks = ", ".join(["%s"] * len(object_ids))
    with connection.cursor() as cursor:
        # The FTS5 table and the tsvector follow by their triggers, as for delete().
        cursor.execute(
            f"DELETE FROM {table} WHERE kind = %s AND object_id IN ({marks}) "
            "RETURNING owner_id, group_id",
            [kind, *object_ids],
        )
        return cursor.fetchall()


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
    """Index (or re-index) these objects of ``kind``; returns the number written.

    Renews the cached result pages of whoever may find the rows replaced or the
    rows written (``Kind.scoped``), or every page for the article kinds."""
    if kind not in KINDS:
        raise KeyError(f"unknown search kind {kind!r}")
    audience = _Audience(kind)
    written = _write(kind, sources, audience)
    if written:
        audience.bump()
    return written


def _write(kind: str, sources: Iterable[Source], audience=None) -> int:
    from ..models import SearchDocument

    iterator = iter(sources)
    batch = list(islice(iterator, BATCH))
    if not batch:
        return 0  # nothing to write (a new note's replies): no query, no bump
    segmenter = get_segmenter()
    written = 0
    while batch:
        # Those who could find the rows replaced (a note made private: its former
        # group) and those who may find the new ones. A replaced row's readers are
        # the new Source's: a reply stays on its annotation, whose author stays;
        # a speech keeps who drafted it.
        for owner_id, group_id in _delete(kind, [s.object_id for s in batch]):
            if audience:
                audience.add(group_id, owner_id)
        SearchDocument.objects.bulk_create(
            make_document(kind, source, segmenter) for source in batch
        )
        if audience:
            for source in batch:
                audience.add(source.group_id, source.owner_id, *source.readers)
        written += len(batch)
        batch = list(islice(iterator, BATCH))
    return written


def remove_objects(
    kind: str, object_ids: Iterable[int], *, readers: Iterable[int] | None = None
) -> None:
    """Remove these objects of ``kind`` from the index. ``readers``: the members
    who may have found them as theirs besides the rows' owners (``Source.readers``,
    which the rows do not keep); for a kind whose readers may be outside its group
    and without them, every cached result page is renewed."""
    audience = _Audience(kind)
    removed = _delete(kind, list(object_ids))
    if not removed:
        return  # nothing was in the index: no page showed it
    for owner_id, group_id in removed:
        audience.add(group_id, owner_id, *(readers or ()))
    if readers is None and KINDS[kind].readers_outside_group:
        audience.everyone = True
    audience.bump()


@transaction.atomic
def rebuild_index(kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Drop and re-create the rows of these kinds (all by default) with the current
    dictionary. Returns the number of rows per kind."""
    from ..models import SearchDocument

    names = list(KINDS) if kinds is None else list(kinds)
    counts = {}
    for name in names:
        SearchDocument.objects.filter(kind=name).delete()
        counts[name] = _write(name, KINDS[name].sources())
    _changed()
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
            written = _write(name, kind.sources())
            _changed()
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
