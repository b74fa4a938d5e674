"""Document structure: header, articles (title, author, body), headings, paragraphs.

The pipeline is: bytes -> text lines (decode / docx / pdf / html) -> units
(``lines``: one per block of text, or per line when the file has no blank lines)
-> articles, recognised by
their author line -> per article: space repairs, rejoining paragraphs split by a
page break, punctuation repairs -> warnings for what could not be repaired.
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from . import limits, repair
from .decode import (
    ImportFailed,
    check_not_empty,
    check_size,
    decode_text,
    file_kind,
)
from .docx import read_docx_lines
from .lines import (
    PUNCTUATION,
    Unit,
    check_text_limits,
    docx_unit,
    is_author,
    is_heading,
    is_title,
    units_from_text,
)

# A heading wrapped onto a second block leaves a short tail without punctuation.
HEADING_TAIL_MAX_CHARS = 12
# A body paragraph this short is taken for a piece of a sentence that lost its
# place, when the article also has a paragraph ending mid-sentence.
FRAGMENT_MAX_CHARS = 15
# A short opening sentence without commas ("在成效上以群众满意度为标尺。") is how
# sibling paragraphs of this genre begin; a page-break tail ("作风。") is shorter.
LEAD_SENTENCE = re.compile(r"^[^，,、；;：:。！？!?]{6,30}[。！？!?]")
EXCERPT_CHARS = 8
# Nobody reads past a few dozen warnings; a pathological file would make thousands.
MAX_WARNINGS = 30
# Places a misplaced fragment may belong to, named in its warning.
MAX_PLACES = 3
# Spaces between two Han characters per Han character, above which the spaces are
# line wraps of an extraction (the seed has one in 25) and are repaired; below it
# they were typed on purpose (“牢记嘱托 善作善成”) and are kept.
WRAP_SPACE_SHARE = 1 / 200
HAN = re.compile(r"[\u3400-\u9fff]")
WRAP_SPACE = re.compile(
    r"(?<=[\u3400-\u9fff\uff0c\u3002\u3001\uff1b\uff1a“”]) +(?=[\u3400-\u9fff“”])"
)


@dataclass(frozen=True)
class ImportWarning:
    code: str
    message: str
    paragraph_index: int


@dataclass
class ParsedParagraph:
    kind: str
    text: str


@dataclass
class ParsedArticle:
    title: str
    author: str
    source: str
    paragraphs: list[ParsedParagraph]
    warnings: list[ImportWarning]
    # From the page itself (a saved web page's date); None when it gives none.
    published_on: date | None = None


@dataclass
class ParsedDocument:
    articles: list[ParsedArticle]
    encoding: str


@dataclass
class Piece:
    """A paragraph under construction: its unit's text after space repair."""

    kind: str
    text: str
    indented: bool = False


def parse_document(data: bytes, filename: str) -> ParsedDocument:
    """Parse an uploaded file (.txt, .docx, .pdf, .html, .mhtml); raise ImportFailed.

    Every format is read into the same units, so the structure parser, the repairs
    and the warnings are the same whatever the file was.
    """
    kind = file_kind(filename)
    check_size(data)
    check_not_empty(data)
    title = published_on = None
    if kind == "docx":
        units = [docx_unit(line.text, line.style) for line in read_docx_lines(data)]
        encoding = "docx"
    elif kind == "pdf":
        from .pdf import read_pdf_units  # pdfminer is only loaded for PDFs

        units, encoding = read_pdf_units(data), "pdf"
    elif kind in ("html", "mhtml"):
        from .html import read_page

        page = read_page(data, mhtml=kind == "mhtml")
        units, encoding = page.units, page.encoding
        title, published_on = page.title, page.published_on
    else:
        text, encoding = decode_text(data)
        units = units_from_text(check_text_limits(text))
    return document_from_units(units, encoding, title=title, published_on=published_on)


def parse_text(text: str) -> ParsedDocument:
    """Parse text pasted into a form, exactly as the same text in a .txt file."""
    if not text.strip():
        raise ImportFailed("empty", _("The file is empty."))
    return document_from_units(units_from_text(check_text_limits(text)), "text")


def document_from_units(
    units: list[Unit],
    encoding: str,
    *,
    title: str | None = None,
    published_on: date | None = None,
) -> ParsedDocument:
    """Articles from units; ``title`` is the page's own title (HTML), used when the
    text does not open with it."""
    limits.check("units", len(units))
    # Each reader counts as it goes; this catches what any of them let through.
    limits.check("characters", sum(len(unit.text) for unit in units))
    for unit in units:
        unit.text = repair.normalize_characters(unit.text)
    units = [unit for unit in units if unit.text.strip()]
    if not units:
        raise ImportFailed("empty", _("The file is empty."))
    if title:
        title = repair.normalize_characters(title)
        if repair.plain(title) != repair.plain(units[0].text):
            units.insert(0, Unit(text=title))
    articles = build_articles(units)
    if not articles:
        raise ImportFailed(
            "no_article",
            _(
                "No article was found. Each article should start with its title on "
                "a line of its own, followed by the name of the study group that "
                "wrote it."
            ),
        )
    # A title and a byline without any text would be stored as an empty article.
    empty = next((article for article in articles if not article.paragraphs), None)
    if empty is not None:
        raise ImportFailed(
            "empty_article",
            _("The article “%(title)s” has a title but no text.")
            % {"title": empty.title},
        )
    for article in articles:
        article.published_on = published_on
    return ParsedDocument(articles=articles, encoding=encoding)


