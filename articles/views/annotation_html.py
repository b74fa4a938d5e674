"""One annotation with its thread, as HTML, for the reader, theme and own pages.

Rendered in Python rather than as a template include because the reader shows every
visible annotation of an article: at a thousand annotations a Django template
include per item took about a second, this takes a few milliseconds. Every piece of
user text goes through ``escape``; the result is marked safe only as a whole.
"""

from html import escape as _escape

from django.utils.safestring import SafeString, mark_safe


def escape(value) -> str:
    # The standard library's escape, as Django's does it, without the lazy-string
    # wrapper that costs more than the escaping in this loop.
    return _escape(str(value))


def _text(value: str) -> str:
    """Plain text with its line breaks kept, escaped (the linebreaksbr filter)."""
    return escape(value).replace("\n", "<br>")


def _reply_html(reply, *, user_id, labels) -> str:
    if reply.is_deleted:
        return (
            f'<li class="thread__reply thread__reply--deleted" id="{reply.anchor}">'
            f'<p class="muted">{labels["reply_deleted"]}</p></li>'
        )
    actions = ""
    if reply.author_id == user_id:
        actions = (
            f' <a href="{reply.edit_url}">{labels["edit"]}</a>'
            f' <a href="{reply.delete_url}">{labels["delete"]}</a>'
        )
    return (
        f'<li class="thread__reply" id="{reply.anchor}">'
        f'<p class="note__meta"><strong>{escape(reply.author.name)}</strong> '
        f'<time datetime="{reply.created_iso}">{reply.created_label}</time>'
        f"{actions}</p>"
        f'<p class="thread__text">{_text(reply.text)}</p></li>'
    )


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
    classes = "note"
    if annotation.is_deleted:
        classes += " note--deleted"
    if annotation.detached:
        classes += " note--detached"
    parts = [f'<li class="{classes}" id="{annotation.anchor}">']
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
            f'<a class="note__link" href="{annotation.url}">{labels["link"]}</a></p>'
            f'<p class="note__text">{_text(annotation.note)}</p>'
        )
        if annotation.themes:
            tags = "".join(
                f'<li><a class="theme-tag" href="{escape(tag.url)}">'
                f"{escape(tag.name)}</a></li>"
                for tag in annotation.themes
            )
            parts.append(f'<ul class="tag-row">{tags}</ul>')
        if annotation.author_id == user_id:
            parts.append(
                f'<p class="note__actions"><a href="{annotation.edit_url}">'
                f'{labels["edit"]}</a> <a href="{annotation.delete_url}">'
                f"{labels['delete']}</a></p>"
            )
    if annotation.thread:
        replies = "".join(
            _reply_html(reply, user_id=user_id, labels=labels)
            for reply in annotation.thread
        )
        parts.append(
            f'<ol class="thread" aria-label="{labels["replies"]}">{replies}</ol>'
        )
    if reply_form and not annotation.is_deleted:
        pk = annotation.pk
        parts.append(
            f'<form method="post" action="{annotation.reply_url}" class="reply-form">'
            '<input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{escape(csrf_token)}">'
            f'<label class="visually-hidden" for="reply-{pk}">{labels["reply"]}</label>'
            f'<textarea id="reply-{pk}" name="text" rows="1" maxlength="2000" required '
            f'placeholder="{labels["write_reply"]}"></textarea>'
            f'<button type="submit" class="button">{labels["reply"]}</button></form>'
        )
    parts.append("</li>")
    return mark_safe("".join(parts))  # user text above is escaped piece by piece
