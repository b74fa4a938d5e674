"""The record as Word files: a session's record-book page, the sign-in sheet and
the annual dossier, in the official layout of ``layout.py``.

Members are listed in the order the reads give them (``reads.py``); nothing here
sorts people.
"""

from io import BytesIO
from math import ceil

from django.utils import timezone
from django.utils.translation import gettext as _
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_UNDERLINE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from ..models import (
    Attendance,
    Correction,
    DiscussionNote,
    PlanItem,
    Reflection,
    StudySession,
)
from . import layout
from .reads import (
    GroupYear,
    SessionRecord,
    load_records,
    local_format,
    percent,
    plan_materials_prefetch,
)

RECORD_WIDTHS_MM = [30, 126]  # the label column narrow, the text wide
DASH = "—"


def _save(document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _number(value: float) -> str:
    """3.0 → "3", 2.5 → "2.5"."""
    return f"{value:g}"


def _names(attendances) -> str:
    return "、".join(a.member.name for a in attendances) or DASH


def _done(attendance) -> bool:
    make_up = getattr(attendance, "make_up", None)
    return bool(make_up and make_up.done_at)


def _speeches(notes: list[DiscussionNote]) -> str:
    return "\n".join(f"{n.speaker_label}：{n.content}" for n in notes) or DASH


# A cited paragraph is quoted up to this length: the record shows what was
# discussed; the article itself is in the materials.
QUOTE_CHARS = 120


def _materials_text(record: SessionRecord) -> str:
    """Each article studied; under it, the paragraphs a speech cites, quoted with
    who cited them (the speech's cited_paragraphs, already prefetched)."""
    cited: dict[int, list] = {}
    for note in record.notes:
        for paragraph in note.cited_paragraphs.all():
            speakers = cited.setdefault(paragraph.pk, [paragraph, []])[1]
            label = f"{note.speaker_label}{note.get_kind_display()}"
            if label not in speakers:
                speakers.append(label)
    lines = []
    for row in record.materials:
        line = f"《{row.article.title}》"
        if row.withdrawn:
            # Kept as the historical fact of what was studied, never its text.
            line += _("(withdrawn from publication)")
        chosen = row.chosen
        if chosen:
            line += _("(%(count)s paragraphs)") % {"count": len(chosen)}
        lines.append(line)
        for paragraph, speakers in cited.values():
            if paragraph.article_id == row.article_id:
                text = paragraph.text
                if len(text) > QUOTE_CHARS:
                    text = text[:QUOTE_CHARS] + "……"
                lines.append(
                    _("Quoted: “%(text)s” (cited in %(speeches)s)")
                    % {"text": text, "speeches": "、".join(speakers)}
                )
    return "\n".join(lines) or DASH


def _approved(attendance) -> str:
    """Leave (请假): "；张组长批准" when an approved request put it there."""
    leave = getattr(attendance, "leave_request", None)
    if leave is None:
        return ""
    return _("; approved by %(name)s") % {"name": leave.decided_by.name}


def record_rows(record: SessionRecord) -> list[tuple[str, str]]:
    """The rows of the record-book table, in the order units keep them. Leave
    (with its reason) and unexcused absence are separate rows."""
    session = record.session
    attended = record.attended
    expected = len(record.attendances)
    rate = percent(len(attended), expected)
    counts = DASH
    if expected:
        counts = _("%(expected)s expected, %(attended)s attended, rate %(rate)s%%") % {
            "expected": expected,
            "attended": len(attended),
            "rate": rate,
        }
    late = [
        f"{a.member.name}（{a.get_status_display()}）"
        for a in attended
        if a.status != Attendance.Status.PRESENT
    ]
    leave = [
        f"{a.member.name}（{a.leave_reason}"
        + _approved(a)
        + (_("; make-up done") if _done(a) else "")
        + "）"
        for a in record.on_leave
    ]
    return [
        (_("Topic"), session.topic),
        (_("Form"), session.get_form_display()),
        (_("Time"), session.time_range),
        (_("Duration"), _("%(hours)s hours") % {"hours": _number(session.hours)}),
        (_("Place"), session.place or DASH),
        (_("Host"), session.host.name if session.host else DASH),
        (_("Recorder"), session.recorder.name if session.recorder else DASH),
        (_("Expected and attended"), counts),
        (_("Present"), _names(attended)),
        (_("Late or left early"), "、".join(late) or DASH),
        (_("On leave and reason"), "；".join(leave) or DASH),
        (_("Absent members"), _names(record.absent)),
        (_("Observers"), "、".join(str(o) for o in record.observers) or DASH),
        (_("Study materials"), _materials_text(record)),
        (_("Content and main points"), session.summary or DASH),
        (_("Keynote speeches"), _speeches(record.keynotes)),
        (_("Discussion"), _speeches(record.discussions)),
        (_("Closing remarks"), _speeches(record.closings)),
    ]


# How many lines of the value column fit in a third of the text block: rows up to
# this height never split across a page (cantSplit); longer ones may, so that a
# long speech does not leave most of a page empty.
_UNSPLIT_LINES = 9
_CHARS_PER_LINE = 17  # 126 mm of 4号 text, less the cell margins


def _lines(value: str, per_line: int = _CHARS_PER_LINE) -> int:
    return sum(max(1, ceil(len(line) / per_line)) for line in value.split("\n"))


def _title(document, text: str, *, new_page: bool = False):
    paragraph = document.add_paragraph(text, style="Title")
    paragraph.paragraph_format.page_break_before = new_page
    return paragraph


def _underlined_blank(paragraph, width: int = 8) -> None:
    run = paragraph.add_run("\u3000" * width)
    run.font.underline = WD_UNDERLINE.SINGLE


def _signatures(document) -> None:
    """The host's and the recorder's signature lines, then the date, right."""
    layout.spacer(document, 12)
    paragraph = document.add_paragraph(style="Table Text")
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.line_spacing = Pt(layout.LINE_PT)
    for index, label in enumerate((_("Host (signature)"), _("Recorder (signature)"))):
        paragraph.add_run(("\u3000" if index else "") + f"{label}：")
        _underlined_blank(paragraph, 6)
    date = document.add_paragraph(
        _("Date: ____ year __ month __ day"), style="Table Text"
    )
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    date.paragraph_format.line_spacing = Pt(layout.LINE_PT)


def _corrections(document, corrections: list[Correction]) -> None:
    """The correction history of an archived record, as an addendum (附)."""
    if not corrections:
        return
    document.add_paragraph(
        _("Addendum: corrections to the archived record"), "Body Text"
    )
    table = layout.fixed_table(document, [12, 30, 22, 56, 36])
    labels = [_("No."), _("Corrected at"), _("Corrected by"), _("Changes"), _("Reason")]
    layout.add_row(table, labels, styles=["Table Label Small"] * 5, header=True)
    for number, correction in enumerate(corrections, 1):
        changes = "\n".join(
            f"{c.get('field', '')}：{c.get('old', '')} → {c.get('new', '')}"
            for c in correction.changes
        )
        layout.add_row(
            table,
            [
                str(number),
                local_format(correction.created_at, "%Y年%m月%d日 %H:%M"),
                correction.author.name,
                changes or DASH,
                correction.reason,
            ],
            keep_with_next=False,
        )


def session_title(record: SessionRecord, number: int) -> str:
    year = timezone.localtime(record.session.starts_at).year
    return _("Record of the %(year)s study session no. %(number)s") % {
        "year": year,
        "number": number,
    }


def _add_record(document, record: SessionRecord, number: int, *, new_page: bool):
    """One session's record-book page(s); returns the first paragraph (the place
    the dossier's contents point to)."""
    first = _title(document, str(record.session.group), new_page=new_page)
    _title(document, session_title(record, number))
    document.add_paragraph(style="Table Text")
    table = layout.fixed_table(document, RECORD_WIDTHS_MM)
    rows = record_rows(record)
    # Each record starts a page, so a table that fits on one is never split.
    # Rows break across pages only where they are long (cantSplit otherwise);
    # the title keeps with the first rows (keep-with-next). Keep-with-next on
    # every row is not used: LibreOffice then pushes the signature lines after
    # a short table onto a page of their own.
    for index, (label, value) in enumerate(rows):
        layout.add_row(
            table,
            [label, str(value)],
            styles=["Table Label", "Table Text"],
            cant_split=_lines(str(value)) <= _UNSPLIT_LINES,
            keep_with_next=index < 2,
        )
    _signatures(document)
    _corrections(document, record.corrections)
    return first


def record_docx(
    record: SessionRecord, *, planned: bool | None = None, number: int | None = None
) -> bytes:
    """The record-book page of one session.

    ``planned`` marks every page 未举行 (the header); by default it is set for a
    session whose status is still planned. ``number`` is 第N次 in the year; by
    default one query counts the held sessions before it.
    """
    session = record.session
    if planned is None:
        planned = session.status == StudySession.Status.PLANNED
    if number is None:
        from .reads import session_number

        number = session_number(session)
    document = layout.new_document(planned=planned)
    _add_record(document, record, number, new_page=False)
    return _save(document)


# --- sign-in sheet -----------------------------------------------------------

# Up to this many members the sheet has one list; more are set in two lists side
# by side so that a group of 30 signs on one A4 page.
ONE_COLUMN_MAX = 16


def sign_in_docx(session: StudySession, members, observers) -> bytes:
    """签到表: members in the order given, with 职务 and a box to sign; known
    observers and blank rows for others; 应到/实到 boxes; host and recorder.

    Sized to keep a group of 30 on one A4 page: a one-line title at 小二, two
    lists side by side past ``ONE_COLUMN_MAX`` members, rows of at least 24 pt
    (8.5 mm to sign in); a longer 职务 wraps in 小五 and the row grows.
    """
    members = list(members)
    document = layout.new_document()
    title = _title(document, _("%(group)s: sign-in sheet") % {"group": session.group})
    for run in title.runs:
        run.font.size = Pt(18)
    title.paragraph_format.line_spacing = Pt(30)
    for text in (
        f"{_('Topic')}：{session.topic}",
        f"{_('Time')}：{session.time_range}\u3000{_('Place')}：{session.place}",
    ):
        line = document.add_paragraph(text, style="Table Compact")
        line.alignment = WD_ALIGN_PARAGRAPH.LEFT
    layout.spacer(document, 6)
    head = "Table Label Small"
    if len(members) <= ONE_COLUMN_MAX:
        table = layout.fixed_table(document, [12, 30, 52, 42, 20])
        labels = [_("No."), _("Name"), _("Position"), _("Signature"), _("Remarks")]
        layout.add_row(table, labels, styles=[head] * 5, header=True, height_pt=22)
        for number, person in enumerate(members, 1):
            layout.add_row(
                table,
                [str(number), person.name, person.position, "", ""],
                styles=["Table Compact", "Table Compact", "Table Small", None, None],
                height_pt=26,
                keep_with_next=False,
            )
    else:
        half = ceil(len(members) / 2)
        table = layout.fixed_table(document, [11, 19, 27, 21] * 2)
        labels = [_("No."), _("Name"), _("Position"), _("Signature")] * 2
        layout.add_row(table, labels, styles=[head] * 8, header=True, height_pt=22)
        styles = ["Table Compact", "Table Compact", "Table Mini", "Table Compact"]
        for index in range(half):
            cells = []
            for number in (index + 1, index + 1 + half):
                if number <= len(members):
                    person = members[number - 1]
                    cells += [str(number), person.name, person.position, ""]
                else:
                    cells += ["", "", "", ""]
            layout.add_row(
                table, cells, styles=styles * 2, height_pt=24, keep_with_next=False
            )
    layout.spacer(document, 6)
    boxes = layout.fixed_table(document, [30, 48, 30, 48])
    layout.add_row(
        boxes,
        [_("Expected to attend"), _("%(count)s people") % {"count": len(members)}]
        + [_("Actually attended"), _("%(count)s people") % {"count": "\u3000\u3000"}],
        styles=[head, "Table Compact", head, "Table Compact"],
        height_pt=22,
    )
    layout.add_row(
        boxes,
        [_("Host signature"), "", _("Recorder signature"), ""],
        styles=[head, "Table Compact", head, "Table Compact"],
        height_pt=24,
    )
    layout.spacer(document, 6)
    label = document.add_paragraph(_("Observers"), style="Table Compact")
    label.alignment = WD_ALIGN_PARAGRAPH.LEFT
    table = layout.fixed_table(document, [12, 30, 72, 42])
    labels = [_("No."), _("Name"), _("Unit"), _("Signature")]
    layout.add_row(table, labels, styles=[head] * 4, header=True, height_pt=20)
    observers = list(observers)
    blank = 2 if observers else 3
    compact = ["Table Compact"] * 4
    for number, observer in enumerate(observers, 1):
        layout.add_row(
            table,
            [str(number), observer.name, observer.unit, ""],
            styles=compact,
            height_pt=20,
        )
    for number in range(len(observers) + 1, len(observers) + blank + 1):
        layout.add_row(table, [str(number), "", "", ""], styles=compact, height_pt=20)
    return _save(document)


# --- annual dossier ------------------------------------------------------------


class _Bookmarks:
    """Named places whose page numbers the contents print (PAGEREF fields)."""

    def __init__(self):
        self.count = 0

    def mark(self, paragraph) -> str:
        self.count += 1
        name = f"item_{self.count}"
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(self.count))
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(self.count))
        p_pr = paragraph._p.pPr
        paragraph._p.insert(1 if p_pr is not None else 0, start)
        paragraph._p.append(end)
        return name


