"""Word (.docx) files to lines: one line per non-empty docx paragraph.

The package is read as a stream, never trusting its own account of itself: a 5 MB
upload can inflate to gigabytes (a zip bomb), its headers can lie about the inflated
size, and its document.xml can hold millions of empty paragraphs. So each member is
inflated in bounded chunks with a running count of the real bytes, document.xml is
parsed incrementally (each paragraph dropped once read), and the paragraph and
character limits of ``limits`` are checked as we go. python-docx would build the
whole tree in memory first, so it is only used by the tests to write files.
"""

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from lxml import etree

from . import limits
from .decode import ImportFailed

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCUMENT = "word/document.xml"
STYLES = "word/styles.xml"
CHUNK_BYTES = 64 * 1024
# styles.xml of real documents is tens of kB; it is parsed whole, so keep it small.
MAX_STYLES_BYTES = 2 * 1024 * 1024
# Run content that carries text, as Word shows it (python-docx's reading).
RUN_TEXT = {W + "t": None, W + "tab": " ", W + "ptab": " ", W + "cr": "\n"}
RUN_TEXT[W + "noBreakHyphen"] = "-"
# Containers whose runs belong to the paragraph (python-docx reads r and hyperlink;
# tracked insertions and smart tags are text the reader sees too).
RUN_CONTAINERS = {W + "hyperlink", W + "ins", W + "smartTag"}


@dataclass(frozen=True)
class DocxLine:
    text: str
    style: str  # "title", "heading" or "" — a hint for the structure parser


def read_docx_lines(data: bytes) -> list[DocxLine]:
    """Return the document's non-empty paragraphs; raise ImportFailed.

    "corrupt_docx" for a broken package, a limit code (see ``limits``) for one
    too big. Soft line breaks inside a paragraph come back as "\\n" so the parser
    can join them like hard-wrapped text lines.
    """
    if not data.startswith(b"PK\x03\x04"):
        raise _corrupt()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if DOCUMENT not in names:
                raise _corrupt()
            styles = _read_styles(package) if STYLES in names else {}
            with package.open(DOCUMENT) as member:
                return _read_paragraphs(_BoundedReader(member), styles)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise _corrupt() from exc
    except (etree.XMLSyntaxError, NotImplementedError, RuntimeError) as exc:
        # NotImplementedError: an unsupported compression method.
        raise _corrupt() from exc


class _BoundedReader:
    """A file-like view of a zip member that counts the bytes really inflated.

    ``ZipInfo.file_size`` comes from the headers, which a hostile file sets as it
    likes, so the count is ours; past the limit the read fails.
    """

    def __init__(self, member) -> None:
        self.member = member
        self.total = 0

    def read(self, size: int = CHUNK_BYTES) -> bytes:
        size = CHUNK_BYTES if size is None or size < 0 else min(size, CHUNK_BYTES)
        chunk = self.member.read(size)
        self.total += len(chunk)
        limits.check("inflated", self.total)
        return chunk


def _read_styles(package: zipfile.ZipFile) -> dict[str, str]:
    """styleId -> style hint, for the paragraph styles that mark a title or heading."""
    with package.open(STYLES) as member:
        raw = member.read(MAX_STYLES_BYTES + 1)
    if len(raw) > MAX_STYLES_BYTES:
        return {}  # styles are only a hint: a document without them still imports
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError:
        return {}
    hints = {}
    for style in root.iter(W + "style"):
        name_element = style.find(W + "name")
        name = (
            (name_element.get(W + "val") or "").lower()
            if name_element is not None
            else ""
        )
        hint = (
            "title"
            if name == "title"
            else "heading"
            if name.startswith("heading")
            else ""
        )
        if hint:
            hints[style.get(W + "styleId") or ""] = hint
    return hints


def _parser(**options) -> etree.XMLParser:
    # No entities, no network, no huge text nodes: the file is untrusted.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, **options
    )


def _read_paragraphs(source: _BoundedReader, styles: dict[str, str]) -> list[DocxLine]:
    lines: list[DocxLine] = []
    paragraphs = characters = pending = 0
    # Comments and processing instructions are never text: not even kept.
    events = etree.iterparse(
        source,
        events=("end",),
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    for _event, element in events:
        # Elements stay in memory until their block of the body is done with.
        pending += 1
        limits.check("docx_elements", pending)
        if element.tag == W + "p":
            paragraphs += 1
            limits.check("paragraphs", paragraphs)
        parent = element.getparent()
        if parent is None or parent.tag != W + "body":
            continue
        # Only the body's own paragraphs are text (python-docx's
        # document.paragraphs skipped tables and text boxes too).
        if element.tag == W + "p":
            text = _paragraph_text(element).replace("\t", " ")
            if text.strip():
                characters += len(text)
                limits.check("characters", characters)
                lines.append(DocxLine(text=text, style=_style_hint(element, styles)))
        # Drop what was read, so memory stays bounded by one block.
        element.clear()
        while element.getprevious() is not None:
            del parent[0]
        pending = 0
    return lines


def _paragraph_text(paragraph) -> str:
    parts: list[str] = []
    for child in paragraph:
        if child.tag == W + "r":
            _run_text(child, parts)
        elif child.tag in RUN_CONTAINERS:
            for run in child.iter(W + "r"):
                _run_text(run, parts)
    return "".join(parts)


def _run_text(run, parts: list[str]) -> None:
    for item in run:
        if item.tag == W + "br":
            # A line break is a soft wrap; page and column breaks carry no text.
            if item.get(W + "type") in (None, "textWrapping"):
                parts.append("\n")
        elif item.tag in RUN_TEXT:
            replacement = RUN_TEXT[item.tag]
            parts.append(item.text or "" if replacement is None else replacement)


def _style_hint(paragraph, styles: dict[str, str]) -> str:
    properties = paragraph.find(W + "pPr")
    style = properties.find(W + "pStyle") if properties is not None else None
    if style is None:
        return ""
    return styles.get(style.get(W + "val") or "", "")


def _corrupt() -> ImportFailed:
    return ImportFailed(
        "corrupt_docx",
        _("The Word file is damaged or is not a real .docx file."),
    )
