"""Searchable kinds of the study domain: annotations, replies and speeches.

Each kind's ``visible`` is the model's own QuerySet rule as a subquery on
``object_id``, so search never has a second copy of it: whoever the reader shows an
annotation to finds it, and nobody else finds, counts or sees a snippet of it. The
``owner``/``group`` columns serve the result filters, and say (with the Sources'
``readers``) whose cached result pages a write renews (``Kind.scoped``): each rule
below shows a row to no one outside them. A change of visibility (a shared note
made private) is obeyed at once even before the services re-index.

The services in ``articles.services.annotations`` and ``articles.services.sessions``
call ``index_*``/``remove_objects`` inside their own transaction, like
``index_article`` does for articles: a rolled-back write leaves the index as it was.
Imported at start-up by ``articles.apps``.
"""

from collections.abc import Iterator

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..links import url_for
from .index import index_objects, remove_objects
from .kinds import Kind, Source, register


def annotation_sources(annotations=None) -> Iterator[Source]:
    """The quote and the note, so a member finds an annotation by either."""
    from ..models import Annotation

    annotations = Annotation.objects.all() if annotations is None else annotations
    rows = (
        annotations.live()
        .order_by("pk")
        .values_list(
            "pk",
            "quote",
            "note",
            "paragraph_id",
            "paragraph__article_id",
            "author_id",
            "group_id",
            "created_at",
        )
    )
    for (
        pk,
        quote,
        note,
        paragraph_id,
        article_id,
        author_id,
        group_id,
        created,
    ) in rows.iterator(chunk_size=1000):
        yield Source(
            object_id=pk,
            text="\n".join(filter(None, [note, quote])),
            article_id=article_id,
            paragraph_id=paragraph_id,
            owner_id=author_id,
            group_id=group_id,
            date=timezone.localdate(created),
        )


def reply_sources(replies=None) -> Iterator[Source]:
    from ..models import Reply

    replies = Reply.objects.all() if replies is None else replies
    rows = (
        replies.live()
        .order_by("pk")
        .values_list(
            "pk",
            "text",
            "annotation__paragraph_id",
            "annotation__paragraph__article_id",
            "author_id",
            "annotation__group_id",
            "created_at",
            "annotation__author_id",
        )
    )
    for (
        pk,
        text,
        paragraph_id,
        article_id,
        author_id,
        group_id,
        created,
        annotation_author_id,
    ) in rows.iterator(chunk_size=1000):
        yield Source(
            object_id=pk,
            text=text,
            article_id=article_id,
            paragraph_id=paragraph_id,
            owner_id=author_id,
            group_id=group_id,
            date=timezone.localdate(created),
            # Who sees the annotation sees its replies: its author, whatever
            # their groups (a private note, a group they left).
            readers=(annotation_author_id,),
        )


def note_sources(notes=None) -> Iterator[Source]:
    from ..models import DiscussionNote

    notes = DiscussionNote.objects.all() if notes is None else notes
    rows = notes.order_by("pk").values_list(
        "pk",
        "content",
        "speaker_id",
        "session__group_id",
        "session__starts_at",
        "drafted_by_id",
    )
    for pk, content, speaker_id, group_id, starts_at, drafted_by_id in rows.iterator(
        chunk_size=1000
    ):
        yield Source(
            object_id=pk,
            text=content,
            owner_id=speaker_id,
            group_id=group_id,
            date=timezone.localdate(starts_at),
            # Only members of the session's group find a speech (a draft: its
            # speaker, who drafted it, the keepers): the group's scope covers
            # them all; the drafter is named so that their own pages' "may find
            # something as theirs" turns at once (search_pages.Visibility).
            readers=(drafted_by_id,) if drafted_by_id else (),
        )


def _visible_annotations(user) -> Q:
    from ..models import Annotation

    return Q(object_id__in=Annotation.objects.visible_to(user).live().values("pk"))


def _visible_replies(user) -> Q:
    from ..models import Reply

    return Q(object_id__in=Reply.objects.visible_to(user).live().values("pk"))


