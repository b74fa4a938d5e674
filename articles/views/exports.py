"""An article with the annotations the requester may see: W3C Web Annotation
JSON-LD, Markdown and a printable handout."""

import datetime
import json
import re
from collections import defaultdict

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..access import get_article_for
from ..models import Annotation, Article
from ..reading.annotations import highlight, load_threads

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
JSONLD_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


def _visible_annotations(user, article: Article) -> list[Annotation]:
    visible = (
        Annotation.objects.visible_to(user)
        .live()
        .of_article(article)
        .select_related("author", "group", "paragraph")
        .order_by("paragraph__position", "paragraph_id", "start", "created_at", "pk")
    )
    annotations = load_threads(list(visible), visible)
    for annotation in annotations:
        annotation.thread = [r for r in annotation.thread if not r.is_deleted]
    return annotations


def _paragraph_number(article: Article) -> dict[int, int]:
    """第N段: the 1-based place of each body paragraph, as printed handouts cite."""
    ids = article.paragraphs.filter(kind="body").values_list("pk", flat=True)
    return {pk: number for number, pk in enumerate(ids, start=1)}


def _when(moment) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _person(member) -> dict:
    return {
        # Members have no public page; a URN names them. Not built from the host
        # the export was requested under: the same member exported through two
        # host names must stay one creator.
        "id": f"urn:studyhub:member:{member.pk}",
        "type": "Person",
        "name": member.name,
        "nickname": member.name,
    }


def annotation_jsonld(request, annotation: Annotation) -> list[dict]:
    """One annotation and its replies, as W3C Web Annotations."""
    annotation_id = request.build_absolute_uri(annotation.get_absolute_url())
    paragraph = annotation.paragraph
    source = request.build_absolute_uri(paragraph.article.get_absolute_url())
    body = [
        {
            "type": "TextualBody",
            "value": annotation.note,
            "format": "text/plain",
            "language": "zh-Hans",
            "purpose": "commenting",
        },
        *(
            {"type": "TextualBody", "value": theme.name, "purpose": "tagging"}
            for theme in annotation.themes
        ),
    ]
    selectors = [
        {
            "type": "TextQuoteSelector",
            "exact": annotation.quote,
            "prefix": annotation.prefix,
            "suffix": annotation.suffix,
        }
    ]
    if annotation.detached:
        # The passage is gone from the text: its stored offsets would point at
        # other words. The quote as written stays; a describing body says why a
        # client finds no match.
        body.append(
            {
                "type": "TextualBody",
                "value": _("The original text was changed"),
                "format": "text/plain",
                "language": "zh-Hans",
                "purpose": "describing",
            }
        )
    else:
        selectors.append(
            {
                "type": "TextPositionSelector",
                "start": annotation.start,
                "end": annotation.end,
            }
        )
    items = [
        {
            "@context": ANNO_CONTEXT,
            "id": annotation_id,
            "type": "Annotation",
            "motivation": "commenting",
            "created": _when(annotation.created_at),
            "modified": _when(annotation.updated_at),
            "creator": _person(annotation.author),
            "body": body,
            "target": {
                # The paragraph is the document the offsets count in.
                "source": f"{source}#{paragraph.anchor}",
                "selector": selectors,
            },
        }
    ]
    for reply in annotation.thread:
        items.append(
            {
                "@context": ANNO_CONTEXT,
                "id": f"{annotation_id}#{reply.anchor}",
                "type": "Annotation",
                "motivation": "replying",
                "created": _when(reply.created_at),
                "modified": _when(reply.updated_at),
                "creator": _person(reply.author),
                "body": {
                    "type": "TextualBody",
                    "value": reply.text,
                    "format": "text/plain",
                    "language": "zh-Hans",
                },
                "target": annotation_id,
            }
        )
    return items


