"""Word (.docx) files to lines: one line per non-empty docx paragraph."""

import io
import zipfile
from dataclasses import dataclass

import docx
from django.utils.translation import gettext as _

from .decode import MAX_IMPORT_BYTES, ImportFailed

# A 5 MB docx can inflate to gigabytes (zip bomb); real documents stay far below.
MAX_UNCOMPRESSED_BYTES = 20 * MAX_IMPORT_BYTES


@dataclass(frozen=True)
class DocxLine:
    text: str
    style: str  # "title", "heading" or "" — a hint for the structure parser


def read_docx_lines(data: bytes) -> list[DocxLine]:
    """Return the document's non-empty paragraphs; raise ImportFailed("corrupt_docx").

    Soft line breaks inside a paragraph come back as "\\n" so the parser can join
    them like hard-wrapped text lines.
    """
    _check_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = list(document.paragraphs)
    except Exception as exc:  # python-docx raises many types for broken packages
        raise _corrupt() from exc
    lines = []
    for paragraph in paragraphs:
        text = paragraph.text.replace("\t", " ")
        if text.strip():
            lines.append(DocxLine(text=text, style=_style_hint(paragraph)))
    return lines


def _check_package(data: bytes) -> None:
    if not data.startswith(b"PK\x03\x04"):
        raise _corrupt()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = package.namelist()
            inflated = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _corrupt() from exc
    if "word/document.xml" not in names:
        raise _corrupt()
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise ImportFailed(
            "too_large",
            _("The file is larger than %(limit)s MB and cannot be imported.")
            % {"limit": MAX_IMPORT_BYTES // (1024 * 1024)},
        )


def _style_hint(paragraph) -> str:
    try:
        name = (paragraph.style.name or "").lower() if paragraph.style else ""
    except (KeyError, ValueError):
        return ""
    if name == "title":
        return "title"
    if name.startswith("heading"):
        return "heading"
    return ""


def _corrupt() -> ImportFailed:
    return ImportFailed(
        "corrupt_docx",
        _("The Word file is damaged or is not a real .docx file."),
    )
