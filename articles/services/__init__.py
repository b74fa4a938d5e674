"""Multi-row writes of the study domain, one module per area. Views, forms, admin
actions and management commands call these; nothing else writes these rows."""

from .annotations import (
    ReanchorResult,
    annotate_paragraph,
    delete_annotation,
    delete_reply,
    edit_annotation,
    edit_reply,
    mark_article_studied,
    merge_themes,
    parse_themes,
    reanchor_annotations,
    reply_to_annotation,
    unmark_article_studied,
    update_paragraph_text,
)
from .materials import ImportResult, import_document

__all__ = [
    "ImportResult",
    "ReanchorResult",
    "annotate_paragraph",
    "delete_annotation",
    "delete_reply",
    "edit_annotation",
    "edit_reply",
    "import_document",
    "mark_article_studied",
    "merge_themes",
    "parse_themes",
    "reanchor_annotations",
    "reply_to_annotation",
    "unmark_article_studied",
    "update_paragraph_text",
]