def _page_cell(cell, names: list[str], guesses: list[int]) -> None:
    """The page of each named place, as PAGEREF fields: Word (on opening, see
    updateFields), WPS and LibreOffice compute them from the laid-out pages, so the
    contents show the printed page numbers whatever fonts the machine has. The
    guesses are the text shown until then."""
    paragraph = cell.paragraphs[0]
    for index, (name, guess) in enumerate(zip(names, guesses, strict=True)):
        if index:
            paragraph.add_run(DASH)
        layout.add_field(paragraph, f"PAGEREF {name} \\h", str(guess))


def _record_pages(record: SessionRecord) -> int:
    """A rough page count for the cached contents (the fields correct it)."""
    lines = sum(_lines(str(value)) for _label, value in record_rows(record))
    return max(1, ceil((lines * 22 + 200) / 620))


def _contents_date(value) -> str:
    return local_format(value, "%Y%m%d")


def _plan_item(document, stats: GroupYear, plan: list[PlanItem]):
    first = _title(document, _("Annual study plan %(year)s") % {"year": stats.year})
    first.paragraph_format.page_break_before = True
    table = layout.fixed_table(document, [20, 66, 70])
    labels = [_("Month"), _("Topic"), _("Study materials")]
    layout.add_row(table, labels, styles=["Table Label"] * 3, header=True)
    for item in plan:
        layout.add_row(
            table,
            [
                f"{item.month}月",
                item.topic,
                "\n".join(f"《{a.title}》" for a in item.materials.all()) or DASH,
            ],
            keep_with_next=False,
        )
    return first


