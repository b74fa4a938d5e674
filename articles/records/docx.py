"""The record as Word files: a session's record-book page and the annual dossier
(python-docx)."""

from io import BytesIO

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ..models import Attendance, PlanItem
from .reads import (
    GroupYear,
    SessionRecord,
    load_records,
    local_format,
    plan_materials_prefetch,
)


def _notes_text(notes) -> str:
    if not notes:
        return "—"
    return "\n".join(f"{note.speaker_label}：{note.content}" for note in notes)


def _materials_text(record: SessionRecord) -> str:
    lines = []
    for row in record.materials:
        line = f"《{row.article.title}》"
        if row.withdrawn:
            line += _("(withdrawn from publication)")
        chosen = row.chosen
        if chosen:
            line += _("(%(count)s paragraphs)") % {"count": len(chosen)}
        lines.append(line)
    return "\n".join(lines) or "—"


def record_rows(record: SessionRecord) -> list[tuple[str, str]]:
    """The rows of the usual record-book table, in its order."""
    session = record.session
    leave = [
        f"{a.member.name}（{a.leave_reason}）"
        + (_("; make-up done") if _done(a) else "")
        for a in record.on_leave
    ]
    absent = [a.member.name for a in record.absent]
    late = [
        f"{a.member.name}（{a.get_status_display()}）"
        for a in record.attended
        if a.status != Attendance.Status.PRESENT
    ]
    present = "、".join(a.member.name for a in record.attended) or "—"
    if late:
        present += "\n" + "、".join(late)
    content = session.summary or "—"
    return [
        (_("Topic"), session.topic),
        (_("Form"), session.get_form_display()),
        (_("Time"), session.time_range),
        (_("Place"), session.place or "—"),
        (_("Host"), session.host.name if session.host else "—"),
        (_("Recorder"), session.recorder.name if session.recorder else "—"),
        (
            _("Present (%(attended)s of %(expected)s)")
            % {"attended": len(record.attended), "expected": len(record.attendances)},
            present,
        ),
        (
            _("On leave and reason"),
            "；".join(leave + [f"{n}（{_('absent')}）" for n in absent]) or "—",
        ),
        (_("Observers"), "、".join(str(o) for o in record.observers) or "—"),
        (_("Study materials"), _materials_text(record)),
        (_("Content and main points"), content),
        (_("Keynote speeches"), _notes_text(record.keynotes)),
        (_("Discussion"), _notes_text(record.discussions)),
        (_("Closing remarks"), _notes_text(record.closings)),
    ]


def _done(attendance) -> bool:
    make_up = getattr(attendance, "make_up", None)
    return bool(make_up and make_up.done_at)


def _new_document() -> Document:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    # East Asian text takes its font from w:eastAsia, not from w:ascii.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2.5)
    return document


def _add_record(document, record: SessionRecord, heading_level: int) -> None:
    session = record.session
    document.add_heading(
        f"{local_format(session.starts_at, '%Y年%m月%d日')} {session.topic}",
        heading_level,
    )
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in record_rows(record):
        cells = table.add_row().cells
        cells[0].width = Cm(3.5)
        cells[1].width = Cm(12.5)
        cells[0].paragraphs[0].add_run(label).bold = True
        lines = str(value).split("\n")
        cells[1].paragraphs[0].add_run(lines[0])
        for line in lines[1:]:
            cells[1].add_paragraph(line)


def record_docx(record: SessionRecord) -> bytes:
    document = _new_document()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(str(record.session.group))
    run.bold = True
    run.font.size = Pt(16)
    subtitle = document.add_paragraph(_("Study record"))
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_record(document, record, heading_level=1)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_toc(document) -> None:
    """A Word table-of-contents field over the headings; Word fills in the page
    numbers when the file is opened (updateFields) or on F9."""
    paragraph = document.add_paragraph()
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = 'TOC \\o "1-2" \\h \\z \\u'
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = _("Right-click and choose Update Field to show the contents.")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, separate, placeholder, end):
        run._r.append(element)
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)


def dossier_docx(stats: GroupYear) -> bytes:
    """Every record of the group's year, with a contents page and the year's figures."""
    document = _new_document()
    cover = document.add_paragraph()
    cover.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = cover.add_run(str(stats.group))
    run.bold = True
    run.font.size = Pt(18)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_run = title.add_run(
        _("Study dossier %(year)s") % {"year": stats.year},
    )
    title_run.font.size = Pt(16)
    document.add_heading(_("Contents"), 1)
    _add_toc(document)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    document.add_heading(_("The year in figures"), 1)
    figures = [
        (_("Sessions held"), str(stats.held_count)),
        (
            _("Sessions planned"),
            "—" if stats.planned_count is None else str(stats.planned_count),
        ),
        (_("Hours of study"), str(stats.hours)),
        (
            _("Attendance rate"),
            "—" if stats.rate is None else f"{stats.rate}%",
        ),
        (_("Keynote speeches"), str(stats.keynotes)),
    ]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in figures:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    for warning in stats.warnings:
        document.add_paragraph(warning)

    plan = list(
        PlanItem.objects.filter(plan__group=stats.group, plan__year=stats.year)
        .prefetch_related(plan_materials_prefetch())
        .order_by("month", "pk")
    )
    if plan:
        document.add_heading(_("Annual study plan"), 1)
        table = document.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, label in zip(
            table.rows[0].cells,
            [_("Month"), _("Topic"), _("Study materials")],
            strict=True,
        ):
            cell.text = label
        for item in plan:
            cells = table.add_row().cells
            cells[0].text = f"{item.month}月"
            cells[1].text = item.topic
            cells[2].text = "\n".join(f"《{a.title}》" for a in item.materials.all())

    document.add_heading(_("Records of the sessions"), 1)
    sessions = stats.group.study_sessions.filter(
        pk__in=[s.pk for s in stats.sessions]
    ).order_by("starts_at", "pk")
    for record in load_records(sessions):
        record.notes = [n for n in record.notes if n.status == "final"]
        _add_record(document, record, heading_level=2)
        document.add_paragraph()
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
