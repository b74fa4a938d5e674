"""Bytes to text: size and type checks, encoding detection, plausibility.

Every refusal raises ``ImportFailed`` with a machine code and a user message, so the
caller never has to guess why a file was rejected. We never fall back to a "best
effort" decoding: a wrongly decoded file would be stored as nonsense.
"""

import codecs
import re

from django.utils.translation import gettext as _

MAX_IMPORT_BYTES = 5 * 1024 * 1024

# Extensions the import accepts, by the reader that handles them.
EXTENSIONS = {
    "text": (".txt", ".text"),
    "docx": (".docx",),
    "pdf": (".pdf",),
    "html": (".html", ".htm"),
    "mhtml": (".mhtml", ".mht"),
}
ACCEPTED_EXTENSIONS = tuple(ext for exts in EXTENSIONS.values() for ext in exts)

# Signatures of common binary formats that people upload by mistake.
BINARY_SIGNATURES = (
    b"PK\x03\x04",  # zip, docx, xlsx
    b"\x89PNG",
    b"\xff\xd8\xff",  # jpeg
    b"GIF8",
    b"%PDF",
    b"\xd0\xcf\x11\xe0",  # old .doc / .xls
    b"Rar!",
    b"\x1f\x8b",  # gzip
)

# Control characters a text file may legitimately contain: tab, line ends, and the
# form feed that pdftotext writes between pages.
ALLOWED_CONTROLS = frozenset("\t\n\r\f")
# Category Cc is exactly U+0000–U+001F and U+007F–U+009F; these are the rest.
REFUSED_CONTROLS = re.compile(
    "["
    + "".join(
        re.escape(chr(code))
        for code in [*range(0x20), *range(0x7F, 0xA0)]
        if chr(code) not in ALLOWED_CONTROLS
    )
    + "]"
)

# Share of characters that must be "common" for GB18030-decoded text to be believed.
# Real Chinese prose is >99 % GB2312 + ASCII; Big5 or random bytes that happen to be
# valid GB18030 fall far below this.
MIN_COMMON_SHARE = 0.9


class ImportFailed(Exception):
    """The document cannot be imported; ``message`` is shown to the user as is."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_size(data: bytes) -> None:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFailed(
            "too_large",
            _("The file is larger than %(limit)s MB and cannot be imported.")
            % {"limit": MAX_IMPORT_BYTES // (1024 * 1024)},
        )


def check_not_empty(data: bytes) -> None:
    if not data.strip():
        raise ImportFailed("empty", _("The file is empty."))


def file_kind(filename: str) -> str:
    """Return a key of EXTENSIONS from the file name; anything else is refused."""
    name = filename.lower().strip()
    for kind, extensions in EXTENSIONS.items():
        if name.endswith(extensions):
            return kind
    raise ImportFailed(
        "unsupported_type",
        _(
            "Only plain text (.txt), Word (.docx), PDF (.pdf) and saved web pages "
            "(.html, .htm, .mhtml) can be imported."
        ),
    )


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a plain-text upload; return (text, encoding name).

    Strict UTF-8 first (it almost never accepts non-UTF-8 bytes by accident), then
    strict GB18030, whose byte ranges are wide enough to accept garbage, so its
    result must also pass a plausibility check.
    """
    _refuse_binary(data)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _encoding_failed()
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = _strict(data, "utf-8-sig"), "utf-8-sig"
    else:
        text, encoding = _strict(data, "utf-8"), "utf-8"
        if text is None:
            text, encoding = _strict(data, "gb18030"), "gb18030"
    if text is None:
        raise _encoding_failed()
    _refuse_control_characters(text)
    if encoding == "gb18030" and _common_share(text) < MIN_COMMON_SHARE:
        raise _encoding_failed()
    if not text.strip():
        raise ImportFailed("empty", _("The file is empty."))
    return text, encoding


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _refuse_binary(data: bytes) -> None:
    if data.startswith(BINARY_SIGNATURES) or b"\x00" in data:
        raise _binary_failed()


def _refuse_control_characters(text: str) -> None:
    # A regular expression scans 5 MB in C; a loop over characters took seconds.
    if REFUSED_CONTROLS.search(text):
        raise _binary_failed()


def _common_share(text: str) -> float:
    """Share of non-space characters that are ASCII or in GB2312 (common hanzi and
    CJK punctuation). Encoding with errors="replace" keeps this in C for 5 MB."""
    chars = "".join(text.split())
    if not chars:
        return 1.0
    encoded = chars.replace("?", "").encode("gb2312", errors="replace")
    return 1 - encoded.count(b"?") / len(chars)


def _binary_failed() -> ImportFailed:
    return ImportFailed(
        "binary",
        _("The file does not contain text. Please upload a .txt or .docx file."),
    )


def _encoding_failed() -> ImportFailed:
    return ImportFailed(
        "encoding",
        _(
            "The text encoding of the file could not be recognised. Please save it "
            "as UTF-8 or GBK text and try again."
        ),
    )