# --- units to articles ----------------------------------------------------------


def build_articles(units: list[Unit]) -> list[ParsedArticle]:
    starts = _article_starts(units)
    if not starts:
        return []
    source = " ".join(_clean_line(unit.text) for unit in units[: starts[0]])
    wrap_spaces = _has_wrap_spaces(units)
    articles = []
    for start, end in zip(starts, [*starts[1:], len(units)], strict=True):
        has_author = start + 1 < end and is_author(units[start + 1].text)
        body = units[start + (2 if has_author else 1) : end]
        author = units[start + 1].text if has_author else ""
        articles.append(_build_article(units[start], author, source, body, wrap_spaces))
    return articles


def _has_wrap_spaces(units: list[Unit]) -> bool:
    """Did an extraction leave line wraps as spaces inside the Chinese text?"""
    text = "\n".join(unit.text for unit in units)
    han = len(text) - len(HAN.sub("", text))  # counted in C: 5 MB in milliseconds
    return len(WRAP_SPACE.findall(text)) > WRAP_SPACE_SHARE * han


def _article_starts(units: list[Unit]) -> list[int]:
    """Indexes of title units: the unit before an author line, or a docx Title.

    Without either, a document whose first unit looks like a title is one article.
    """
    starts: list[int] = []
    for i, unit in enumerate(units):
        before_author = i + 1 < len(units) and is_author(units[i + 1].text)
        is_start = (before_author or unit.style == "title") and is_title(unit.text)
        # A title directly after a title would leave the first article empty.
        if is_start and (not starts or i > starts[-1] + 1):
            starts.append(i)
    if not starts and len(units) > 1 and is_title(units[0].text):
        starts.append(0)
    return starts


def _clean_line(text: str) -> str:
    return repair.fix_punctuation(repair.remove_wrap_spaces(text))[0]


def _build_article(
    title: Unit, author: str, source: str, body: list[Unit], wrap_spaces: bool
) -> ParsedArticle:
    pieces = [_piece(unit, wrap_spaces) for unit in body]
    pieces = _join_page_breaks(_join_heading_tails(pieces))
    paragraphs = []
    unbalanced: set[int] = set()
    for index, piece in enumerate(pieces):
        text, balanced = repair.fix_punctuation(piece.text)
        paragraphs.append(ParsedParagraph(kind=piece.kind, text=text))
        if not balanced:
            unbalanced.add(index)
    title_text = repair.fix_punctuation(repair.collapse_title_spaces(title.text))[0]
    return ParsedArticle(
        title=title_text,
        author=repair.fix_punctuation(repair.plain(author))[0],
        source=source,
        paragraphs=paragraphs,
        warnings=_warnings(paragraphs, unbalanced),
    )


def _piece(unit: Unit, wrap_spaces: bool) -> Piece:
    heading = unit.style == "heading" or is_heading(unit.text)
    if wrap_spaces:
        text = repair.remove_wrap_spaces(unit.text)
    else:
        text = re.sub(" {2,}", " ", unit.text.strip())
    return Piece(
        kind="heading" if heading else "body",
        text=text,
        indented=unit.indented,
    )


# --- rejoining what a page break split --------------------------------------------


def _join_heading_tails(pieces: list[Piece]) -> list[Piece]:
    """A heading wrapped onto its own block ("…满足人民精神" + "文化需求")."""
    out: list[Piece] = []
    for piece in pieces:
        prev = out[-1] if out else None
        if prev and prev.kind == "heading" and _is_heading_tail(piece):
            prev.text = repair.join_pieces(prev.text, piece.text)
        else:
            out.append(piece)
    return out


def _is_heading_tail(piece: Piece) -> bool:
    return (
        piece.kind == "body"
        and not piece.indented
        and len(piece.text) <= HEADING_TAIL_MAX_CHARS
        and not PUNCTUATION.search(piece.text)
    )


