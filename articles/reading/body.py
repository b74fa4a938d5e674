"""The reader's body (every paragraph with its highlights, notes, annotate form
and "discussed at" links, and the detached notes) as one read model.

The unfiltered reader, without a search, is the same page for every member who
shares a visibility set: the same groups (their layers, names and sessions) and no
notes of their own outside them. It is rendered once per versions of what it
shows and kept as UTF-8 parts (``Body``) from the items' segments
(``items.annotation_segments``): the edit and delete links only their owner sees,
and the forms' CSRF token, at known places. A warm request is then one look-up of
versions, one of the member's own layer (to know whether they have notes of their
own: those make the body theirs alone), one of the body (in this process's memory
after the first: ``recent``), and a join of bytes the view puts in the page.

The key holds the versions of the article (text, themes), of the names of members,
of each of the member's groups (its layer, its name in the annotate form, its
sessions citing paragraphs) and, when the member has notes outside their groups,
of their own layer; the sorted group ids and the language and time zone are part
of it too. A private note is therefore only ever in its author's own entry.
The filtered and searched views are rendered per paragraph
(``annotations.reader_annotations``), from the same template.

After a write (a note or a reply bumps its group's whole layer), the body is built
again, but only from what changed: each paragraph's block (``_blocks``) and each
item's UTF-8 pieces are found by their content in ``layers.segments_seen`` when
they are as before, and the body is stored in chunks packed apart (``_chunks``),
of which only the changed ones are compressed again. The discussed-at links are
kept apart (``_discussions``) under the versions of the groups' discussions.
"""

import pickle
import threading
import zlib
from collections import OrderedDict
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache as django_cache
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from accounts.models import StudyGroup

from ..models import ReadingProgress
from . import cache
from .annotations import Person, ReaderFilter
from .fragments import fill
from .items import CSRF_SLOT, escape
from .layers import (
    PACK_LEVEL,
    assemble,
    layer_entries,
    layer_scopes,
    load_layers,
    segments_seen,
)
from .text import article_text

TEMPLATE = "articles/_reader_body.html"
PARAGRAPH = "articles/_reader_paragraph.html"
# Where the body goes in the rendered page (the view splices it in as bytes).
SLOT = "<reader-body-slot>"
# Where a paragraph's items (and the detached ones) go in the rendered body: it
# cannot occur in the text around, every "<" of which is escaped.
_SLOT = "<reader-notes-slot>"
# Where the paragraphs' blocks go, rendered one by one (``_blocks``).
_BLOCKS = "<reader-blocks-slot>"


class Body(NamedTuple):
    """The body as the same for every member of its visibility set, in UTF-8:
    ``parts`` joined is the HTML once ``owned`` pieces are put in for their owner
    (``b""`` where they go) and the CSRF token at the indices ``csrf``."""

    parts: tuple  # bytes
    owned: dict  # owner id → ((index in parts, bytes), ...)
    csrf: tuple  # indices in parts of the forms' token
    total: int  # annotations counted in the paragraphs (the tools' summary)
    detached: int  # annotations whose passage is gone
    themes: tuple  # (pk, name, slug) of the themes seen, sorted by name
    authors: tuple  # (pk, name) of the authors seen, sorted by name
    text: dict  # the article's themes, keywords and length (``article_text``)

    def __reduce__(self):
        # Stored as chunks of parts, each pickled and compressed apart
        # (``_chunks``): after a write, the chunks that did not change are found
        # packed in this process, and the cache's own compression runs over bytes
        # it cannot shrink, which is fast (a body of a thousand notes is 1.3 MB).
        owned = zlib.compress(pickle.dumps(self.owned, pickle.HIGHEST_PROTOCOL), 1)
        return (_unpacked, (_chunks(self.parts), owned, *self[2:]))

    def html_for(self, user_id, csrf_token: str) -> bytes:
        out = list(self.parts)
        for index, piece in self.owned.get(user_id, ()):
            out[index] = piece
        token = escape(csrf_token).encode()
        for index in self.csrf:
            out[index] = token
        return b"".join(out)


