"""The reader's annotation layer, cached per article and visibility set.

What a member sees of an article's annotations (``Annotation.objects.visible_to``)
is the union of disjoint layers: for each of their groups, the annotations shared
with that group (the same for every member of it), and their own annotations
outside those groups (private ones, and notes shared with a group they have left).
Each layer is built once, kept in the cache under versioned keys (``cache.py``),
and the page is assembled from the member's layers per request: only the viewer's
own edit links and the CSRF token of the reply forms are filled in for them.

A private note therefore only ever lives in its author's own layer, and a group's
layer holds nothing but that group's annotations; which layers a request reads is
decided from the member's groups as read from the database on that request, so a
member who left a group stops seeing its layer at once.
"""

import pickle
import zlib
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from ..models import Annotation
from . import cache
from .items import (
    annotation_labels,
    annotation_segments,
    escape,
    fill_csrf,
    for_viewer,
    highlight,
)

PROTOCOL = pickle.HIGHEST_PROTOCOL
# The zlib level of the packed paragraphs and body chunks (see Layer.__reduce__).
PACK_LEVEL = 1


class Note(NamedTuple):
    """One annotation of a layer: what placing, filtering and highlighting need,
    and its item HTML as segments (``items.annotation_segments``)."""

    pk: int
    paragraph_id: int
    start: int
    end: int
    order: tuple
    is_private: bool
    is_deleted: bool
    detached: bool
    author_id: int
    theme_ids: tuple
    segments: tuple


class Layer(NamedTuple):
    notes: dict  # paragraph id → [Note] in reading order
    highlighted: dict  # paragraph id → its text highlighted with this layer alone
    themes: dict  # theme id → (name, slug), of live annotations
    authors: dict  # member id → name, of live annotations

    def __reduce__(self):
        # Stored per paragraph, each paragraph's notes (as plain tuples: pickle
        # writes a thousand named tuples one Python call each) and highlighted
        # text pickled and compressed apart (``_packed``): after a write, the
        # paragraphs that did not change are found packed in this process, and
        # the cache's own compression runs over bytes it cannot shrink, which is
        # fast (a layer of a thousand notes is 1.3 MB of HTML).
        highlighted = self.highlighted
        packed = [
            (pk, _packed(pk, items, highlighted.get(pk)))
            for pk, items in self.notes.items()
        ]
        alone = {pk: h for pk, h in highlighted.items() if pk not in self.notes}
        return (_unpacked, (packed, alone, self.themes, self.authors))


def _packed(pk: int, notes: list, highlighted) -> bytes:
    key = ("packed", pk, tuple(notes), highlighted)
    found = segments_seen.get(key)
    if found is None:
        found = zlib.compress(
            pickle.dumps(([tuple(n) for n in notes], highlighted), PROTOCOL), PACK_LEVEL
        )
        segments_seen.put(key, found)
    return found


def _unpacked(packed, alone, themes, authors) -> Layer:
    make = Note._make
    notes = {}
    highlighted = dict(alone)
    for pk, blob in packed:
        items, text = pickle.loads(zlib.decompress(blob))
        notes[pk] = [make(n) for n in items]
        if text is not None:
            highlighted[pk] = text
    return Layer(notes, highlighted, themes, authors)


def _layer(notes, highlighted, themes, authors) -> Layer:
    # Layers stored before ``_unpacked``.
    make = Note._make
    notes = {pk: [make(n) for n in items] for pk, items in notes.items()}
    return Layer(notes, highlighted, themes, authors)


class _Person:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class _Reply:
    """A reply as items.py renders it: the fields of the row, links and dates."""

    __slots__ = (
        "pk",
        "author_id",
        "author",
        "text",
        "is_deleted",
        "created_at",
        "anchor",
        "edit_url",
        "delete_url",
        "created_iso",
        "created_label",
    )


