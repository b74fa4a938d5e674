"""Multi-row writes of the study domain, one module per area. Views, forms, admin
actions and management commands call these; nothing else writes these rows."""

from .materials import ImportResult, import_document
from .search import (
    add_dictionary_terms,
    index_article,
    rebuild_search_index,
    refresh_keywords,
)

__all__ = [
    "ImportResult",
    "add_dictionary_terms",
    "import_document",
    "index_article",
    "rebuild_search_index",
    "refresh_keywords",
]
