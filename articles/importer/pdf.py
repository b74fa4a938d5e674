"""PDF files to units: columns read in order, running heads dropped, paragraphs
rebuilt from the lines' geometry.

pdfminer.six reads the file in a child process (``pdf_extract``, under a memory
limit and a timeout); this module turns its lines into the units the text path
produces, so the structure parser, the repairs and the warnings are the same. A PDF
whose text cannot be extracted faithfully (a scan, glyphs without a character map)
is refused with what to do instead, never imported as garbage.
"""

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from django.utils.translation import gettext as _

from . import limits, repair
from .decode import ImportFailed
from .lines import Unit, is_author, is_heading

EXTRACT_SCRIPT = Path(__file__).with_name("pdf_extract.py")
# The child's budget: the answer must come within 10 s for any upload. It is
# counted in CPU seconds (RLIMIT_CPU), so a busy machine slows a file down
# without refusing it; the wall-clock timeout only catches a child that hangs.
EXTRACT_SECONDS = 8
EXTRACT_WALL_SECONDS = 60
EXTRACT_MEMORY = 160 * 1024 * 1024
# Running heads and page numbers live in the top and bottom tenth of a page.
MARGIN_SHARE = 0.1
PAGE_NUMBER = re.compile(
    r"^[-—–－·\s]*(?:第\s*)?[0-9]+\s*页?(?:\s*[/／共]\s*[0-9]+\s*页?)?[-—–－·\s]*$"
)
# A scan: pages with images and (almost) no text of their own.
SCAN_CHARS_PER_PAGE = 20
# Lines running over a gutter (titles across the columns), at most this share of
# the lines that end before it and start after it.
GUTTER_CROSSING = 0.15


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    left: float = 0.0  # the left and right edges of the column the line is in
    right: float = 0.0
    column: int = 0  # -1 for a line across the columns


def read_pdf_units(data: bytes) -> list[Unit]:
    """Raise ImportFailed for a PDF that cannot be read faithfully."""
    pages = _extract(data)
    chars = sum(len(line[0]) for page in pages for line in page["lines"])
    images = sum(page["images"] for page in pages)
    if chars < SCAN_CHARS_PER_PAGE * len(pages) and images:
        raise _scan()
    if not chars:
        raise ImportFailed(
            "pdf_no_text",
            _(
                "The PDF contains no text. Please ask the sender for the Word file, "
                "or run the PDF through text recognition (OCR) first."
            ),
        )
    body_size = _body_size(pages)
    heads = _running_heads(pages)
    lines: list[Line] = []
    for page in pages:
        page_lines = [
            Line(*raw)
            for raw in page["lines"]
            if not _is_running_head(raw, page["height"], heads)
        ]
        lines.extend(_reading_order(page_lines, body_size))
    return _units(lines, body_size)


def _extract(data: bytes) -> list[dict]:
    command = [
        sys.executable,
        "-I",  # isolated: no environment, no user site, no script folder on the path
        str(EXTRACT_SCRIPT),
        str(limits.MAX_PDF_PAGES),
        str(limits.MAX_CHARACTERS),
        str(EXTRACT_MEMORY),
        str(EXTRACT_SECONDS),
    ]
    try:
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=EXTRACT_WALL_SECONDS
        )
        result = json.loads(done.stdout or b"{}")
    except subprocess.TimeoutExpired as exc:
        raise _too_complex() from exc
    except ValueError as exc:
        raise _corrupt() from exc
    error = result.get("error")
    if error == "unmapped":
        raise ImportFailed(
            "pdf_unmapped",
            _(
                "The text of this PDF cannot be extracted faithfully: its fonts do "
                "not say which characters they draw, so the import would be "
                "garbage. Please ask the sender for the Word file, or run the PDF "
                "through text recognition (OCR) first."
            ),
        )
    if error == "encrypted":
        raise ImportFailed(
            "pdf_encrypted",
            _(
                "The PDF is protected by a password. Please remove the protection, "
                "or ask the sender for the Word file."
            ),
        )
    if error == "too_many_pages":
        limits.check("pages", limits.MAX_PDF_PAGES + 1)
    if error == "too_many_characters":
        limits.check("characters", limits.MAX_CHARACTERS + 1)
    if error == "memory" or (done.returncode and "pages" not in result):
        raise _too_complex()
    if error or "pages" not in result:
        raise _corrupt()
    return result["pages"]