def _join_page_breaks(pieces: list[Piece]) -> list[Piece]:
    """Join a body block to the previous one when a page break split a paragraph.

    Join when the previous block lacks sentence-final punctuation and the next
    block does not look like the start of a paragraph. Where text was lost across
    the page the next block is a real paragraph start, so it stays apart and the
    unfinished paragraph is reported instead.
    """
    starts = _Starts(
        piece
        for i, piece in enumerate(pieces)
        if piece.kind == "body"
        and (i == 0 or pieces[i - 1].kind == "heading" or _ends(pieces[i - 1]))
    )
    out: list[Piece] = []
    for piece in pieces:
        prev = out[-1] if out else None
        if prev and _continues(prev, piece, starts):
            prev.text = repair.join_pieces(prev.text, piece.text)
        else:
            out.append(piece)
    return out


class _Starts:
    """The article's certain paragraph starts, counted by how they open, so a
    block can be compared with its siblings in constant time."""

    def __init__(self, pieces) -> None:
        self.ids: set[int] = set()
        self.openings: Counter[str] = Counter()
        self.leads = 0
        for piece in pieces:
            self.ids.add(id(piece))
            self.openings[_opening(piece.text)] += 1
            self.leads += _has_lead(piece.text)

    def looks_like(self, piece: Piece) -> bool:
        """Does the block begin the way sibling paragraphs of this article begin?

        Siblings share their opening words (不断提高… / 不断强化… / 不断深化…) or
        all open with a short lead sentence (在思想上…。 / 在成效上…。).
        """
        own = id(piece) in self.ids
        opening = _opening(piece.text)
        if opening and self.openings[opening] - own > 0:
            return True
        lead = _has_lead(piece.text)
        return lead and self.leads - (own and lead) > 0


def _opening(text: str) -> str:
    opening = text[:2]
    if len(opening) == 2 and all(repair.is_cjk(ch) for ch in opening):
        return opening
    return ""


def _has_lead(text: str) -> bool:
    return bool(LEAD_SENTENCE.match(text))


def _ends(piece: Piece) -> bool:
    return repair.ends_sentence(piece.text)


def _continues(prev: Piece, piece: Piece, starts: _Starts) -> bool:
    if prev.kind != "body" or piece.kind != "body" or _ends(prev):
        return False
    # A quotation opened at the end of one block and closed in the next one
    # ("…、“两" + "企三新”、…") is the strongest sign of a split.
    if _quote_open(prev.text) and _quote_open(piece.text):
        return True
    return not (piece.indented or starts.looks_like(piece))


def _quote_open(text: str) -> bool:
    return text.count('"') % 2 == 1 or text.count("“") != text.count("”")


# --- what could not be repaired -----------------------------------------------


def _warnings(
    paragraphs: list[ParsedParagraph], unbalanced: set[int]
) -> list[ImportWarning]:
    unfinished = [
        i
        for i, p in enumerate(paragraphs)
        if p.kind == "body"
        and not repair.ends_sentence(p.text)
        and len(p.text) > FRAGMENT_MAX_CHARS
    ]
    unfinished_set = set(unfinished)
    warnings = []
    for index, paragraph in enumerate(paragraphs):
        if len(warnings) >= MAX_WARNINGS:
            break
        number = index + 1
        short = len(paragraph.text) <= FRAGMENT_MAX_CHARS
        if paragraph.kind != "body":
            pass
        # A piece of a sentence that lost its place always leaves a paragraph
        # ending mid-sentence behind; without one, a short paragraph is just short.
        elif short and unfinished:
            warnings.append(_fragment_warning(index, paragraphs, unfinished))
        elif index in unfinished_set or not repair.ends_sentence(paragraph.text):
            message = _(
                "Paragraph %(number)s ends in the middle of a sentence "
                "(“…%(tail)s”); text was probably lost in the original file."
            ) % {"number": number, "tail": _tail(paragraph.text)}
            warnings.append(ImportWarning("ends_mid_sentence", message, index))
        if index in unbalanced:
            message = _(
                "Paragraph %(number)s (“%(excerpt)s”) has a quotation mark "
                "without its partner; please check the quotation marks."
            ) % {"number": number, "excerpt": _excerpt(paragraph.text)}
            warnings.append(ImportWarning("unbalanced_quotes", message, index))
    return warnings[:MAX_WARNINGS]


def _fragment_warning(
    index: int, paragraphs: list[ParsedParagraph], unfinished: list[int]
) -> ImportWarning:
    """Keep the fragment where it stands, and name the unfinished paragraphs it
    may complete: without word segmentation we cannot tell which one it is."""
    places = _(" or ").join(
        _("paragraph %(number)s (ending “…%(tail)s”)")
        % {"number": i + 1, "tail": _tail(paragraphs[i].text)}
        for i in unfinished[:MAX_PLACES]
    )
    message = _(
        "Paragraph %(number)s (“%(excerpt)s”) is a fragment that stands outside any "
        "sentence; it was kept where it is. It probably belongs after %(places)s."
    ) % {
        "number": index + 1,
        "excerpt": _excerpt(paragraphs[index].text),
        "places": places,
    }
    return ImportWarning("fragment", message, index)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


def _tail(text: str) -> str:
    return text[-EXCERPT_CHARS:]
