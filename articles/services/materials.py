"""Writes to the study-material library. Views, the admin and commands call these."""

from dataclasses import dataclass, field

from django.db import transaction

from ..importer import ImportWarning, ParsedArticle, parse_document
from ..models import Article, Paragraph
from .search import index_article


@dataclass
class ImportResult:
    created: list[Article] = field(default_factory=list)
    # Titles of articles already in the library, left untouched.
    skipped: list[str] = field(default_factory=list)
    # (article title, warning) pairs the importing editor must see.
    warnings: list[tuple[str, ImportWarning]] = field(default_factory=list)
    encoding: str = ""


@transaction.atomic
def import_document(
    data: bytes,
    filename: str,
    *,
    status: str = Article.Status.DRAFT,
) -> ImportResult:
    """Parse an uploaded document (``parse_document``) and store its articles in
    one transaction.

    Raises ``articles.importer.ImportFailed`` (nothing written) when the file cannot be
    read. An article whose title and byline already exist is skipped, not duplicated
    and not overwritten: an editor may have corrected it since.
    """
    parsed = parse_document(data, filename)
    result = ImportResult(encoding=parsed.encoding)
    for parsed_article in parsed.articles:
        if Article.objects.filter(
            title=parsed_article.title, byline=parsed_article.author
        ).exists():
            result.skipped.append(parsed_article.title)
            continue
        article = _create_article(parsed_article, status)
        index_article(article)
        result.created.append(article)
        result.warnings.extend((article.title, w) for w in parsed_article.warnings)
    return result


def _create_article(parsed: ParsedArticle, status: str) -> Article:
    article = Article.objects.create(
        title=parsed.title,
        byline=parsed.author,
        source=parsed.source,
        # Only a saved web page states its date; other files leave it to the editor.
        published_on=parsed.published_on,
        status=status,
    )
    notes: dict[int, list[str]] = {}
    for warning in parsed.warnings:
        notes.setdefault(warning.paragraph_index, []).append(str(warning.message))
    Paragraph.objects.bulk_create(
        Paragraph(
            article=article,
            # Gaps of 10 let an editor insert a paragraph without renumbering.
            position=(index + 1) * 10,
            kind=paragraph.kind,
            text=paragraph.text,
            review_note="；".join(notes.get(index, []))[:500],
        )
        for index, paragraph in enumerate(parsed.paragraphs)
    )
    return article
