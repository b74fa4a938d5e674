"""Annotations as HTML: highlights in the paragraph text, and the items with their
threads.

Items are rendered in Python rather than as a template include because the reader
shows every visible annotation of an article: at a thousand annotations a Django
template include per item took about a second, this takes a fraction of that. Every
piece of user text goes through ``escape``; results are marked safe only as a whole.
"""

from collections import defaultdict
from html import escape as _escape

from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..models import Annotation

# Where the reply form's CSRF token goes in a cached item (per request, per viewer).
CSRF_SLOT = "<csrf-token>"
# Around a piece only its owner sees, in a cached fragment (reading/fragments.py
# cuts it per request): comments, which escaped user text cannot contain.
OWNED_OPEN = "<!--owned:{}-->"
OWNED_CLOSE = "<!--/owned-->"


def render_items(
    request,
    annotations,
    *,
    show_article: bool = False,
    reply_form: bool = True,
    for_fragment: bool = False,
) -> None:
    """Set ``html`` (the item with its thread) on annotations from load_threads.

    ``for_fragment``: for a cached fragment shared by several viewers, the owner's
    edit links are marked (``OWNED_OPEN``) instead of decided for this viewer, and
    ``fragments.fill`` cuts them per request; no reply form (its token is per
    request)."""
    labels = {key: escape(value) for key, value in annotation_labels().items()}
    if for_fragment:
        for annotation in annotations:
            segments = annotation_segments(
                annotation, labels=labels, show_article=show_article, reply_form=False
            )
            # Built from escaped pieces (annotation_segments).
            annotation.html = mark_safe(marked_for_owners(segments))
        return
    token = get_token(request) if reply_form else ""
    for annotation in annotations:
        annotation.html = annotation_html(
            annotation,
            user_id=request.user.pk,
            labels=labels,
            csrf_token=token,
            show_article=show_article,
            reply_form=reply_form,
        )


def items_html(annotations) -> SafeString:
    """The items of ``annotations`` (``html`` set by render_items) as one string:
    a template loop over a thousand items costs more than the join."""
    return mark_safe("".join(a.html for a in annotations))  # each item is safe


