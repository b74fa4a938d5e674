"""Every exported file opened again with python-docx and openpyxl, as its reader
sees it: page set-up, fonts, page numbers, member order, leave vs absence, print
setup of the sheet, formula prefixing, and query counts."""

from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from articles.forms.sessions import group_members
from articles.models import Attendance
from articles.records.docx import record_docx
from articles.records.reads import group_year, load_record
from articles.records.xlsx import FORMULA_STARTS, as_text
from articles.services import AttendanceEntry, record_attendance

from ..articles.sessions_support import at, make_session
from ..factories import MemberFactory, MembershipFactory
from .conftest import add_positioned_members

pytestmark = pytest.mark.django_db


def _get(client, user, name, *args):
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, name
    return response.content


def _docx(client, user, name, *args):
    return Document(BytesIO(_get(client, user, name, *args)))


def _urls(year, group):
    session = year["sessions"][0]
    return [
        ("articles:session_docx", session.pk),
        ("articles:sign_in_docx", session.pk),
        ("articles:group_dossier_docx", group.pk, 2026),
    ]


def test_word_files_are_a4_with_the_official_margins(client, secretary, group, year):
    for name, *args in _urls(year, group):
        document = _docx(client, secretary, name, *args)
        for section in document.sections:
            size = (section.page_width.mm, section.page_height.mm)
            assert size == pytest.approx((210, 297), abs=0.05), name
            margins = [
                section.top_margin.mm,
                section.bottom_margin.mm,
                section.left_margin.mm,
                section.right_margin.mm,
            ]
            assert margins == pytest.approx([37, 35, 28, 26], abs=0.05), name


def _east_asia(style) -> str:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia")), fonts.get(qn("w:ascii"))


def test_styles_name_the_chinese_faces_for_word_and_wps(client, secretary, year):
    document = _docx(client, secretary, "articles:session_docx", year["sessions"][0].pk)
    styles = document.styles
    assert _east_asia(styles["Normal"]) == ("仿宋_GB2312", "Times New Roman")
    assert _east_asia(styles["Title"]) == ("方正小标宋简体", "Times New Roman")
    assert _east_asia(styles["Heading 1"]) == ("黑体", "Times New Roman")
    assert _east_asia(styles["Heading 2"]) == ("楷体_GB2312", "Times New Roman")
    assert styles["Normal"].font.size.pt == 16
    assert styles["Title"].font.size.pt == 22
    normal = styles["Normal"].paragraph_format
    assert normal.line_spacing.pt == 29
    # No theme fonts anywhere: python-docx's theme maps Chinese to MS Mincho.
    xml = styles.element.xml
    assert "Theme" not in xml and "明朝" not in xml
    table = next(
        p
        for p in document.part.package.iter_parts()
        if p.partname.endswith("fontTable.xml")
    )
    fallback = 'w:name="仿宋_GB2312"><w:altName w:val="仿宋,FangSong'
    assert fallback in table.blob.decode()


def _footer_has_page_field(footer) -> bool:
    xml = footer._element.xml
    return "PAGE" in xml and 'w:fldCharType="begin"' in xml and "— " in xml


def test_page_numbers_in_the_footer_odd_right_even_left(client, secretary, year):
    document = _docx(client, secretary, "articles:session_docx", year["sessions"][0].pk)
    section = document.sections[0]
    assert document.settings.odd_and_even_pages_header_footer
    assert _footer_has_page_field(section.footer)
    assert _footer_has_page_field(section.even_page_footer)
    assert section.footer.paragraphs[0].alignment == 2  # right
    assert section.even_page_footer.paragraphs[0].alignment == 0  # left
    assert section.footer.paragraphs[0].style.font.size.pt == 14


def test_dossier_numbers_pages_after_cover_and_contents(client, secretary, group, year):
    document = _docx(client, secretary, "articles:group_dossier_docx", group.pk, 2026)
    cover, body = document.sections
    assert not _footer_has_page_field(cover.footer)
    assert _footer_has_page_field(body.footer)
    assert body._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"


def _record_rows(document) -> dict:
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "学习专题")
    return {r.cells[0].text: r.cells[1].text for r in table.rows}


