"""The year's attendance sheet as an .xlsx file (openpyxl)."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..models import Attendance
from .reads import GroupYear, local_format


def _text_not_formulas(sheet) -> None:
    """openpyxl stores a string starting with "=" as a formula: a member named
    "=HYPERLINK(…)" would run in the secretary's Excel. This sheet has no formulas
    of ours, so every such cell is stored as the text it is. (Strings starting with
    + - @ are already stored as text in .xlsx; only CSV would need more.)"""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def attendance_xlsx(stats: GroupYear) -> bytes:
    """Members as rows, sessions as columns, then each member's figures (those of
    the statistics page: make-ups still open, keynotes, articles studied, rate)."""
    records = {
        (a.session_id, a.member_id): a
        for a in Attendance.objects.filter(
            session__in=[s.pk for s in stats.sessions]
        ).only("session_id", "member_id", "status", "leave_reason")
    }
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Attendance %(year)s") % {"year": stats.year}
    bold = Font(bold=True)
    header = [_("Member")]
    header += [
        f"{local_format(s.starts_at, '%m-%d')}\n{s.topic[:20]}" for s in stats.sessions
    ]
    header += [
        _("Expected"),
        _("Attended"),
        _("On leave"),
        _("Absent"),
        _("Open make-ups"),
        _("Keynote speeches"),
        _("Articles studied"),
        _("Attendance rate"),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    warn = PatternFill("solid", fgColor="FFF1C2")
    for person in stats.members:
        row = [person.member.name]
        for session in stats.sessions:
            attendance = records.get((session.pk, person.member.pk))
            row.append(attendance.get_status_display() if attendance else "—")
        row += [
            person.expected,
            person.attended,
            person.count(Attendance.Status.ON_LEAVE),
            person.count(Attendance.Status.ABSENT),
            person.open_make_ups,
            person.keynotes,
            person.studied,
            None if person.rate is None else person.rate / 100,
        ]
        sheet.append(row)
        rate_cell = sheet.cell(row=sheet.max_row, column=len(row))
        rate_cell.number_format = "0.0%"
        if person.below:
            rate_cell.fill = warn
    total = [_("Whole group")] + [""] * len(stats.sessions)
    total += [
        stats.expected,
        stats.attended,
        sum(m.count(Attendance.Status.ON_LEAVE) for m in stats.members),
        sum(m.count(Attendance.Status.ABSENT) for m in stats.members),
        sum(m.open_make_ups for m in stats.members),
        stats.keynotes,
        stats.studied,
        None if stats.rate is None else stats.rate / 100,
    ]
    sheet.append(total)
    sheet.cell(row=sheet.max_row, column=len(total)).number_format = "0.0%"
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    _text_not_formulas(sheet)
    sheet.column_dimensions["A"].width = 14
    for index in range(2, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.row_dimensions[1].height = 48
    sheet.freeze_panes = "B2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
