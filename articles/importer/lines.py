"""Lines to units: what a line of a document is (heading, byline, title), and how
the lines of a text file join into units, one per paragraph as the file shows it.

Shared by every reader: the text path builds units here, the PDF and HTML readers
build the same ``Unit`` from their own geometry and markup.
"""

import re
from dataclasses import dataclass
from unicodedata import east_asian_width

from . import limits, repair

# 一、  （一） (一)  — numbered section headings of Chinese official prose.
HEADING_MARK = re.compile(
    r"^(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[）)])"
)
HEADING_MAX_CHARS = 60
TITLE_MAX_CHARS = 80
# The body that wrote an article: 中共…理论学习中心组, …党组理论学习中心组, …委员会.
AUTHOR_ENDINGS = ("中心组", "党组", "党委", "委员会")
AUTHOR_MAX_CHARS = 40
PUNCTUATION = re.compile(r"[，,。.、；;：:！!？?“”\"]")
# Hard-wrapped text: a line within this many columns (a Han character is two) of
# the wrap width was cut by the wrap; that many lines of the text must be so.
WRAP_SLACK = 4
WRAPPED_SHARE = 0.4
# The first visible character of each line that has one.
LINE_START = re.compile(r"(?:^|[\r\n])[ \t\u3000\f]*[^\s]")


@dataclass
class Unit:
    """A stretch of text the file presents as one block (before any repair)."""

    text: str
    indented: bool = False
    style: str = ""  # docx hint: "title" or "heading"


def check_text_limits(text: str) -> str:
    """Characters (white space is free) and non-blank lines, counted without
    splitting the text: a million one-character lines are a million objects."""
    spaces = sum(map(text.count, " \t\r\n\u3000\f"))
    limits.check("characters", len(text) - spaces)
    limits.check("lines", sum(1 for _match in LINE_START.finditer(text)))
    return text


def units_from_text(text: str) -> list[Unit]:
    """Blocks separated by blank lines, their wrapped lines joined; an indented
    line starts a new unit. Without any blank line, every line is a unit, unless
    the text is in the usual Chinese layout (indented and hard-wrapped)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    # A form feed (pdftotext page break) or paragraph separator ends a block.
    text = text.replace("\f", "\n\n").replace("\u2029", "\n\n")
    lines = text.strip("\n").split("\n")
    every_line = all(line.strip() for line in lines)
    if every_line:
        width = _wrap_width(lines)
        if width:
            return _units_from_wrapped_lines(lines, width)
    units: list[Unit] = []
    block_open = False
    for line in lines:
        if not line.strip():
            block_open = False
            continue
        indented = _is_indented(line)
        content = repair.normalize_spaces(line.rstrip("\u3000"))
        if block_open and not indented and not every_line:
            # Keep a single leading space: the wrap may have cut right before it.
            units[-1].text = repair.join_pieces(units[-1].text, content)
        else:
            units.append(Unit(text=content.lstrip(" \u3000"), indented=indented))
        block_open = True
    return units


def _is_indented(line: str) -> bool:
    return line.startswith(("\u3000", "  ", "\t"))


def _display_width(line: str) -> int:
    line = line.rstrip()
    return len(line) + sum(1 for ch in line if east_asian_width(ch) in "WF")


def _wrap_width(lines: list[str]) -> int:
    """The width the text was hard-wrapped at, or 0 when it was not.

    Text in the usual Chinese layout opens each paragraph with an indent and wraps
    it at a fixed width: most lines then come within a character or two of the
    widest common width. One paragraph per line gives widths all over the place.
    """
    if sum(1 for line in lines if _is_indented(line)) < 2:
        return 0
    widths = sorted(_display_width(line) for line in lines)
    # The widest width most lines reach (the longest few may be unwrapped titles).
    width = widths[int(len(widths) * 0.9) - 1] if len(widths) >= 10 else widths[-1]
    full = sum(1 for w in widths if width - WRAP_SLACK <= w <= width)
    return width if full >= WRAPPED_SHARE * len(lines) else 0


def _units_from_wrapped_lines(lines: list[str], width: int) -> list[Unit]:
    """An indented line starts a paragraph; so does a line after one that stopped
    short of the wrap width, and a heading, title or author line. Any other line
    continues the paragraph the wrap cut."""
    units: list[Unit] = []
    for i, line in enumerate(lines):
        indented = _is_indented(line)
        content = repair.normalize_spaces(line.rstrip(" \u3000")).lstrip(" \u3000")
        cut = i > 0 and _display_width(lines[i - 1]) >= width - WRAP_SLACK
        next_is_author = i + 1 < len(lines) and is_author(lines[i + 1])
        starts = (
            not units
            or indented
            or not cut
            or is_heading(content)
            or is_author(content)
            or next_is_author
        )
        if starts:
            units.append(Unit(text=content, indented=indented))
        else:
            units[-1].text = repair.join_pieces(units[-1].text, content)
    return units


def docx_unit(text: str, style: str) -> Unit:
    indented = text.startswith(("\u3000", "  "))
    content = ""
    for line in text.split("\n"):
        line = repair.normalize_spaces(line.strip(" \u3000"))
        content = repair.join_pieces(content, line)
    return Unit(text=content, indented=indented, style=style)


def is_heading(text: str) -> bool:
    flat = repair.plain(text)
    return (
        bool(HEADING_MARK.match(flat))
        and len(flat) <= HEADING_MAX_CHARS
        and not re.search(r"[。！？!?]", flat)
    )


def is_author(text: str) -> bool:
    flat = repair.plain(text)
    return (
        4 <= len(flat) <= AUTHOR_MAX_CHARS
        and not PUNCTUATION.search(flat)
        and (flat.endswith(AUTHOR_ENDINGS) or flat.startswith("中共"))
    )


def is_title(text: str) -> bool:
    flat = repair.plain(text)
    return (
        2 <= len(flat) <= TITLE_MAX_CHARS
        and "。" not in flat
        and not repair.ends_sentence(flat)
        and not is_heading(text)
        and not is_author(text)
    )
