"""The registry of searchable kinds.

A kind says (a) how to extract the text of its objects (``sources``: every object,
for a rebuild) and (b) who may find them (``visible``: a Q over SearchDocument that
must use only its own columns and ``__in`` subqueries, so that the rule stays the
one written on the model's QuerySet, e.g. ``Annotation.objects.visible_to(user)``).

Adding annotations, replies and discussion notes (after their models exist)::

    # articles/search/kinds.py (or the area's module, imported at start-up)
    def annotation_sources(annotations=None):
        from ..models import Annotation
        annotations = Annotation.objects.all() if annotations is None else annotations
        for a in annotations.select_related("paragraph"):
            yield Source(object_id=a.pk, text=a.body, article_id=a.paragraph.article_id,
                         paragraph_id=a.paragraph_id, owner_id=a.author_id,
                         group_id=a.group_id, date=a.created_at.date())

    ANNOTATION = register(Kind(
        name="annotation", label=_("Annotations"), sources=annotation_sources,
        # The page's own rule, once: whatever visible_to decides, search obeys.
        visible=lambda user: Q(object_id__in=Annotation.objects.visible_to(user)
                               .values("pk")),
        url=lambda doc: url_for("articles:detail", doc.article_id)
                        + f"#a-{doc.object_id}"))

    # discussion notes: the same, visible by group membership, e.g.
    visible=lambda user: Q(group__in=StudyGroup.objects.of_member(user).values("pk"))
    # (or DiscussionNote.objects.visible_to(user) if issue 4 defines one)

and in the services that write them: ``search.index_objects("annotation",
annotation_sources(Annotation.objects.filter(pk=a.pk)))`` after create/edit,
``search.remove_objects("annotation", [pk])`` after delete (or a ForeignKey
cascade when the row goes with its paragraph/article).

The study kinds ("annotation", "reply", "note") are registered this way in
``study_kinds.py``, imported by the package at start-up.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..links import url_for


@dataclass(frozen=True)
class Source:
    """What to index for one object."""

    object_id: int
    text: str
    article_id: int | None = None
    paragraph_id: int | None = None
    owner_id: int | None = None
    group_id: int | None = None
    date: datetime.date | None = None
    # Members who may find the object as theirs besides ``owner_id`` (a reply: the
    # author of its annotation; a speech: who drafted it). Not stored: the index
    # renews their cached result pages when it writes the row (``Kind.scoped``).
    readers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    # All objects of the kind (for rebuild_search_index), as Sources.
    sources: Callable[[], Iterable[Source]]
    # Q over SearchDocument: the rows of this kind the user may find.
    visible: Callable[[object], Q]
    # Where a hit links to.
    url: Callable[[object], str]
    # The model whose rows the kind indexes ("app_label.Model"), when ``sources``
    # accepts a queryset of it: a rebuild then walks it by primary key in short
    # transactions and resumes where it stopped (index.rebuild_kind).
    model: str = ""
    # Who may find a row, as far as cached result pages go (index.py renews theirs
    # when it writes or removes one). False (the article kinds): anyone who may read
    # its article, so every page (``cache.SEARCH``). True: the members of its
    # ``group`` and its ``owner`` and its Source's ``readers``, nobody else; the
    # kind's ``visible`` rule must never show a row to anyone outside them.
    scoped: bool = False
    # A scoped kind whose readers may find a row without being in its group (a
    # reply on a private note, or on a note whose author left the group): the row
    # does not keep them, so a removal that does not name them renews every page.
    readers_outside_group: bool = False


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def visible_to(user, kinds: Iterable[str] | None = None) -> Q:
    """Q over SearchDocument of every row the user may find, restricted to kinds.

    Built and compiled to SQL once per member and set of kinds in each process: the
    rules nest a subquery or two per kind, and Django spends longer building and
    compiling them (~10 ms) than the database spends running them. The compiled SQL
    evaluates every membership and status when it runs, so it is as current as the
    rules themselves: what Python takes from the user is only their id (a query
    parameter) and whether they are logged in and staff, all three in the key.
    Every kind's ``visible`` must keep it so: a rule decided in Python from rows
    (a list of group ids read now) would be stale in a later request.
    """
    names = tuple(KINDS) if kinds is None else tuple(k for k in kinds if k in KINDS)
    key = (
        names,
        user.pk,
        user.is_authenticated,
        getattr(user, "is_staff", False),
        connection.vendor,
    )
    found = _COMPILED.get(key)
    if found is None:
        found = _compiled(_rule(user, names))
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))  # the oldest: a bound, not an LRU
        _COMPILED[key] = found
    return found


# (kinds, member id, logged in, staff, database vendor) → the compiled rule.
_COMPILED: dict[tuple, Q] = {}
_COMPILED_MAX = 4096


def _rule(user, names: Iterable[str]) -> Q:
    rule = Q(pk__in=[])
    for name in names:
        rule |= Q(kind=name) & KINDS[name].visible(user)
    return rule


def _compiled(rule: Q) -> Q:
    """``rule`` as one SQL condition over SearchDocument, compiled now."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    from ..models import SearchDocument

    query = SearchDocument.objects.filter(rule).query
    try:
        sql, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:
        return Q(pk__in=[])
    except FullResultSet:
        return Q()
    return Q(RawSQL(sql, list(params), output_field=BooleanField()))


# Article kinds ----------------------------------------------------------------------


def _visible_articles(user) -> Q:
    from ..models import Article

    # The article pages' own rule: members find published text; staff, who can
    # open drafts, find them too (marked as drafts in the results).
    return Q(article__in=Article.objects.visible_to(user).values("pk"))


def article_sources(articles=None) -> Iterator[Source]:
    from ..models import Article

    articles = Article.objects.all() if articles is None else articles
    for article in articles.order_by("pk").iterator(chunk_size=500):
        yield title_source(article)


def title_source(article) -> Source:
    return Source(
        object_id=article.pk,
        # The byline is part of how members remember an article (南开区委…).
        text="\n".join(filter(None, [article.title, article.byline])),
        article_id=article.pk,
        date=article.published_on,
    )


def paragraph_sources(paragraphs=None) -> Iterator[Source]:
    from ..models import Paragraph

    paragraphs = Paragraph.objects.all() if paragraphs is None else paragraphs
    rows = paragraphs.order_by("pk").values_list(
        "pk", "text", "article_id", "article__published_on"
    )
    for pk, text, article_id, published_on in rows.iterator(chunk_size=2000):
        yield Source(
            object_id=pk,
            text=text,
            article_id=article_id,
            paragraph_id=pk,
            date=published_on,
        )


TITLE = register(
    Kind(
        name="title",
        label=_("Titles and bylines"),
        sources=article_sources,
        visible=_visible_articles,
        url=lambda doc: url_for("articles:detail", doc.article_id),
        model="articles.Article",
    )
)
PARAGRAPH = register(
    Kind(
        name="paragraph",
        label=_("Article text"),
        sources=paragraph_sources,
        visible=_visible_articles,
        url=lambda doc: (
            url_for("articles:detail", doc.article_id) + f"#p-{doc.paragraph_id}"
        ),
        model="articles.Paragraph",
    )
)