class _Annotation:
    """An annotation as a layer is built from it (``_build``, items.py): what
    ``load_threads`` sets on the model, without the model instances (a thousand
    annotations, their authors and replies were most of a layer's rebuild)."""

    __slots__ = (
        "pk",
        "paragraph_id",
        "quote",
        "start",
        "end",
        "note",
        "group_id",
        "group",
        "author_id",
        "author",
        "detached",
        "is_deleted",
        "created_at",
        "themes",
        "thread",
        "reply_count",
        "anchor",
        "url",
        "edit_url",
        "delete_url",
        "reply_url",
        "created_iso",
        "created_label",
        "edited",
    )

    @property
    def is_private(self) -> bool:
        return self.group_id is None


# What Member.name is made of, read with the rows that show it.
_NAME = (
    "author__display_name",
    "author__first_name",
    "author__last_name",
    "author__username",
)


def _load(article, queryset) -> list[_Annotation]:
    """The annotations of ``queryset`` on ``article`` with their threads, as
    ``annotations.load_threads`` prepares them, from rows: one query each for
    them (with their authors' and groups' names), their themes and their replies
    (with their authors' names), whatever the number of layers. Their dates'
    labels are left to ``_segments`` (most items are found there by their date
    itself), and whether they are deleted is read as a boolean: a SQLite date is
    parsed in Python."""
    # Imported here: annotations.py imports this module for the reader.
    from accounts.models import Member

    from ..links import url_parts
    from ..models import Reply
    from .annotations import tags_by_annotation

    base = queryset.of_article(article)
    gone = ExpressionWrapper(Q(deleted_at__isnull=False), output_field=BooleanField())
    rows = (
        base.annotate(gone=gone)
        .order_by("paragraph_id", "start", "created_at", "pk")
        .values_list(
            "pk",
            "paragraph_id",
            "quote",
            "start",
            "end",
            "note",
            "group_id",
            "author_id",
            "detached",
            "gone",
            "created_at",
            "updated_at",
            "group__name",
            *_NAME,
        )
    )
    people: dict[int, _Person] = {}
    groups: dict[int, _Person] = {}

    def person(pk, display_name, first_name, last_name, username) -> _Person:
        found = people.get(pk)
        if found is None:
            # The name as Member.name makes it, from its fields.
            found = people[pk] = _Person(
                Member(
                    display_name=display_name,
                    first_name=first_name,
                    last_name=last_name,
                    username=username,
                ).name
            )
        return found

    view, view_end = url_parts("articles:annotation")
    edit, edit_end = url_parts("articles:annotation_edit")
    delete, delete_end = url_parts("articles:annotation_delete")
    reply_to, reply_to_end = url_parts("articles:reply_create")
    reply_edit, reply_edit_end = url_parts("articles:reply_edit")
    reply_delete, reply_delete_end = url_parts("articles:reply_delete")
    annotations = []
    for (
        pk,
        paragraph_id,
        quote,
        start,
        end,
        note,
        group_id,
        author_id,
        detached,
        is_deleted,
        created_at,
        updated_at,
        group_name,
        *author_name,
    ) in rows:
        a = _Annotation()
        a.pk, a.paragraph_id, a.quote, a.start, a.end = (
            pk,
            paragraph_id,
            quote,
            start,
            end,
        )
        a.note, a.group_id, a.author_id = note, group_id, author_id
        a.detached, a.is_deleted, a.created_at = detached, is_deleted, created_at
        a.thread = []
        a.reply_count = 0
        a.anchor = f"a-{pk}"
        a.url = f"{view}{pk}{view_end}"
        a.edit_url = f"{edit}{pk}{edit_end}"
        a.delete_url = f"{delete}{pk}{delete_end}"
        a.reply_url = f"{reply_to}{pk}{reply_to_end}"
        a.edited = (updated_at - created_at).seconds > 1
        a.author = person(author_id, *author_name)
        if group_id is None:
            a.group = None
        else:
            a.group = groups.get(group_id)
            if a.group is None:
                a.group = groups[group_id] = _Person(group_name)
        annotations.append(a)
    if not annotations:
        return annotations
    by_pk = {a.pk: a for a in annotations}
    tags = tags_by_annotation(base)
    theme_urls: dict[str, str] = {}
    for a in annotations:
        a.themes = tags.get(a.pk, [])
        for theme in a.themes:
            if theme.slug not in theme_urls:
                theme_urls[theme.slug] = reverse("articles:theme", args=[theme.slug])
            theme.url = theme_urls[theme.slug]
    replies = (
        Reply.objects.filter(annotation__in=base.values("pk"))
        .annotate(gone=gone)
        .order_by("created_at", "pk")
        .values_list(
            "pk", "annotation_id", "author_id", "text", "gone", "created_at", *_NAME
        )
    )
    for pk, annotation_id, author_id, text, is_deleted, created_at, *name in replies:
        r = _Reply()
        r.author = person(author_id, *name)
        r.pk, r.author_id, r.text, r.is_deleted = pk, author_id, text, is_deleted
        r.created_at = created_at
        r.anchor = f"r-{pk}"
        r.edit_url = f"{reply_edit}{pk}{reply_edit_end}"
        r.delete_url = f"{reply_delete}{pk}{reply_delete_end}"
        owner = by_pk[annotation_id]
        owner.thread.append(r)
        if not is_deleted:
            owner.reply_count += 1
    return annotations


