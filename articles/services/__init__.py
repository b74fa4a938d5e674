"""Multi-row writes of the study domain, one module per area. Views, forms, admin
actions and management commands call these; nothing else writes these rows."""

from .materials import ImportResult, import_document

__all__ = ["ImportResult", "import_document"]