# --- what is not text: running heads, page numbers ----------------------------------


def _margin_texts(page: dict) -> set[str]:
    height = page["height"]
    return {
        _head_key(raw[0])
        for raw in page["lines"]
        if raw[3] < height * MARGIN_SHARE or raw[4] > height * (1 - MARGIN_SHARE)
    }


def _head_key(text: str) -> str:
    """A running head with its page number: "学习参考·第3页" and "…第4页" match."""
    return re.sub(r"[0-9]+", "#", repair.plain(text))


def _running_heads(pages: list[dict]) -> set[str]:
    """Texts in the margins of at least two pages (and a third of them)."""
    counts = Counter(key for page in pages for key in _margin_texts(page))
    needed = max(2, len(pages) // 3)
    return {key for key, count in counts.items() if count >= needed}


def _is_running_head(raw: list, height: float, heads: set[str]) -> bool:
    in_margin = raw[3] < height * MARGIN_SHARE or raw[4] > height * (1 - MARGIN_SHARE)
    if not in_margin:
        return False
    return bool(PAGE_NUMBER.match(raw[0])) or _head_key(raw[0]) in heads


# --- columns ------------------------------------------------------------------------


def _body_size(pages: list[dict]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for raw in page["lines"]:
            sizes[round(raw[5], 1)] += len(raw[0])
    return sizes.most_common(1)[0][0]


def _gutters(lines: list[Line], size: float) -> list[float]:
    """x positions of the gutters between columns.

    A gutter lies between a place where several lines end and one, a little to
    its right, where several lines start, with (almost) no line running over the
    gap. Counting lines on both sides, not coverage, finds the gutter even when
    the second column holds only the few last lines of an article.
    """
    body = [line for line in lines if len(line.text) >= 4]
    # A column may hold a single short line: the end of an article.
    starts = Counter(round(line.x0) for line in lines if len(line.text) >= 2)
    gutters: list[float] = []
    for start, count in sorted(starts.items()):
        if gutters and start - gutters[-1] < 4 * size:
            continue
        ending = [
            line.x1
            for line in body
            if start - 4 * size <= line.x1 <= start - 0.8 * size
        ]
        crossing = sum(
            1 for line in body if line.x0 < start - 0.8 * size and line.x1 > start
        )
        if len(ending) >= 3 and crossing <= GUTTER_CROSSING * (count + len(ending)):
            gutters.append((max(ending) + start) / 2)
    return gutters


def _reading_order(lines: list[Line], size: float) -> list[Line]:
    """Lines in reading order: a line across the columns (a title) ends a band;
    within a band each column is read top to bottom before the next one."""
    if not lines:
        return []
    gutters = _gutters(lines, size)
    page_left = min(line.x0 for line in lines)
    page_right = max(line.x1 for line in lines)
    edges = [page_left, *gutters, page_right]
    for line in lines:
        crossing = any(
            line.x0 < g - size / 2 and line.x1 > g + size / 2 for g in gutters
        )
        if crossing:
            line.column = -1
        else:
            middle = (line.x0 + line.x1) / 2
            line.column = sum(1 for g in gutters if middle > g)
    _column_edges(lines, edges)
    ordered: list[Line] = []
    band: list[Line] = []
    for line in sorted(lines, key=lambda item: (item.top, item.x0)):
        if line.column == -1:
            ordered.extend(sorted(band, key=lambda item: (item.column, item.top)))
            band = []
            ordered.append(line)
        else:
            band.append(line)
    ordered.extend(sorted(band, key=lambda item: (item.column, item.top, item.x0)))
    return ordered


def _column_edges(lines: list[Line], edges: list[float]) -> None:
    """Each column's left edge is where most of its lines start (indented and
    centred lines start further right); its right edge is its widest line's end."""
    for column in {line.column for line in lines}:
        members = [line for line in lines if line.column == column]
        if column == -1:
            left, right = edges[0], edges[-1]
        else:
            starts = Counter(round(line.x0) for line in members)
            left = min(x for x, n in starts.items() if n == max(starts.values()))
            right = max(line.x1 for line in members)
        for line in members:
            line.left, line.right = left, right


# --- lines to paragraphs -------------------------------------------------------------


def _units(lines: list[Line], body_size: float) -> list[Unit]:
    units: list[Unit] = []
    previous: Line | None = None
    # Line pitch in font sizes, so a title's wide leading is not a paragraph gap.
    pitches = [
        (b.top - a.top) / a.size
        for a, b in zip(lines, lines[1:], strict=False)
        if a.column == b.column and 0 < b.top - a.top < 3 * a.size
    ]
    pitch = median(pitches) if pitches else 0.0
    for line in lines:
        text = repair.normalize_spaces(line.text).strip()
        if not text:
            continue
        indented = line.x0 - line.left > line.size
        if previous is not None and _continues_title(previous, line, body_size, pitch):
            units[-1].text = repair.join_pieces(units[-1].text, text)
        elif previous is None or _starts_paragraph(previous, line, indented, pitch):
            units.append(Unit(text=text, indented=indented))
        else:
            units[-1].text = repair.join_pieces(units[-1].text, text)
        previous = line
    return units


def _continues_title(
    previous: Line, line: Line, body_size: float, pitch: float
) -> bool:
    """The second line of a centred title in a large font, under a first line
    that filled the width: indented like a new paragraph, but it is not one."""
    left_gap, right_gap = line.x0 - line.left, line.right - line.x1
    centred = left_gap > line.size and abs(left_gap - right_gap) < line.size
    filled = (
        previous.x0 - previous.left < previous.size
        or abs((previous.x0 - previous.left) - (previous.right - previous.x1))
        < previous.size
    ) and previous.right - previous.x1 < 2 * previous.size
    step = (line.top - previous.top) / previous.size
    return (
        centred
        and filled
        and line.size > 1.1 * body_size
        and abs(previous.size - line.size) <= 0.15 * line.size
        and previous.column == line.column
        and 0 < step <= 1.6 * (pitch or step)
        and not is_author(line.text)
        and not is_heading(line.text)
    )


def _starts_paragraph(previous: Line, line: Line, indented: bool, pitch: float) -> bool:
    if indented:
        return True
    # The previous line stopped short of its column's edge: its paragraph ended.
    if previous.right - previous.x1 > 1.5 * previous.size:
        return True
    if abs(previous.size - line.size) > 0.15 * line.size:
        return True
    same_column = previous.column == line.column and line.top > previous.top
    step = (line.top - previous.top) / previous.size
    if same_column and pitch and step > 1.6 * pitch:
        return True
    return is_heading(line.text) or is_author(line.text) or is_author(previous.text)


def _scan() -> ImportFailed:
    return ImportFailed(
        "pdf_scanned",
        _(
            "The PDF holds only pictures of its pages (a scan), not their text. "
            "Please ask the sender for the Word file, or run the PDF through text "
            "recognition (OCR) first."
        ),
    )


def _too_complex() -> ImportFailed:
    return ImportFailed(
        "pdf_too_complex",
        _(
            "The PDF could not be read within %(seconds)s seconds and the memory "
            "one import may use. Please ask the sender for the Word file, or split "
            "the PDF."
        )
        % {"seconds": EXTRACT_SECONDS},
    )


def _corrupt() -> ImportFailed:
    return ImportFailed(
        "corrupt_pdf", _("The PDF file is damaged or is not a real PDF.")
    )