_SIZED = (str, bytes)


class _Segments:
    """The pieces of the reader this process built last, by everything they show.

    After a write, a group's layer and the body are built again whole (a
    version changed), but all of their notes but one or two are as they were.
    What is built from them is looked up here by its inputs instead of built
    again: an item's segments (``_inputs``: every field, name, date, URL, theme
    and reply ``annotation_segments`` reads), a paragraph's highlighted text
    (``_highlighted``), an item's UTF-8 pieces and a paragraph's block
    (body.py), and the packed paragraphs and chunks stored (``_packed``). The key
    is the content itself, never a version: an entry can only be reused for a
    piece that would be built the same, whatever changed meanwhile and whoever
    reads it (which layer or body holds a piece decides who sees it). Bounded in
    entries and, roughly, in bytes: past either it starts afresh."""

    def __init__(self, budget: int, budget_bytes: int = 48 * 2**20):
        self.budget = budget
        self.budget_bytes = budget_bytes
        self.size = 0
        self.entries: dict = {}
        self.labels: dict = {}  # the labels' items → a small number, for the keys

    def labels_id(self, labels: dict, zone) -> int:
        items = (str(zone), *sorted(labels.items()))
        found = self.labels.get(items)
        if found is None:
            found = self.labels.setdefault(items, len(self.labels))
        return found

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, value) -> None:
        if len(self.entries) >= self.budget or self.size >= self.budget_bytes:
            self.clear()
        self.entries[key] = value
        if value.__class__ is tuple:
            # Segments or UTF-8 pieces: strings, bytes, (owner, string) pairs.
            self.size += sum(len(p) if p.__class__ in _SIZED else 64 for p in value)
        else:
            self.size += len(value)

    def clear(self) -> None:
        self.entries = {}
        self.size = 0


# Per process: a few articles' thousand notes each.
segments_seen = _Segments(budget=20_000)


def _inputs(a: _Annotation, labels_id: int) -> tuple:
    """Everything ``items.annotation_segments`` reads of ``a`` (reply form shown,
    no article title), as a key: the dates as they are, their labels being a
    function of them and of the time zone (in the labels' number)."""
    return (
        labels_id,
        a.pk,
        a.quote,
        a.note,
        a.detached,
        a.is_deleted,
        a.group_id,
        a.group.name if a.group is not None else None,
        a.author_id,
        a.author.name,
        a.created_at,
        a.edited,
        a.url,
        a.edit_url,
        a.delete_url,
        a.reply_url,
        tuple((t.name, t.url) for t in a.themes),
        tuple(
            (
                r.pk,
                r.author_id,
                r.author.name,
                r.text,
                r.is_deleted,
                r.created_at,
                r.edit_url,
                r.delete_url,
            )
            for r in a.thread
        ),
    )