def annotation_labels() -> dict[str, str]:
    """The words of an annotation item, translated once per page, not per item."""
    return {
        "deleted": _("This annotation was deleted; the replies stay readable."),
        "changed": _("The original text was changed"),
        "changed_help": _("The quote above is as it was when the note was written."),
        "private": _("Private"),
        "edited": _("(edited)"),
        "link": _("Link"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "replies": _("Replies"),
        "reply_deleted": _("This reply was deleted."),
        "reply": _("Reply"),
        "write_reply": _("Write a reply…"),
        "reply_count": _("%(count)s replies"),
    }


def highlight(
    text: str,
    annotations: list[Annotation],
    refs: dict[int, int] | None = None,
    search_spans: list[tuple[int, int]] = (),
) -> SafeString:
    """The paragraph text, escaped, with <mark> around annotated passages.

    Overlapping annotations split the text into segments; each segment's mark points
    to the innermost annotation (the one that started last) and says how many cover
    it. A sweep over start/end points keeps this linear in the number of annotations.
    With ``refs`` (annotation pk → number), a superscript number follows the end of
    each passage, as footnotes in a printed handout. ``search_spans`` (from a search
    result link) are marked as search hits inside or outside the annotation marks.
    """
    starts: dict[int, list[Annotation]] = defaultdict(list)
    ends: dict[int, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        starts[annotation.start].append(annotation)
        ends[annotation.end].append(annotation)
    hit_points = {point for span in search_spans for point in span}
    points = sorted({0, len(text), *starts, *ends, *hit_points})
    active: dict[int, Annotation] = {}
    parts: list[str] = []
    for here, following in zip(points, points[1:], strict=False):
        for annotation in ends.get(here, ()):
            active.pop(annotation.pk, None)
        for annotation in starts.get(here, ()):
            active[annotation.pk] = annotation
        segment = escape(text[here:following])
        if any(start <= here and following <= end for start, end in search_spans):
            segment = f'<mark class="search-hit">{segment}</mark>'
        if not active:
            parts.append(segment)
            continue
        top = active[next(reversed(active))]
        kind = "private" if top.is_private else "group"
        parts.append(
            f'<mark class="hl hl--{kind} hl--depth{min(len(active), 3)}" '
            f'data-annotation="{top.pk}">{segment}</mark>'
        )
        if refs:
            numbers = sorted(
                refs[a.pk] for a in ends.get(following, ()) if a.pk in refs
            )
            if numbers:
                parts.append(
                    f'<sup class="ref">{",".join(str(n) for n in numbers)}</sup>'
                )
    return mark_safe("".join(parts))  # every piece of text above is escaped


def _text(value: str) -> str:
    """Plain text with its line breaks kept, escaped (the linebreaksbr filter)."""
    return escape(value).replace("\n", "<br>")


def _reply_segments(reply, *, labels) -> list:
    if reply.is_deleted:
        return [
            f'<li class="thread__reply thread__reply--deleted" id="{reply.anchor}">'
            f'<p class="muted">{labels["reply_deleted"]}</p></li>'
        ]
    return [
        f'<li class="thread__reply" id="{reply.anchor}">'
        f'<p class="note__meta"><strong>{escape(reply.author.name)}</strong> '
        f'<time datetime="{reply.created_iso}">{reply.created_label}</time>',
        (
            reply.author_id,
            f' <a href="{reply.edit_url}">{labels["edit"]}</a>'
            f' <a href="{reply.delete_url}">{labels["delete"]}</a>',
        ),
        f'</p><p class="thread__text">{_text(reply.text)}</p></li>',
    ]


def _reply_count(annotation, labels) -> str:
    # Shown on a folded margin card, which hides the thread itself.
    if not annotation.thread:
        return ""
    count = labels["reply_count"].replace("%(count)s", str(len(annotation.thread)))
    return f' <span class="note__replies">{count}</span>'


def annotation_html(
    annotation,
    *,
    user_id: int,
    labels: dict[str, str],
    csrf_token: str = "",
    show_article: bool = False,
    reply_form: bool = True,
) -> SafeString:
    """The item for an annotation prepared by ``load_threads`` (themes, thread,
    URLs, dates); ``labels`` are ``annotation_labels()``, already escaped."""
    segments = annotation_segments(
        annotation, labels=labels, show_article=show_article, reply_form=reply_form
    )
    return mark_safe(fill_csrf(for_viewer(segments, user_id), csrf_token))


def for_viewer(segments, user_id) -> str:
    """An item's HTML as ``user_id`` sees it: the parts owned by someone (their
    edit and delete links) only for that person."""
    return "".join(
        part if part.__class__ is str else (part[1] if part[0] == user_id else "")
        for part in segments
    )


def marked_for_owners(segments) -> str:
    """An item's HTML for every viewer at once: the owned parts between markers."""
    return "".join(
        part
        if part.__class__ is str
        else OWNED_OPEN.format(int(part[0])) + part[1] + OWNED_CLOSE
        for part in segments
    )


def fill_csrf(html: str, csrf_token: str) -> str:
    # The slot cannot occur in user text: every "<" of it is escaped.
    return html.replace(CSRF_SLOT, escape(csrf_token))


def compact(segments) -> tuple:
    """Adjacent plain strings joined: fewer pieces to join for each viewer."""
    out: list = []
    for part in segments:
        if part.__class__ is str and out and out[-1].__class__ is str:
            out[-1] += part
        else:
            out.append(part)
    return tuple(out)


def annotation_segments(
    annotation,
    *,
    labels: dict[str, str],
    show_article: bool = False,
    reply_form: bool = True,
) -> tuple:
    """The item as the same for every viewer, except for ``(owner_id, html)``
    pieces shown only to their owner and the ``CSRF_SLOT`` of the reply form: a
    group's layer is cached once and filled in per request."""
    classes = "note"
    if annotation.is_deleted:
        classes += " note--deleted"
    if annotation.detached:
        classes += " note--detached"
    parts = [
        f'<li class="{classes}" id="{annotation.anchor}" '
        f'data-annotation="{annotation.pk}">'
    ]
    if annotation.is_deleted:
        parts.append(f'<p class="note__deleted">{labels["deleted"]}</p>')
    else:
        if show_article:
            title = escape(annotation.paragraph.article.title)
            parts.append(
                f'<p class="note__article"><a href="{annotation.url}">{title}</a></p>'
            )
        parts.append(
            f'<blockquote class="note__quote">{escape(annotation.quote)}</blockquote>'
        )
        if annotation.detached:
            parts.append(
                f'<p class="note__detached"><span class="badge badge--warn">'
                f"{labels['changed']}</span> {labels['changed_help']}</p>"
            )
        if annotation.group_id:
            group = escape(annotation.group.name)
            audience = f'<span class="badge badge--group">{group}</span>'
        else:
            audience = f'<span class="badge badge--private">{labels["private"]}</span>'
        edited = (
            f' <span class="muted">{labels["edited"]}</span>'
            if annotation.edited
            else ""
        )
        parts.append(
            f'<p class="note__meta"><strong class="note__author">'
            f"{escape(annotation.author.name)}</strong> {audience} "
            f'<time datetime="{annotation.created_iso}">'
            f"{annotation.created_label}</time>{edited} "
            f'<a class="note__link" href="{annotation.url}">{labels["link"]}</a>'
            f"{_reply_count(annotation, labels)}</p>"
            f'<p class="note__text">{_text(annotation.note)}</p>'
        )
        if annotation.themes:
            tags = "".join(
                f'<li><a class="theme-tag" href="{escape(tag.url)}">'
                f"{escape(tag.name)}</a></li>"
                for tag in annotation.themes
            )
            parts.append(f'<ul class="tag-row">{tags}</ul>')
        parts.append(
            (
                annotation.author_id,
                f'<p class="note__actions"><a href="{annotation.edit_url}">'
                f'{labels["edit"]}</a> <a href="{annotation.delete_url}">'
                f"{labels['delete']}</a></p>",
            )
        )
    if annotation.thread:
        parts.append(f'<ol class="thread" aria-label="{labels["replies"]}">')
        for reply in annotation.thread:
            parts += _reply_segments(reply, labels=labels)
        parts.append("</ol>")
    if reply_form and not annotation.is_deleted:
        # Inside <noscript>: without JavaScript the form is there as it is; with it,
        # the form is text that annotate.js makes a form when the thread opens.
        # Chromium scans every live form at DOMContentLoaded: a thousand reply
        # forms cost a one-second task before the load event.
        pk = annotation.pk
        parts.append(
            '<noscript class="reply-later">'
            f'<form method="post" action="{annotation.reply_url}" class="reply-form">'
            '<input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{CSRF_SLOT}">'
            f'<label class="visually-hidden" for="reply-{pk}">{labels["reply"]}</label>'
            f'<textarea id="reply-{pk}" name="text" rows="1" maxlength="2000" required '
            f'placeholder="{labels["write_reply"]}"></textarea>'
            f'<button type="submit" class="button">{labels["reply"]}</button></form>'
            "</noscript>"
        )
    parts.append("</li>")
    return compact(parts)  # user text above is escaped piece by piece


def escape(value) -> str:
    # The standard library's escape, as Django's does it, without the lazy-string
    # wrapper that costs more than the escaping in these loops.
    return _escape(str(value))