def _figures_item(document, stats: GroupYear):
    first = _title(document, _("The year in figures"))
    first.paragraph_format.page_break_before = True
    document.add_paragraph(_("1. Overview"), style="Heading 1")
    if not stats.sessions:
        document.add_paragraph(
            _("No study session was held in %(year)s.") % {"year": stats.year},
            style="Body Text",
        )
    figures = [
        (_("Sessions held"), str(stats.held_count)),
        (
            _("Sessions planned"),
            DASH if stats.planned_count is None else str(stats.planned_count),
        ),
        (_("Hours of study"), str(stats.hours)),
        (_("Attendance rate"), DASH if stats.rate is None else f"{stats.rate}%"),
        (_("Keynote speeches"), str(stats.keynotes)),
    ]
    # Reflections: handed in / expected, where the group asks for them.
    if stats.thresholds.reflections_expected:
        figures.append(
            (
                _("Reflections handed in"),
                f"{stats.reflections} / {stats.reflections_expected}",
            )
        )
    elif stats.reflections:
        figures.append((_("Reflections handed in"), str(stats.reflections)))
    table = layout.fixed_table(document, [60, 96])
    for label, value in figures:
        layout.add_row(table, [label, value], styles=["Table Label", "Table Text"])
    for warning in stats.warnings:
        document.add_paragraph(warning, style="Body Text")
    document.add_paragraph(_("2. Attendance of the members"), style="Heading 1")
    table = layout.fixed_table(document, [11, 24, 41, 15, 15, 14, 14, 22])
    labels = [
        _("No."),
        _("Name"),
        _("Position"),
        _("Expected"),
        _("Attended"),
        _("On leave"),
        _("Absent"),
        _("Attendance rate"),
    ]
    layout.add_row(table, labels, styles=["Table Small"] * 8, header=True)
    for number, person in enumerate(stats.members, 1):
        layout.add_row(
            table,
            [
                str(number),
                person.member.name,
                person.member.position,
                str(person.expected),
                str(person.attended),
                str(person.count(Attendance.Status.ON_LEAVE)),
                str(person.count(Attendance.Status.ABSENT)),
                DASH if person.rate is None else f"{person.rate}%",
            ],
            styles=["Table Small"] * 8,
            keep_with_next=False,
        )
    return first