def _segments(a: _Annotation, labels: dict, labels_id: int, zone) -> tuple:
    key = _inputs(a, labels_id)
    found = segments_seen.get(key)
    if found is None:
        # Imported here: annotations.py imports this module for the reader.
        from .annotations import _when

        a.created_iso, a.created_label = _when(a.created_at, zone)
        for r in a.thread:
            r.created_iso, r.created_label = _when(r.created_at, zone)
        found = annotation_segments(a, labels=labels)
        segments_seen.put(key, found)
    return found


def _build(paragraphs, annotations: list[_Annotation]) -> Layer:
    labels = {name: escape(value) for name, value in annotation_labels().items()}
    zone = timezone.get_current_timezone()
    labels_id = segments_seen.labels_id(labels, zone)
    notes: dict[int, list[Note]] = {}
    themes: dict[int, tuple] = {}
    authors: dict[int, str] = {}
    for a in annotations:
        if a.is_deleted and not a.reply_count:
            continue  # nothing left to show: no note, no thread
        if not a.is_deleted:
            authors[a.author_id] = a.author.name
            for theme in a.themes:
                themes[theme.pk] = (theme.name, theme.slug)
        notes.setdefault(a.paragraph_id, []).append(
            Note(
                pk=a.pk,
                paragraph_id=a.paragraph_id,
                start=a.start,
                end=a.end,
                order=(a.start, a.created_at, a.pk),
                is_private=a.is_private,
                is_deleted=a.is_deleted,
                detached=a.detached,
                author_id=a.author_id,
                theme_ids=tuple(t.pk for t in a.themes),
                segments=_segments(a, labels, labels_id, zone),
            )
        )
    texts = {p.pk: p.text for p in paragraphs}
    highlighted = {
        pk: _highlighted(texts[pk], _placed(items))
        for pk, items in notes.items()
        if pk in texts
    }
    return Layer(notes, highlighted, themes, authors)


def _highlighted(text: str, placed: list[Note]) -> str:
    """``highlight(text, placed)``, found by what it reads (``segments_seen``):
    after a write, the other paragraphs of the layer are highlighted as before."""
    key = (
        "highlight",
        text,
        tuple((n.pk, n.start, n.end, n.is_private) for n in placed),
    )
    found = segments_seen.get(key)
    if found is None:
        found = str(highlight(text, placed))
        segments_seen.put(key, found)
    return found


def _placed(notes) -> list[Note]:
    """The notes highlighted in the text: live and still anchored."""
    return [n for n in notes if not n.is_deleted and not n.detached]


def _variant() -> tuple:
    # The layer's words and dates are rendered in the request's language and the
    # site's time zone: part of the key, not of the versions.
    return (translation.get_language() or "", settings.TIME_ZONE)


def layer_scopes(article, user, group_ids: list[int]) -> list[cache.Scope]:
    """Every scope the member's layers of ``article`` depend on."""
    return [
        cache.article(article.pk),
        cache.PEOPLE,
        cache.article_member(article.pk, user.pk),
        *(cache.article_group(article.pk, g) for g in group_ids),
        *map(cache.group, group_ids),
    ]


def layer_entries(user, article, group_ids: list[int], known) -> dict:
    """The cache keys of the member's layers (``group_ids`` sorted) at the versions
    ``known``: key → the group id of the layer, None for one's own (the last)."""
    scopes = [cache.article(article.pk), cache.PEOPLE]
    variant = _variant()
    entries = {}
    for group_id in group_ids:
        entry = cache.key(
            "layer-group",
            [*scopes, cache.article_group(article.pk, group_id), cache.group(group_id)],
            known,
            *variant,
        )
        entries[entry] = group_id
    # Which of one's own notes are "outside one's groups" depends on the groups:
    # they are part of the key.
    own = cache.key(
        "layer-member",
        [
            *scopes,
            cache.article_member(article.pk, user.pk),
            *map(cache.group, group_ids),
        ],
        known,
        *variant,
        "-".join(map(str, group_ids)),
    )
    entries[own] = None
    return entries