@require_GET
def article_annotations_jsonld(request, pk: int):
    article = get_article_for(request.user, pk)
    items = [
        item
        for annotation in _visible_annotations(request.user, article)
        for item in annotation_jsonld(request, annotation)
    ]
    collection = {
        "@context": ANNO_CONTEXT,
        "id": request.build_absolute_uri(),
        "type": "AnnotationCollection",
        "label": article.title,
        "total": len(items),
        "first": {
            "id": request.build_absolute_uri() + "#page1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }
    response = HttpResponse(
        json.dumps(collection, ensure_ascii=False, indent=2), content_type=JSONLD_TYPE
    )
    # A download: the file is for annotation tools, not to be read in the tab.
    response["Content-Disposition"] = (
        f'attachment; filename="article-{article.pk}-annotations.jsonld"'
    )
    return response


def _grouped(article: Article, annotations: list[Annotation]):
    """(paragraph, number, annotations) for every paragraph, in reading order."""
    by_paragraph = defaultdict(list)
    for annotation in annotations:
        by_paragraph[annotation.paragraph_id].append(annotation)
    numbers = _paragraph_number(article)
    return [
        (paragraph, numbers.get(paragraph.pk), by_paragraph.get(paragraph.pk, []))
        for paragraph in article.paragraphs.all()
    ]


# Markdown renderers pass raw HTML through, turn [x](javascript:…) into links and
# read *, _, `, # and list markers as formatting: user text is backslash-escaped
# (CommonMark allows it before any ASCII punctuation) wherever it could be read as
# markup, so it renders as the text that was typed. ``&`` too: "&amp;" typed by a
# member must not become "&".
_MD_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<#|~&"})
# At the start of a line: list items ("- ", "+ ", "1. ", "1) "), thematic breaks
# ("---", "==="), block quotes (">").
_MD_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")


def _md(text: str) -> str:
    return str(text).translate(_MD_ESCAPES)


def _md_line(line: str) -> str:
    escaped = _md(line)
    match = _MD_LINE_START.match(escaped)
    if match is None:
        return escaped
    lead, marker = match.groups()
    if marker.isdigit():  # "1." → "1\.", the number stays as typed
        rest = escaped[match.end() :]
        return f"{lead}{marker}\\{rest}"
    return f"{lead}\\{escaped[len(lead) :]}"


def _md_text(text: str) -> str:
    """A member's text as typed: each line escaped, line breaks kept (a trailing
    backslash is CommonMark's hard line break; blank lines stay paragraphs)."""
    lines = [_md_line(line) for line in str(text).splitlines() or [""]]
    out = []
    for line, following in zip(lines, [*lines[1:], None], strict=True):
        out.append(line + "\\" if line.strip() and following else line)
    return "\n".join(out)


def _quoted(text: str, marker: str = "> ") -> str:
    return "\n".join(marker + line for line in _md_text(text).splitlines() or [""])


def annotations_markdown(request, article: Article, annotations) -> str:
    """Markdown for a member's notes app: the article, then each annotated paragraph
    with the quote, the note, the themes and the replies. User text is kept as
    typed, escaped only where Markdown would read markup (``_md``); quotes and
    notes are block-quoted line by line so a line break in a note cannot end the
    block."""
    lines = [
        f"# {_md(article.title)}",
        "",
        " · ".join(_md(x) for x in [article.byline, article.source] if x),
        "",
        f"<{request.build_absolute_uri(article.get_absolute_url())}>",
        "",
        _("%(count)d annotations, exported %(when)s.")
        % {
            "count": len(annotations),
            "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        },
    ]
    for paragraph, number, notes in _grouped(article, annotations):
        if not notes:
            continue
        lines += [
            "",
            "## "
            + (_("Paragraph %(n)d") % {"n": number} if number else _md(paragraph.text)),
        ]
        for annotation in notes:
            audience = (
                _md(annotation.group.name)
                if annotation.group
                else _("Only me (private)")
            )
            lines += [
                "",
                _quoted(annotation.quote),
                "",
                f"**{_md(annotation.author.name)}** · {audience} · "
                f"{timezone.localtime(annotation.created_at):%Y-%m-%d %H:%M}",
                "",
                _md_text(annotation.note),
            ]
            if annotation.detached:
                lines += ["", _("(The original text was changed; quote as written.)")]
            if annotation.themes:
                lines += [
                    "",
                    _("Themes: ")
                    + " ".join(f"#{_md(t.name)}" for t in annotation.themes),
                ]
            for reply in annotation.thread:
                lines += [
                    "",
                    f"- **{_md(reply.author.name)}** "
                    f"({timezone.localtime(reply.created_at):%Y-%m-%d %H:%M})：",
                    _quoted(reply.text, "  "),
                ]
    return "\n".join(lines) + "\n"


@require_GET
def article_annotations_markdown(request, pk: int):
    article = get_article_for(request.user, pk)
    annotations = _visible_annotations(request.user, article)
    response = HttpResponse(
        annotations_markdown(request, article, annotations),
        content_type="text/markdown; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="article-{article.pk}-annotations.md"'
    )
    return response


@require_GET
def article_handout(request, pk: int):
    article = get_article_for(request.user, pk)
    annotations = _visible_annotations(request.user, article)
    # The viewer's private notes are printed marked as such, or left out when the
    # handout is for handing round (the checkbox on the page).
    without_private = request.GET.get("private") == "hide"
    if without_private:
        annotations = [a for a in annotations if a.group_id is not None]
    # Footnote numbers in reading order; the passages carry the same numbers.
    refs = {annotation.pk: number for number, annotation in enumerate(annotations, 1)}
    sections = _grouped(article, annotations)
    for paragraph, _number, notes in sections:
        paragraph.highlighted = highlight(
            paragraph.text, [a for a in notes if not a.detached], refs
        )
        for annotation in notes:
            annotation.ref = refs[annotation.pk]
    return render(
        request,
        "articles/handout.html",
        {
            "article": article,
            "sections": sections,
            "count": len(annotations),
            "themes": list(article.tags.all()),
            "printed_at": timezone.localtime(),
            "without_private": without_private,
        },
    )
