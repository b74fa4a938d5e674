"""Writes to the study-material library. Views, the admin and commands call these."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from ..importer import (
    ImportWarning,
    ParsedArticle,
    ParsedDocument,
    parse_document,
)
from ..models import Article, Paragraph
from ..reading import cache as read_models
from .search import index_article


@dataclass
class ImportResult:
    created: list[Article] = field(default_factory=list)
    # Titles of articles already in the library, left untouched.
    skipped: list[str] = field(default_factory=list)
    # (article title, warning) pairs the importing editor must see.
    warnings: list[tuple[str, ImportWarning]] = field(default_factory=list)
    encoding: str = ""


def import_document(
    data: bytes,
    filename: str,
    *,
    status: str = Article.Status.DRAFT,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Parse an uploaded document (any kind ``parse_document`` reads), store its
    articles, then index them.

    Raises ``articles.importer.ImportFailed`` (nothing written) when the file cannot be
    read. An article whose title and byline already exist is skipped, not duplicated
    and not overwritten: an editor may have corrected it since.

    The articles are written in one short transaction (``store_parsed_document``):
    a file imports whole or not at all. Indexing them (jieba, the slow part) follows
    article by article in transactions of its own, so a large file does not hold the
    database's write lock for a minute; ``on_progress(done, total)`` counts the
    paragraphs indexed.
    """
    result = store_parsed_document(parse_document(data, filename), status=status)
    index_imported(result.created, on_progress=on_progress)
    return result


@dataclass
class PreviewArticle:
    parsed: ParsedArticle
    # Already in the library (same title and byline): the import will skip it.
    exists: bool


def preview_document(parsed: ParsedDocument) -> list[PreviewArticle]:
    """What an import of ``parsed`` would write, for the editor to check first.
    Reads only."""
    return [
        PreviewArticle(
            parsed=article,
            exists=Article.objects.filter(
                title=article.title, byline=article.author
            ).exists(),
        )
        for article in parsed.articles
    ]


@transaction.atomic
def store_parsed_document(
    parsed: ParsedDocument,
    *,
    status: str = Article.Status.DRAFT,
    on_stored: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Write the articles of ``parsed`` (not yet indexed) in one transaction;
    ``on_stored(result)`` runs inside it, so what it records commits with them."""
    result = ImportResult(encoding=parsed.encoding)
    for parsed_article in parsed.articles:
        if Article.objects.filter(
            title=parsed_article.title, byline=parsed_article.author
        ).exists():
            result.skipped.append(parsed_article.title)
            continue
        article = _create_article(parsed_article, status)
        result.created.append(article)
        result.warnings.extend((article.title, w) for w in parsed_article.warnings)
    # Listed at once (home's new materials), before the indexing that follows.
    read_models.bump_articles([article.pk for article in result.created])
    if on_stored:
        on_stored(result)
    return result


def index_imported(
    articles: list[Article],
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Index freshly stored articles, one transaction each (search and keywords)."""
    total = sum(article.paragraphs.count() for article in articles)
    done = 0
    for article in articles:
        index_article(article)
        done += article.paragraphs.count()
        if on_progress:
            on_progress(done, total)


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
        (
            Paragraph(
                article=article,
                # Gaps of 10 let an editor insert a paragraph without renumbering.
                position=(index + 1) * 10,
                kind=paragraph.kind,
                text=paragraph.text,
                review_note="；".join(notes.get(index, []))[:500],
            )
            for index, paragraph in enumerate(parsed.paragraphs)
        ),
        # Bounded statements for articles of thousands of paragraphs.
        batch_size=500,
    )
    return article