def test_record_separates_leave_from_absence_in_the_reads_order(
    client, secretary, year
):
    session = year["sessions"][0]
    document = _docx(client, secretary, "articles:session_docx", session.pk)
    rows = _record_rows(document)
    assert rows["请假人员及原因"] == "王成员（因公出差）"
    assert rows["缺席人员"] == "成员03"
    assert "成员03" not in rows["请假人员及原因"]
    record = load_record(session)
    attended = [a.member.name for a in record.attended]
    assert rows["参加人员"] == "、".join(attended)
    assert rows["应到/实到"] == "应到30人，实到28人，出勤率93.3%"
    assert rows["迟到、早退人员"] == "李秘书（迟到）"
    assert rows["列席人员"] == "孙晓（区委宣传部）"
    assert rows["学习时长"] == "3小时"
    # The cited paragraphs are quoted under the material, with who cited them.
    assert "引用原文：“" in rows["学习材料"]
    assert "（张组长中心发言引用）" in rows["学习材料"]
    keynote, discussion, closing = (
        rows["中心发言"],
        rows["交流发言"],
        rows["总结讲话"],
    )
    assert keynote.startswith("张组长：") and discussion.startswith("成员00：")
    assert closing == "张组长：要把学习成果转化为工作成效。"
    texts = [p.text for p in document.paragraphs]
    assert any("主持人（签字）" in t and "记录人（签字）" in t for t in texts)
    assert any(t.startswith("日期：") for t in texts)
    assert not document.sections[0].header.paragraphs[0].text


def test_record_table_has_a_fixed_grid(client, secretary, year):
    document = _docx(client, secretary, "articles:session_docx", year["sessions"][0].pk)
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "学习专题")
    tbl = table._tbl
    assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    grid = [int(c.get(qn("w:w"))) for c in tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid == [1701, 7143]  # 30 mm and 126 mm
    for row in table.rows:
        widths = [int(c._tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for c in row.cells]
        assert widths == grid


def test_archived_record_carries_its_corrections(client, secretary, year):
    document = _docx(client, secretary, "articles:session_docx", year["sessions"][1].pk)
    assert "附：归档后更正记录" in [p.text for p in document.paragraphs]
    history = document.tables[-1]
    assert [c.text for c in history.rows[0].cells][-1] == "原因"
    assert history.rows[1].cells[-1].text == "地点记录有误"
    assert "区委第一会议室" in history.rows[1].cells[3].text


def test_record_of_a_planned_session_is_refused_or_marked_not_held(
    client, secretary, year
):
    # The record page refuses the file of a session not held (a file that looks
    # like a record would lie); the builder itself marks every page 未举行.
    client.force_login(secretary)
    url = reverse("articles:session_docx", args=[year["planned"].pk])
    response = client.get(url, follow=True)
    assert response.redirect_chain[0][0] == year["planned"].get_absolute_url()
    assert "还没有可下载的学习记录" in response.content.decode()
    planned = load_record(year["planned"], keeps_record=True)
    document = Document(BytesIO(record_docx(planned)))
    section = document.sections[0]
    for header in (section.header, section.even_page_header):
        assert header.paragraphs[0].text.startswith("未举行（计划）")


def test_sign_in_sheet_lists_members_in_the_given_order(client, member, group, year):
    session = year["sessions"][0]
    document = _docx(client, member, "articles:sign_in_docx", session.pk)
    members = list(group_members(group))
    sheet = document.tables[0]
    assert [c.text for c in sheet.rows[0].cells] == ["序号", "姓名", "职务", "签名"] * 2
    half = (len(members) + 1) // 2
    left = [(r.cells[1].text, r.cells[2].text) for r in sheet.rows[1:]]
    right = [(r.cells[5].text, r.cells[6].text) for r in sheet.rows[1:]]
    listed = [pair for pair in left + right if pair[0]]
    assert listed == [(m.name, m.position) for m in members]
    assert len(sheet.rows) == 1 + half
    boxes = document.tables[1]
    assert [c.text for c in boxes.rows[0].cells][:2] == ["应到", "30人"]
    assert boxes.rows[1].cells[0].text == "主持人签名"
    observers = document.tables[2]
    assert observers.rows[1].cells[1].text == "孙晓"
    assert observers.rows[1].cells[2].text == "区委宣传部"
    assert [r.cells[1].text for r in observers.rows[2:]] == ["", ""]


def test_small_group_signs_in_one_list(client, leader, group, member, secretary):
    session = make_session(group)
    document = _docx(client, leader, "articles:sign_in_docx", session.pk)
    sheet = document.tables[0]
    assert [c.text for c in sheet.rows[0].cells] == [
        "序号",
        "姓名",
        "职务",
        "签名",
        "备注",
    ]
    assert [r.cells[1].text for r in sheet.rows[1:]] == [
        m.name for m in group_members(group)
    ]
    # No observer known: three blank rows to write them in.
    assert len(document.tables[2].rows) == 4


def test_dossier_of_a_year_without_sessions_says_so(client, secretary, group):
    document = _docx(client, secretary, "articles:group_dossier_docx", group.pk, 2025)
    texts = [p.text for p in document.paragraphs]
    assert "2025年度未举行集体学习。" in texts
    assert not any("集体学习记录" in t for t in texts)


def test_dossier_lists_members_in_the_reads_order(client, secretary, group, year):
    document = _docx(client, secretary, "articles:group_dossier_docx", group.pk, 2026)
    table = next(
        t
        for t in document.tables
        if len(t.columns) == 8 and t.rows[0].cells[2].text == "职务"
    )
    names = [r.cells[1].text for r in table.rows[1:]]
    assert names == [m.member.name for m in group_year(group, 2026).members]


def _sheet(client, user, group, year=2026):
    content = _get(client, user, "articles:group_attendance_xlsx", group.pk, year)
    return load_workbook(BytesIO(content))


def test_attendance_sheet_print_setup(client, secretary, group, year):
    workbook = _sheet(client, secretary, group)
    sheet = workbook.worksheets[0]
    setup = sheet.page_setup
    assert setup.orientation == "landscape"
    assert int(setup.paperSize) == 9  # A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.print_title_cols == "$A:$C"
    assert sheet.freeze_panes == "D3"
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    assert sheet["B3"].border.left.style == "thin"
    assert "A1:" in str(sheet.merged_cells)


def test_attendance_sheet_rows_reasons_and_order(client, secretary, group, year):
    workbook = _sheet(client, secretary, group)
    sheet = workbook.worksheets[0]
    names = [sheet.cell(row=r, column=2).value for r in range(3, sheet.max_row)]
    stats = group_year(group, 2026)
    assert names == [m.member.name for m in stats.members]
    positions = [sheet.cell(row=r, column=3).value for r in range(3, sheet.max_row)]
    assert positions == [m.member.position for m in stats.members]
    assert sheet.cell(row=sheet.max_row, column=2).value == "全组合计"
    row = names.index("王成员") + 3
    assert sheet.cell(row=row, column=4).value == "请假"
    assert sheet.cell(row=row, column=4).comment.text == "因公出差"
    leave = workbook.worksheets[1]
    assert leave.title == "请假及缺席"
    lines = [[c.value for c in r] for r in leave.iter_rows(min_row=2)]
    assert [lines[0][1], lines[0][5], lines[0][6]] == ["王成员", "请假", "因公出差"]
    assert any(line[1] == "成员03" and line[5] == "缺席" for line in lines)


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.example/","点此")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"],
)
def test_formula_like_text_is_prefixed_with_a_quote(client, secretary, group, name):
    session = make_session(group)
    person = MemberFactory(username="hostile", display_name=name, position=name)
    MembershipFactory(group=group, member=person)
    record_attendance(
        session,
        [AttendanceEntry(member=person, status="on_leave", leave_reason=name)],
        author=secretary,
    )
    workbook = _sheet(client, secretary, group)
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert [c for c in cells if c.data_type == "f"] == []
    values = [c.value for c in cells if isinstance(c.value, str)]
    assert values.count("'" + name) >= 4  # name and 职务 on both sheets, reason
    assert name not in values
    # The reason is stored stripped (the service trims it): what is left is
    # prefixed where it still starts like a formula.
    reason = Attendance.objects.get(member=person).leave_reason
    comments = [c.comment.text for c in cells if c.comment]
    assert comments == [as_text(reason)]
    assert not comments[0].startswith(FORMULA_STARTS)