def _make_up_item(document, records: list[SessionRecord]):
    first = _title(document, _("Make-up studies of the year"))
    first.paragraph_format.page_break_before = True
    rows = [(record, attendance) for record in records for attendance in record.missed]
    if not rows:
        document.add_paragraph(
            _("No member missed a session this year."), style="Body Text"
        )
        return first
    table = layout.fixed_table(document, [12, 24, 56, 34, 30])
    labels = [_("No."), _("Name"), _("Study session"), _("Reason"), _("Make-up")]
    layout.add_row(table, labels, styles=["Table Label Small"] * 5, header=True)
    for number, (record, attendance) in enumerate(rows, 1):
        session = record.session
        reason = (
            attendance.leave_reason
            if attendance.status == Attendance.Status.ON_LEAVE
            else _("absent")
        )
        make_up = getattr(attendance, "make_up", None)
        if make_up is None:
            state = DASH
        elif make_up.done_at:
            state = _("done %(date)s") % {
                "date": local_format(make_up.done_at, "%m月%d日")
            }
        else:
            state = _("not yet done")
        layout.add_row(
            table,
            [
                str(number),
                attendance.member.name,
                f"{local_format(session.starts_at, '%m月%d日')} {session.topic}",
                reason,
                state,
            ],
            keep_with_next=False,
        )
    return first