def _visible_notes(user) -> Q:
    from ..models import DiscussionNote

    return Q(object_id__in=DiscussionNote.objects.visible_to(user).values("pk"))


def _note_url(doc) -> str:
    # One query per hit would make the page grow with its hits: the session is
    # found through the speech by a small redirecting view instead.
    return url_for("articles:note_in_record", doc.object_id)


ANNOTATION = register(
    Kind(
        name="annotation",
        label=_("Annotations"),
        sources=annotation_sources,
        visible=_visible_annotations,
        url=lambda doc: (
            url_for("articles:detail", doc.article_id)
            + f"?focus={doc.object_id}#a-{doc.object_id}"
        ),
        model="articles.Annotation",
        # Its author and the members of its group (Annotation.visible_to).
        scoped=True,
    )
)
REPLY = register(
    Kind(
        name="reply",
        label=_("Replies to annotations"),
        sources=reply_sources,
        visible=_visible_replies,
        url=lambda doc: (
            url_for("articles:detail", doc.article_id) + f"#r-{doc.object_id}"
        ),
        model="articles.Reply",
        # Those who see its annotation: the annotation's group and author (the
        # reply's readers), wherever that author is now.
        scoped=True,
        readers_outside_group=True,
    )
)
NOTE = register(
    Kind(
        name="note",
        label=_("Speeches at study sessions"),
        sources=note_sources,
        visible=_visible_notes,
        url=_note_url,
        model="articles.DiscussionNote",
        # Members of the session's group only (DiscussionNote.visible_to).
        scoped=True,
    )
)


def index_annotation(annotation) -> None:
    """(Re-)index an annotation and its replies (their group column follows it);
    a deleted one leaves the index."""
    from ..models import Annotation, Reply

    if annotation.is_deleted:
        remove_annotation(annotation.pk)
        return
    index_objects(
        ANNOTATION.name, annotation_sources(Annotation.objects.filter(pk=annotation.pk))
    )
    index_objects(
        REPLY.name, reply_sources(Reply.objects.filter(annotation=annotation))
    )


def remove_annotation(pk: int) -> None:
    remove_objects(ANNOTATION.name, [pk])


def index_reply(reply) -> None:
    from ..models import Reply

    if reply.is_deleted:
        # The row does not keep the annotation's author, who may find it outside
        # the group: named here, or the removal would renew every result page.
        remove_objects(REPLY.name, [reply.pk], readers=[reply.annotation.author_id])
        return
    index_objects(REPLY.name, reply_sources(Reply.objects.filter(pk=reply.pk)))


def index_note(note) -> None:
    from ..models import DiscussionNote

    index_objects(NOTE.name, note_sources(DiscussionNote.objects.filter(pk=note.pk)))


def index_unindexed_private_notes() -> int:
    """Write again the rows of private notes (and of their replies) the index
    lacks; returns the number written.

    A study group deleted in the admin makes its notes their authors' private ones
    (``Annotation.group`` is SET_NULL), while their index rows went with the group
    (``SearchDocument.group`` is CASCADE): no row is left to say which notes were
    the group's, so every live private note missing from the index is found by one
    anti-join. Rare (an admin deletion) and bounded by the private notes."""
    from ..models import Annotation, Reply, SearchDocument

    def missing(kind, rows):
        return rows.exclude(
            pk__in=SearchDocument.objects.filter(kind=kind).values("object_id")
        )

    private = Annotation.objects.filter(group__isnull=True)
    written = index_objects(
        ANNOTATION.name, annotation_sources(missing(ANNOTATION.name, private))
    )
    replies = Reply.objects.filter(annotation__in=private.values("pk"))
    return written + index_objects(
        REPLY.name, reply_sources(missing(REPLY.name, replies))
    )


def accounts_changed(kind: str, *, group_id=None, **ids) -> None:
    """Registered with ``accounts.changes`` (articles.apps): the index follows a
    deleted group's notes into their authors' hands."""
    if kind == "group_deleted":
        index_unindexed_private_notes()