def load_layers(user, article, paragraphs, group_ids, entries, found) -> list[Layer]:
    """The layers of ``entries`` (``layer_entries``): those in ``found`` (entries
    already read from the cache) as they are, the others built and stored."""
    missing = [entry for entry in entries if entry not in found]
    if missing:
        # The missing layers in one go, then split: a cold page costs no more
        # queries than the uncached reader did.
        wanted = {entries[entry] for entry in missing}
        rule = Q(group_id__in=[g for g in wanted if g is not None])
        if None in wanted:
            rule |= Q(author=user) & ~Q(group_id__in=group_ids)
        annotations = _load(article, Annotation.objects.filter(rule))
        parts: dict = {entry: [] for entry in missing}
        by_group = {g: entry for entry, g in entries.items() if entry in parts}
        for a in annotations:
            parts[by_group[a.group_id if a.group_id in by_group else None]].append(a)
        built = {entry: _build(paragraphs, items) for entry, items in parts.items()}
        django_cache.set_many(built, cache.TIMEOUT)
        found.update(built)
    return [found[entry] for entry in entries]


def layers_for(user, article, paragraphs, group_ids: list[int]) -> list[Layer]:
    """The member's layers of ``article``: their groups', then their own. Two cache
    round trips when all are cached (versions, then the layers)."""
    group_ids = sorted(set(group_ids))
    known = cache.versions(layer_scopes(article, user, group_ids))
    entries = layer_entries(user, article, group_ids, known)
    found = django_cache.get_many(list(entries))
    return load_layers(user, article, paragraphs, group_ids, entries, found)


class Shown:
    """An item as the page shows it to one viewer (``html`` filled in)."""

    __slots__ = ("pk", "html", "note")

    def __init__(self, note: Note, html: str):
        self.pk = note.pk
        self.note = note
        self.html = html


def assemble(
    request, layers: list[Layer], paragraphs, chosen, needles_spans, *, filled=True
) -> dict:
    """Set ``notes``, ``note_count``, ``highlighted`` and ``notes_html`` on each
    paragraph from the member's layers; the rest of the reader's context.

    ``chosen`` is the ReaderFilter (its theme matched by id); ``needles_spans``
    maps a paragraph's text to its search spans (empty without a search). Not
    ``filled``, the items are left as their notes' segments (``Shown.note``) and
    their ``html`` empty, for a body shared by a visibility set (``body.py``)."""
    user_id = request.user.pk if filled else None
    token = escape(get_token(request)) if filled else ""
    themes: dict[int, tuple] = {}
    authors: dict[int, str] = {}
    for layer in layers:
        themes.update(layer.themes)
        authors.update(layer.authors)
    theme_id = chosen.theme.pk if chosen.theme is not None else None
    total = 0
    detached = []
    for paragraph in paragraphs:
        pk = paragraph.pk
        sources = [layer for layer in layers if pk in layer.notes]
        if len(sources) == 1:
            notes = sources[0].notes[pk]
        elif sources:
            notes = sorted(
                (n for layer in sources for n in layer.notes[pk]),
                key=lambda n: n.order,
            )
        else:
            notes = []
        if chosen.active:
            notes = [
                n
                for n in notes
                if not n.is_deleted
                and (chosen.member_id is None or n.author_id == chosen.member_id)
                and (theme_id is None or theme_id in n.theme_ids)
            ]
        shown = []
        count = 0
        for note in notes:
            # Built from escaped pieces (items.annotation_segments).
            html = (
                mark_safe(fill_csrf(for_viewer(note.segments, user_id), token))
                if filled
                else ""
            )
            if note.detached and not note.is_deleted:
                detached.append(Shown(note, html))
                continue
            shown.append(Shown(note, html))
            if not note.is_deleted:
                count += 1
        spans = needles_spans(paragraph.text)
        if len(sources) == 1 and not chosen.active and not spans:
            paragraph.highlighted = mark_safe(sources[0].highlighted[pk])
        else:
            paragraph.highlighted = highlight(
                paragraph.text, _placed(notes), search_spans=spans
            )
        paragraph.notes = shown
        paragraph.note_count = count
        paragraph.notes_html = mark_safe("".join(s.html for s in shown))
        total += count
    return {
        "annotation_total": total,
        "detached_notes": detached,
        "themes_seen": themes,
        "authors_seen": authors,
    }
