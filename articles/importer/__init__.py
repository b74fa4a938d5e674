"""Turn an uploaded file (.txt, .docx, .pdf, .html, .mhtml) or pasted text into
articles and paragraphs.

Pure functions, no database access: ``articles.services.import_document`` stores
what ``parse_document`` returns. Failures raise ``ImportFailed`` (a machine
``code`` and a user ``message``); what could not be repaired with confidence is kept
and reported as ``ImportWarning`` on each article.
"""

from .decode import MAX_IMPORT_BYTES, ImportFailed
from .parse import (
    ImportWarning,
    ParsedArticle,
    ParsedDocument,
    ParsedParagraph,
    parse_document,
    parse_text,
)

__all__ = [
    "MAX_IMPORT_BYTES",
    "ImportFailed",
    "ImportWarning",
    "ParsedArticle",
    "ParsedDocument",
    "ParsedParagraph",
    "parse_document",
    "parse_text",
]
