"""Multi-row writes of the study domain, one module per area. Views, forms, admin
actions and management commands call these; nothing else writes these rows."""

from .materials import ImportResult, import_document
from .sessions import (
    AttendanceEntry,
    add_plan_item,
    archive_session,
    choose_material_paragraphs,
    complete_make_up,
    create_session,
    delete_discussion_note,
    delete_plan_item,
    mark_session_held,
    move_discussion_note,
    record_attendance,
    save_discussion_note,
    set_session_materials,
    update_session,
)

__all__ = [
    "AttendanceEntry",
    "ImportResult",
    "add_plan_item",
    "archive_session",
    "choose_material_paragraphs",
    "complete_make_up",
    "create_session",
    "delete_discussion_note",
    "delete_plan_item",
    "import_document",
    "mark_session_held",
    "move_discussion_note",
    "record_attendance",
    "save_discussion_note",
    "set_session_materials",
    "update_session",
]
