"""The record as files, opened again with python-docx and openpyxl."""

from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from articles.models import Article
from articles.services import (
    AttendanceEntry,
    mark_article_studied,
    record_attendance,
    save_discussion_note,
)

from .sessions_support import add_members, at, bundled_article, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(group, leader, secretary, member):
    article = bundled_article()
    session = make_session(group, article=article, host=leader, recorder=secretary)
    record_attendance(
        session,
        [
            AttendanceEntry(member=leader, status="present"),
            AttendanceEntry(member=secretary, status="late"),
            AttendanceEntry(member=member, status="on_leave", leave_reason="因公出差"),
        ],
        author=secretary,
        observers=[("孙晓", "区委宣传部")],
    )
    save_discussion_note(
        session,
        author=secretary,
        speaker=leader,
        kind="keynote",
        content="坚持党建引领，推动基层治理现代化。",
    )
    save_discussion_note(
        session,
        author=secretary,
        speaker=secretary,
        kind="discussion",
        content="结合办公室工作谈体会。",
    )
    save_discussion_note(
        session,
        author=secretary,
        speaker=leader,
        kind="closing",
        content="要把学习成果转化为工作成效。",
    )
    save_discussion_note(
        session, author=member, speaker=member, content="草稿不入档。", status="draft"
    )
    return session


def _table(document) -> dict:
    return {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}


def test_record_docx_has_the_record_book_table(client, member, held):
    client.force_login(member)

    response = client.get(reverse("articles:session_docx", args=[held.pk]))

    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert "attachment" in response["Content-Disposition"]
    document = Document(BytesIO(response.content))
    rows = _table(document)
    assert rows["学习时间"] == "2026年03月12日 09:00—12:00"
    assert rows["学习地点"] == "区委常委会议室"
    assert rows["主持人"] == "张组长"
    assert rows["记录人"] == "李秘书"
    assert rows["应到/实到"] == "应到3人，实到2人，出勤率66.7%"
    assert rows["参加人员"] == "张组长、李秘书"
    assert rows["迟到、早退人员"] == "李秘书（迟到）"
    assert rows["请假人员及原因"] == "王成员（因公出差）"
    assert rows["缺席人员"] == "—"
    assert rows["列席人员"] == "孙晓（区委宣传部）"
    assert "以党建引领基层治理创新" in rows["学习材料"]
    assert rows["中心发言"] == "张组长：坚持党建引领，推动基层治理现代化。"
    assert rows["交流发言"] == "李秘书：结合办公室工作谈体会。"
    assert rows["总结讲话"] == "张组长：要把学习成果转化为工作成效。"
    assert "草稿不入档" not in "".join(rows.values())
    assert "中共天津市南开区委理论学习中心组" in document.paragraphs[0].text
    assert document.paragraphs[1].text == "2026年第1次集体学习记录"


def test_attendance_xlsx_members_as_rows_sessions_as_columns(
    client, secretary, leader, member, held
):
    second = make_session(
        held.group,
        topic="第二次学习",
        starts_at=at(2026, 4, 2, 14),
        ends_at=at(2026, 4, 2, 17),
    )
    record_attendance(
        second,
        [
            AttendanceEntry(member=leader, status="present"),
            AttendanceEntry(member=secretary, status="present"),
            AttendanceEntry(member=member, status="absent"),
        ],
        author=secretary,
    )
    # Two articles studied by the leader in 2026, one the year before (not counted).
    articles = list(Article.objects.order_by("pk")[:3])
    for article, year in zip(articles, [2026, 2026, 2025], strict=True):
        progress = mark_article_studied(leader, article)
        progress.studied_at = at(year, 3, 20)
        progress.save(update_fields=["studied_at"])
    client.force_login(secretary)

    response = client.get(
        reverse("articles:group_attendance_xlsx", args=[held.group.pk, 2026])
    )

    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "中共天津市南开区委理论学习中心组2026年度集体学习考勤表"
    assert rows[1][:3] == ["序号", "姓名", "职务"]
    assert rows[1][3].startswith("03-12") and rows[1][4].startswith("04-02")
    assert rows[1][5:] == [
        "应到次数",
        "实到次数",
        "请假",
        "缺席",
        "待补学",
        "中心发言",
        "已学习文章",
        "出勤率",
    ]
    by_name = {row[1]: row[3:] for row in rows[2:]}
    # 王成员: on leave once, absent once, both make-ups still open.
    assert by_name["王成员"] == ["请假", "缺席", 2, 0, 1, 1, 2, 0, 0, 0]
    assert by_name["李秘书"] == ["迟到", "出席", 2, 2, 0, 0, 0, 0, 0, 1]
    assert by_name["张组长"] == ["出席", "出席", 2, 2, 0, 0, 0, 1, 2, 1]
    assert by_name["全组合计"][-8:] == [6, 4, 1, 1, 2, 1, 2, pytest.approx(0.667)]
    assert sheet.cell(row=3, column=13).number_format == "0.0%"


