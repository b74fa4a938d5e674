"""How much one import may hold, whatever the file claims about itself.

An upload passes the byte limit (``decode.MAX_IMPORT_BYTES``) and can still unfold
into far more: a zip bomb, a document.xml of millions of empty paragraphs, a PDF of
thousands of pages, an HTML page of a million empty tags. Each reader counts what
it really produces and calls ``check`` as it goes, so a hostile file is refused
within bounded time and memory, with a message naming the limit it hit. The
figures leave real study material (a few hundred thousand characters at most) far
below them.
"""

from django.utils.translation import gettext as _

from .decode import ImportFailed

# Characters of text (not counting white space) one import may produce: a 5 MB
# GBK file of Chinese prose is 2.5 million.
MAX_CHARACTERS = 3_000_000
# Lines of a text file that hold something (blank lines are free).
MAX_LINES = 200_000
# Paragraph elements of a Word file, empty ones included.
MAX_PARAGRAPHS = 200_000
# Paragraphs that reach the structure parser (units), whatever the format.
MAX_UNITS = 50_000
# Elements of one block of a Word file's body (a paragraph, a table), all kept in
# memory until the block ends: a real table of a few pages has thousands.
MAX_DOCX_ELEMENTS = 300_000
# Bytes a Word file's document.xml may inflate to.
MAX_INFLATED_BYTES = 60 * 1024 * 1024
MAX_PDF_PAGES = 500
# Elements of an HTML page.
MAX_HTML_ELEMENTS = 200_000


def check(limit: str, count: int) -> None:
    """Raise ImportFailed(code, message) when ``count`` passes the named limit."""
    maximum, code = _LIMITS[limit]
    if count > maximum:
        raise ImportFailed(code, _message(limit, maximum))


_LIMITS = {
    "characters": (MAX_CHARACTERS, "too_many_characters"),
    "lines": (MAX_LINES, "too_many_lines"),
    "paragraphs": (MAX_PARAGRAPHS, "too_many_paragraphs"),
    "units": (MAX_UNITS, "too_many_paragraphs"),
    "inflated": (MAX_INFLATED_BYTES, "inflates_too_large"),
    "docx_elements": (MAX_DOCX_ELEMENTS, "too_many_elements"),
    "pages": (MAX_PDF_PAGES, "too_many_pages"),
    "elements": (MAX_HTML_ELEMENTS, "too_many_elements"),
}


def _message(limit: str, maximum: int) -> str:
    figures = {"limit": f"{maximum:,}"}
    if limit == "characters":
        text = _(
            "The document holds more than %(limit)s characters, the most one import "
            "may hold. Please split it into several files."
        )
    elif limit == "lines":
        text = _(
            "The document has more than %(limit)s lines, the most one import may "
            "hold. Please split it into several files."
        )
    elif limit in ("paragraphs", "units"):
        text = _(
            "The document has more than %(limit)s paragraphs, the most one import "
            "may hold. Please split it into several files."
        )
    elif limit == "inflated":
        figures = {"limit": maximum // (1024 * 1024)}
        text = _(
            "Unpacked, the Word file is larger than %(limit)s MB, the most one "
            "import may hold. Please save it again in Word, or split it."
        )
    elif limit == "docx_elements":
        text = _(
            "A part of the Word file holds more than %(limit)s elements, the most "
            "one import may hold. Please save it again in Word, or split it."
        )
    elif limit == "pages":
        text = _(
            "The PDF has more than %(limit)s pages, the most one import may hold. "
            "Please split it into several files."
        )
    else:
        text = _(
            "The web page has more than %(limit)s elements, the most one import may "
            "hold. Please save only the article, or copy its text."
        )
    return text % figures