# Reflections
def _reflections_item(document, records: list[SessionRecord]):
    """学习心得体会: every reflection handed in on the year's sessions, session by
    session, members in the reads' order; a file's text when we could read it."""
    first = _title(document, _("Reflections of the year"))
    first.paragraph_format.page_break_before = True
    order = {
        (record.session.pk, a.member_id): index
        for record in records
        for index, a in enumerate(record.attendances)
    }
    numbers = {record.session.pk: n for n, record in enumerate(records, 1)}
    reflections = sorted(
        Reflection.objects.filter(session__in=list(numbers)).select_related(
            "author", "session"
        ),
        key=lambda r: (
            numbers[r.session_id],
            order.get((r.session_id, r.author_id), len(order)),
            r.pk,
        ),
    )
    if not reflections:
        document.add_paragraph(
            _("No reflection was handed in this year."), style="Body Text"
        )
        return first
    for reflection in reflections:
        session = reflection.session
        date = local_format(session.starts_at, "%m月%d日")
        heading = f"{reflection.author.name}：{date} {session.topic}"
        if reflection.for_make_up:
            heading += _(" (make-up reflection)")
        document.add_paragraph(heading, style="Heading 1")
        text = reflection.text or reflection.file_text
        for line in text.splitlines():
            if line.strip():
                document.add_paragraph(line.strip(), style="Body Text")
        if reflection.file:
            note = (
                _("Attached file: %(name)s")
                if text
                else _(
                    "Attached file: %(name)s (its text could not be read; see the file)"
                )
            ) % {"name": reflection.file_name}
            document.add_paragraph(note, style="Body Text")
        document.add_paragraph(
            _("Handed in %(date)s")
            % {"date": local_format(reflection.handed_in_at, "%Y年%m月%d日")},
            style="Body Text",
        )
    return first