def _exports(client, user, group, session):
    for name, *args in [
        ("articles:session_docx", session.pk),
        ("articles:sign_in_docx", session.pk),
        ("articles:group_dossier_docx", group.pk, 2026),
        ("articles:group_attendance_xlsx", group.pk, 2026),
    ]:
        _get(client, user, name, *args)


def _grow(group, secretary, sessions: int, members: int):
    people = add_positioned_members(group, members)
    made = []
    for index in range(sessions):
        session = make_session(
            group,
            topic=f"专题{index}",
            starts_at=at(2026, 3 + index, 1, 9),
            ends_at=at(2026, 3 + index, 1, 11),
        )
        record_attendance(
            session,
            [AttendanceEntry(member=p, status="present") for p in people],
            author=secretary,
            observers=[("孙晓", "区委宣传部")],
        )
        made.append(session)
    return made


def test_export_queries_do_not_grow_with_sessions_or_members(
    client, secretary, group, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = _grow(group, secretary, 1, 2)[0]
    client.force_login(secretary)
    with CaptureQueriesContext(connection) as small:
        _exports(client, secretary, group, first)
    # Two more sessions and eight more members: the same number of queries.
    for index in range(2):
        session = make_session(
            group,
            topic=f"再学{index}",
            starts_at=at(2026, 8 + index, 1, 9),
            ends_at=at(2026, 8 + index, 1, 11),
        )
        more = [
            MemberFactory(username=f"x{index}{n}", display_name=f"新成员{index}{n}")
            for n in range(4)
        ]
        for person in more:
            MembershipFactory(group=group, member=person)
        record_attendance(
            session,
            [AttendanceEntry(member=p, status="present") for p in more],
            author=secretary,
        )
    with django_assert_max_num_queries(len(small)):
        _exports(client, secretary, group, first)