def _chunks(parts: tuple) -> tuple:
    """``parts`` cut where a part's hash says so (so an item added moves no cut
    elsewhere, in this process), each chunk packed (found by its parts in
    ``layers.segments_seen`` when it did not change)."""
    out = []
    chunk: list[bytes] = []
    for part in parts:
        chunk.append(part)
        if part and not hash(part) & 63:
            out.append(_packed(tuple(chunk)))
            chunk = []
    if chunk:
        out.append(_packed(tuple(chunk)))
    return tuple(out)


def _packed(chunk: tuple) -> bytes:
    key = ("body-chunk", chunk)
    found = segments_seen.get(key)
    if found is None:
        found = zlib.compress(pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL), PACK_LEVEL)
        segments_seen.put(key, found)
    return found


def _unpacked(chunks, owned, *fields) -> Body:
    parts: list[bytes] = []
    for blob in chunks:
        parts += pickle.loads(zlib.decompress(blob))
    return Body(tuple(parts), pickle.loads(zlib.decompress(owned)), *fields)


def _variant() -> tuple:
    return (translation.get_language() or "", settings.TIME_ZONE)


class _Recent:
    """The bodies this process read last, in front of the shared cache.

    A body is ~1 MB at a thousand annotations: read from the file cache it is
    decompressed and unpickled on every request (~4 ms, half the page). An entry's
    key holds the versions of everything it shows, read from the shared cache on
    every request, so an entry kept here is exactly the one the shared cache holds
    under that key: a write bumps a version, the next request builds another key
    and misses here as well. Bounded in bytes; the least recently read go first."""

    def __init__(self, budget: int):
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[str, tuple[Body, int]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> "Body | None":
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            self.entries.move_to_end(key)
            return found[0]

    def put(self, key: str, body: "Body") -> None:
        size = sum(map(len, body.parts)) + sum(
            len(piece) for pieces in body.owned.values() for _, piece in pieces
        )
        if size > self.budget:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = (body, size)
            self.size += size
            while self.size > self.budget:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.size -= dropped

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


# Per process (a gunicorn worker): a few of the busiest articles' bodies.
recent = _Recent(budget=32 * 2**20)


def reader_body(request, article) -> tuple[dict, bytes]:
    """The reader's context for the unfiltered view, and the body's HTML filled in
    for ``request`` (the view puts it in the page: ``SLOT``)."""
    user = request.user
    groups = list(StudyGroup.objects.of_member(user))
    group_ids = sorted({g.pk for g in groups})
    layer = layer_scopes(article, user, group_ids)
    shared = [
        cache.article(article.pk),
        cache.PEOPLE,
        *(cache.article_group(article.pk, g) for g in group_ids),
        *map(cache.group, group_ids),
        *map(cache.discussions, group_ids),
    ]
    known = cache.versions([*layer, *map(cache.discussions, group_ids)])
    entries = layer_entries(user, article, group_ids, known)
    own_entry = next(reversed(entries))
    found = {}
    own = django_cache.get(own_entry)
    paragraphs = None
    if own is None:
        # Cold, or one's own notes changed: the layers missing are built at once.
        paragraphs = article_text(article)["paragraphs"]
        found = django_cache.get_many(list(entries))
        layers = load_layers(user, article, paragraphs, group_ids, entries, found)
        own = layers[-1]
    else:
        found[own_entry] = own
    scopes = shared
    if own.notes:
        scopes = [*shared, cache.article_member(article.pk, user.pk)]
    entry = cache.key(
        "reader-body",
        scopes,
        known,
        *_variant(),
        "-".join(map(str, group_ids)),
        "own" if own.notes else "shared",
    )
    body = recent.get(entry)
    if body is None:
        body = django_cache.get(entry)
        if body is not None:
            recent.put(entry, body)
    if body is None:
        text = article_text(article)
        if paragraphs is None:
            paragraphs = text["paragraphs"]
        missing = [e for e in entries if e not in found]
        if missing:
            found.update(django_cache.get_many(missing))
        layers = load_layers(user, article, paragraphs, group_ids, entries, found)
        discussed = _discussions(request.user, article, group_ids, known)
        body = _build(article, text, paragraphs, layers, groups, discussed)
        django_cache.set(entry, body, cache.TIMEOUT)
        recent.put(entry, body)
    progress = ReadingProgress.objects.of_member(user).filter(article=article).first()
    context = {
        **body.text,
        "reader_body": mark_safe(SLOT),
        "annotation_total": body.total,
        # Only counted and tested by the page around the body.
        "detached_notes": [None] * body.detached,
        "annotation_filter": ReaderFilter(),
        "filter_themes": [Tag(pk=pk, name=n, slug=s) for pk, n, s in body.themes],
        "filter_members": [Person(pk, name) for pk, name in body.authors],
        "my_groups": groups,
        "studied": progress,
    }
    context["reader_head"] = _head(request, article, context, entry)
    return context, body.html_for(user.pk, get_token(request))


HEAD = "articles/_reader_head.html"
# Rendered heads of the page (title, meta, themes, keywords, actions, the
# notes' filter), per process: body entry and studied mark → HTML with the CSRF
# slot. The entry's key holds the versions of everything the head shows but the
# member's studied mark (the article's text, themes and keywords, the notes
# counted and their authors and themes), so an entry is never stale; bounded in
# entries, past which it starts afresh.
_heads: dict = {}
_HEADS_MAX = 4096


def _head(request, article, context: dict, entry: str) -> SafeString:
    """The page's head as ``request``'s member sees it: rendered once per body
    and studied mark in this process (~3 ms of template a request otherwise,
    a third of a warm reader), then only the CSRF token put in."""
    global _heads
    studied = context["studied"]
    key = (entry, studied.studied_at.isoformat() if studied else "")
    html = _heads.get(key)
    if html is None:
        html = str(
            render_to_string(
                HEAD,
                {
                    **context,
                    "article": article,
                    "csrf_token": mark_safe(CSRF_SLOT),
                    "fragment": True,
                },
                request=request,
            )
        )
        if len(_heads) >= _HEADS_MAX:
            _heads = {}
        _heads[key] = html
    return fill(html, request)


class _Session(NamedTuple):
    """What the "discussed at" links show of a session."""

    pk: int
    starts_at: object
    topic: str


def _discussions(user, article, group_ids, known) -> dict:
    """Paragraph id → the sessions of the member's groups whose final speeches
    cite it (``records.reads.paragraph_discussions``), kept apart from the body:
    a write to the article's notes renders the body again, not these. The same
    for every member of the same groups (sessions are seen by their group's
    members alone, staff or not), under the versions of the groups' discussions
    and of the article."""
    # Imported here: the records import the reader's modules.
    from ..records.reads import paragraph_discussions

    entry = cache.key(
        "reader-discussions",
        [cache.article(article.pk), *map(cache.discussions, group_ids)],
        known,
        "-".join(map(str, group_ids)),
    )
    found = django_cache.get(entry)
    if found is None:
        found = {
            pk: [_Session(s.pk, s.starts_at, s.topic) for s in sessions]
            for pk, sessions in paragraph_discussions(user, article).items()
        }
        django_cache.set(entry, found, cache.TIMEOUT)
    return found


# Where a form's CSRF token goes, in ``_encoded`` pieces.
_TOKEN = object()


def _encoded(segments) -> tuple:
    """Segments (``items.annotation_segments``) as UTF-8 pieces: bytes, the owned
    pieces as (owner id, bytes), and ``_TOKEN`` where the CSRF slots were."""
    out: list = []
    for segment in segments:
        if segment.__class__ is not str:
            out.append((segment[0], segment[1].encode()))
            continue
        first, *others = segment.split(CSRF_SLOT)
        out.append(first.encode())
        for other in others:
            out += (_TOKEN, other.encode())
    return tuple(out)


def _encoded_item(segments) -> tuple:
    """``_encoded`` of an item's segments, found by the segments themselves (in
    ``layers.segments_seen``): after a write, the items that did not change."""
    key = ("utf-8", segments)
    found = segments_seen.get(key)
    if found is None:
        found = _encoded(segments)
        segments_seen.put(key, found)
    return found


def _blocks(paragraphs, groups, csrf_slot) -> list[str]:
    """Each paragraph's block (``PARAGRAPH``, what the body's loop includes),
    found by everything it shows in ``layers.segments_seen``: after a write, only
    the paragraphs whose notes changed are rendered again. ``csrf_slot``: the
    forms' token as ``_build`` marks it."""
    template = None
    context = {"my_groups": groups, "csrf_token": csrf_slot}
    shared = (
        "paragraph-block",
        *_variant(),
        str(timezone.get_current_timezone()),
        tuple((g.pk, g.name) for g in groups),
    )
    out = []
    for p in paragraphs:
        key = (
            shared,
            p.pk,
            p.kind,
            p.anchor,
            p.text,
            str(p.highlighted),
            bool(p.notes),
            p.note_count,
            str(p.notes_html),
            tuple(p.discussed_in),
        )
        found = segments_seen.get(key)
        if found is None:
            if template is None:
                template = get_template(PARAGRAPH)
            found = template.render({**context, "paragraph": p})
            segments_seen.put(key, found)
        out.append(found)
    return out


def _build(article, text, paragraphs, layers, groups, discussed) -> Body:
    """The body rendered from the member's layers, with a slot for each list of
    items, then the items' segments put in the slots."""
    shown = assemble(
        None, layers, paragraphs, ReaderFilter(), lambda text: [], filled=False
    )
    items = []
    for paragraph in paragraphs:
        paragraph.discussed_in = discussed.get(paragraph.pk, [])
        if paragraph.notes:
            paragraph.notes_html = mark_safe(_SLOT)
            items.append([s.note.segments for s in paragraph.notes])
    detached = shown["detached_notes"]
    if detached:
        # One slot for the whole list: the template writes the items one after
        # the other.
        for note in detached:
            note.html = ""
        detached[0].html = mark_safe(_SLOT)
        items.append([s.note.segments for s in detached])
    around = render_to_string(
        TEMPLATE,
        {
            "paragraph_blocks": mark_safe(_BLOCKS),
            "paragraphs": paragraphs,  # not rendered here (the blocks are)
            "detached_notes": detached,
            "csrf_token": mark_safe(CSRF_SLOT),
        },
    )
    head, tail = around.split(_BLOCKS)
    html = "".join([head, *_blocks(paragraphs, groups, mark_safe(CSRF_SLOT)), tail])
    pieces = html.split(_SLOT)
    if len(pieces) != len(items) + 1:
        raise AssertionError("the reader's body template lost a slot of items")
    parts: list[bytes] = []
    owned: dict[int, list] = {}
    csrf: list[int] = []
    run: list[bytes] = []  # plain bytes since the last owned piece or token

    def add(encoded) -> None:
        for piece in encoded:
            if piece.__class__ is bytes:
                run.append(piece)
                continue
            parts.append(b"".join(run))
            run.clear()
            if piece is _TOKEN:
                csrf.append(len(parts))
            else:
                owned.setdefault(piece[0], []).append((len(parts), piece[1]))
            parts.append(b"")

    add(_encoded((pieces[0],)))
    for notes, after in zip(items, pieces[1:], strict=True):
        for note in notes:
            add(_encoded_item(note))
        add(_encoded((after,)))
    parts.append(b"".join(run))
    themes: dict = {}
    authors: dict = {}
    for layer in layers:
        themes.update(layer.themes)
        authors.update(layer.authors)
    return Body(
        parts=tuple(parts),
        owned={owner: tuple(pieces) for owner, pieces in owned.items()},
        csrf=tuple(csrf),
        total=shown["annotation_total"],
        detached=len(detached),
        themes=tuple(
            sorted(
                ((pk, name, slug) for pk, (name, slug) in themes.items()),
                key=lambda t: t[1],
            )
        ),
        authors=tuple(sorted(authors.items(), key=lambda a: a[1])),
        text={
            "themes": text["themes"],
            "char_count": text["char_count"],
            "keywords": text["keywords"],
        },
    )
