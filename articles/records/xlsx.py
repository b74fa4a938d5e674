"""The year's attendance sheet as an .xlsx file (openpyxl), set up to print:
landscape A4, one page wide, the title rows and the name columns on every page,
page numbers in the footer."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from ..models import Attendance
from .reads import GroupYear, local_format

# OWASP "CSV injection": a cell starting with one of these is read as a formula by
# Excel, LibreOffice and WPS when the text is typed again or the sheet is saved as
# CSV and reopened. User text that starts so gets a leading quote, which keeps it
# text in all of them (and openpyxl would otherwise store "=…" as a formula).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TITLE_ROW, HEADER_ROW = 1, 2
FIXED_COLUMNS = 3  # 序号, 姓名, 职务


def as_text(value: str) -> str:
    """User text as a cell can hold it without becoming a formula."""
    value = str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _status_word(attendance) -> str:
    return attendance.get_status_display() if attendance else "—"


def _print_setup(sheet, last_column: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the members need
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    sheet.print_title_cols = f"A:{get_column_letter(FIXED_COLUMNS)}"
    sheet.print_area = f"A1:{get_column_letter(last_column)}{sheet.max_row}"
    page = _("Page &P of &N")
    sheet.oddFooter.center.text = page
    sheet.evenFooter.center.text = page
    sheet.oddHeader.right.text = "&A"


def _leave_sheet(workbook, stats: GroupYear, records) -> None:
    """Every leave and absence with its reason: the comments do not print."""
    sheet = workbook.create_sheet(_("Leave and absence"))
    sheet.append(
        [_("No."), _("Name"), _("Position"), _("Date"), _("Topic")]
        + [_("Attendance"), _("Reason")]
    )
    number = 0
    for person in stats.members:
        for session in stats.sessions:
            attendance = records.get((session.pk, person.member.pk))
            if attendance is None or attendance.status not in (
                Attendance.Status.ON_LEAVE,
                Attendance.Status.ABSENT,
            ):
                continue
            number += 1
            sheet.append(
                [
                    number,
                    as_text(person.member.name),
                    as_text(person.member.position),
                    local_format(session.starts_at, "%Y-%m-%d"),
                    as_text(session.topic),
                    attendance.get_status_display(),
                    as_text(attendance.leave_reason) or "—",
                ]
            )
    for row in sheet.iter_rows():
        for cell in row:
            cell.border = BORDER
            cell.font = Font(name=FONT, size=11, bold=cell.row == 1)
            cell.alignment = CENTRE if cell.column in (1, 4, 6) else LEFT
    for letter, width in zip("ABCDEFG", [6, 12, 18, 12, 36, 8, 30], strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"
    sheet.oddFooter.center.text = _("Page &P of &N")


def attendance_xlsx(stats: GroupYear) -> bytes:
    """Title row (group, year); members as rows in the order given, with 职务; one
    column per held session (date and topic) holding the status word, a comment
    with the reason of each leave; then each member's figures (those of the
    statistics page) and the group's totals."""
    records = {
        (a.session_id, a.member_id): a
        for a in Attendance.objects.filter(
            session__in=[s.pk for s in stats.sessions]
        ).only("session_id", "member_id", "status", "leave_reason")
    }
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Attendance %(year)s") % {"year": stats.year}
    header = [_("No."), _("Name"), _("Position")]
    header += [
        as_text(f"{local_format(s.starts_at, '%m-%d')}\n{s.topic[:20]}")
        for s in stats.sessions
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
    width = len(header)
    title = _("%(group)s: attendance at the study sessions of %(year)s") % {
        "group": stats.group,
        "year": stats.year,
    }
    sheet.append([as_text(title)])
    sheet.merge_cells(
        start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=width
    )
    sheet.append(header)
    warn = PatternFill("solid", fgColor="FFF1C2")
    first_session = FIXED_COLUMNS + 1
    for number, person in enumerate(stats.members, 1):
        row = [number, as_text(person.member.name), as_text(person.member.position)]
        row += [
            _status_word(records.get((session.pk, person.member.pk)))
            for session in stats.sessions
        ]
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
        current = sheet.max_row
        for offset, session in enumerate(stats.sessions):
            attendance = records.get((session.pk, person.member.pk))
            if attendance and attendance.leave_reason:
                cell = sheet.cell(row=current, column=first_session + offset)
                cell.comment = Comment(as_text(attendance.leave_reason), "StudyHub")
        rate_cell = sheet.cell(row=current, column=width)
        rate_cell.number_format = "0.0%"
        if person.below:
            rate_cell.fill = warn
    total = ["", _("Whole group"), ""] + [""] * len(stats.sessions)
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
    sheet.cell(row=sheet.max_row, column=width).number_format = "0.0%"

    body = Font(name=FONT, size=11)
    bold = Font(name=HEADING_FONT, size=11)
    for row in sheet.iter_rows(min_row=HEADER_ROW, max_col=width):
        for cell in row:
            cell.border = BORDER
            header_or_total = cell.row in (HEADER_ROW, sheet.max_row)
            cell.font = bold if header_or_total else body
            cell.alignment = LEFT if cell.column in (2, 3) else CENTRE
    title_cell = sheet.cell(row=TITLE_ROW, column=1)
    title_cell.font = Font(name="方正小标宋简体", size=16)
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[TITLE_ROW].height = 30
    # A session's heading is its date and up to 20 characters of topic, wrapped in a
    # column of about 4 Chinese characters: six lines of the 11 pt header.
    sheet.row_dimensions[HEADER_ROW].height = 90
    sheet.column_dimensions["A"].width = 5
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 16
    for index in range(first_session, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 9
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=first_session)
    _print_setup(sheet, width)
    _leave_sheet(workbook, stats, records)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