def test_annual_dossier_has_contents_figures_and_every_record(client, secretary, held):
    add_members(held.group, 1)
    make_session(held.group, topic="计划中的学习", status="planned")
    client.force_login(secretary)

    response = client.get(
        reverse("articles:group_dossier_docx", args=[held.group.pk, 2026])
    )

    document = Document(BytesIO(response.content))
    texts = [p.text for p in document.paragraphs]
    assert "2026年度理论学习中心组学习档案" in texts
    assert "目录" in texts
    contents = document.tables[0]
    assert [c.text for c in contents.rows[0].cells] == [
        "序号",
        "题名",
        "责任者",
        "日期",
        "页号",
        "备注",
    ]
    titles = [row.cells[1].text for row in contents.rows[1:]]
    assert titles == [
        "年度学习情况统计",
        "2026年第1次集体学习记录：以党建引领基层治理创新",
        "补学情况",
    ]
    # The planned session is not in the dossier.
    assert "计划中的学习" not in document.element.body.xml
    assert "PAGEREF item_" in document.element.body.xml
    assert "w:updateFields" in document.settings.element.xml
    figures = _table_at(document, 1)
    assert figures["已举行学习次数"] == "1"
    assert figures["出勤率"] == "66.7%"
    record = next(t for t in document.tables if t.rows[0].cells[0].text == "学习专题")
    assert _rows(record)["中心发言"].startswith("张组长")


def _rows(table) -> dict:
    return {r.cells[0].text: r.cells[1].text for r in table.rows}


def _table_at(document, index) -> dict:
    return {r.cells[0].text: r.cells[1].text for r in document.tables[index].rows}


def test_dossier_only_for_record_keepers(client, member, held):
    client.force_login(member)

    response = client.get(
        reverse("articles:group_dossier_docx", args=[held.group.pk, 2026])
    )

    assert response.status_code == 403


def test_exports_of_another_group_are_404(client, outsider, held):
    client.force_login(outsider)

    for url in [
        reverse("articles:session_docx", args=[held.pk]),
        reverse("articles:group_attendance_xlsx", args=[held.group.pk, 2026]),
        reverse("articles:group_dossier_docx", args=[held.group.pk, 2026]),
    ]:
        assert client.get(url).status_code == 404


def test_dossier_includes_the_annual_plan(client, secretary, held):
    from articles.services import add_plan_item

    add_plan_item(
        held.group,
        2026,
        month=3,
        topic="党建引领基层治理",
        materials=list(held.materials.all()),
    )
    client.force_login(secretary)

    response = client.get(
        reverse("articles:group_dossier_docx", args=[held.group.pk, 2026])
    )

    document = Document(BytesIO(response.content))
    assert "2026年度学习计划" in [p.text for p in document.paragraphs]
    plan = document.tables[1]
    assert [c.text for c in plan.rows[0].cells] == ["月份", "学习专题", "学习材料"]
    assert plan.rows[1].cells[0].text == "3月"
    assert plan.rows[1].cells[1].text == "党建引领基层治理"
    assert "基层治理" in plan.rows[1].cells[2].text