def dossier_docx(stats: GroupYear) -> bytes:
    """年度学习档案: cover; contents (DA/T 22-2015 columns); the plan, the figures,
    each session's record on its own page, the make-up list.

    Page numbers start at 1 after the cover and contents (their own section, not
    numbered). The contents give each item's first page (the last item its first
    and last) as PAGEREF fields to bookmarks on the items, so the printed numbers
    are those of the laid-out pages, not an estimate (tests/records checks this
    against the PDF LibreOffice prints).
    """
    document = layout.new_document()
    layout.no_page_numbers(document.sections[0])
    group = stats.group
    for _blank in range(3):
        document.add_paragraph()
    _title(document, str(group))
    _title(document, _("Study dossier %(year)s") % {"year": stats.year})
    for _blank in range(6):
        document.add_paragraph()
    for text in (
        _("Kept by: %(group)s") % {"group": group.organisation or group},
        _("Year: %(year)s") % {"year": stats.year},
        _("Sessions held: %(count)s") % {"count": stats.held_count},
    ):
        document.add_paragraph(
            text, style="Normal"
        ).alignment = WD_ALIGN_PARAGRAPH.CENTER

    _title(document, _("Contents"), new_page=True)
    contents = layout.fixed_table(document, [11, 58, 30, 24, 16, 17])
    labels = [
        _("No."),
        _("Title"),
        _("Responsible"),
        _("Date"),
        _("Page no."),
        _("Remarks"),
    ]
    layout.add_row(contents, labels, styles=["Table Label Small"] * 6, header=True)

    body = document.add_section(WD_SECTION.NEW_PAGE)
    layout.add_page_numbers(body, restart=True)

    bookmarks = _Bookmarks()
    entries = []  # (title, responsible, date, bookmark, page guess, remark)
    page = 1
    plan = list(
        PlanItem.objects.filter(plan__group=group, plan__year=stats.year)
        .prefetch_related(plan_materials_prefetch())
        .order_by("month", "pk")
    )
    if plan:
        first = _plan_item(document, stats, plan)
        # The section break already starts a new page.
        first.paragraph_format.page_break_before = False
        title = _("Annual study plan %(year)s") % {"year": stats.year}
        entries.append((title, str(group), str(stats.year), bookmarks.mark(first)))
        entries[-1] += (page, "")
        page += 1
    first = _figures_item(document, stats)
    first.paragraph_format.page_break_before = bool(plan)
    today = timezone.localdate().strftime("%Y%m%d")
    entries.append(
        (_("The year in figures"), str(group), today, bookmarks.mark(first), page, "")
    )
    page += 1 + len(stats.members) // 20

    sessions = StudySession.objects.filter(
        pk__in=[s.pk for s in stats.sessions]
    ).order_by("starts_at", "pk")
    records = load_records(sessions)
    corrections: dict[int, list[Correction]] = {}
    for correction in Correction.objects.filter(
        session__in=[r.session.pk for r in records]
    ).select_related("author"):
        corrections.setdefault(correction.session_id, []).append(correction)
    for number, record in enumerate(records, 1):
        record.notes = [
            n for n in record.notes if n.status == DiscussionNote.Status.FINAL
        ]
        record.corrections = corrections.get(record.session.pk, [])
        first = _add_record(document, record, number, new_page=True)
        remark = _("archived") if record.session.is_archived else ""
        entries.append(
            (
                f"{session_title(record, number)}：{record.session.topic}",
                str(group),
                _contents_date(record.session.starts_at),
                bookmarks.mark(first),
                page,
                remark,
            )
        )
        page += _record_pages(record)
    # Reflections: 学习心得体会, after the records they follow from; a group that
    # asks for none and got none has no such item.
    if records and (stats.thresholds.reflections_expected or stats.reflections):
        first = _reflections_item(document, records)
        entries.append(
            (
                _("Reflections of the year"),
                str(group),
                today,
                bookmarks.mark(first),
                page,
                "",
            )
        )
        page += 1
    if records:
        first = _make_up_item(document, records)
        entries.append(
            (
                _("Make-up studies of the year"),
                str(group),
                today,
                bookmarks.mark(first),
                page,
                "",
            )
        )
    # The last page: a closing note (DA/T 22 备考), whose page the contents give
    # as the end of the last item.
    end = document.add_paragraph(
        _("This dossier holds %(count)s items.") % {"count": len(entries)},
        style="Body Text",
    )
    last_page = bookmarks.mark(end)

    for number, (title, who, date, name, guess, remark) in enumerate(entries, 1):
        row = layout.add_row(
            contents,
            [str(number), title, who, date, "", remark],
            styles=[
                "Table Small",
                "Table Small",
                "Table Small",
                "Table Small",
                "Table Small",
                "Table Small",
            ],
            keep_with_next=False,
            valign="top",
        )
        row.cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT
        names, guesses = [name], [guess]
        if number == len(entries):
            names.append(last_page)
            guesses.append(max(guess, page))
        _page_cell(row.cells[4], names, guesses)
    if not records:
        # The contents say so too, under the (empty) table.
        note = _("No study session was held in %(year)s.") % {"year": stats.year}
        contents._tbl.addnext(_body_paragraph(document, note))
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)
    return _save(document)


def _body_paragraph(document, text: str):
    """A detached Body paragraph element, to place after a given table."""
    paragraph = document.add_paragraph(text, style="Body Text")
    element = paragraph._p
    element.getparent().remove(element)
    return element
