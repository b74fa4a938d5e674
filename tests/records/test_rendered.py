"""The documents as LibreOffice prints them: pages, page size, order, contents."""

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from articles.forms.sessions import group_members
from articles.records.docx import dossier_docx, record_docx, sign_in_docx
from articles.records.reads import group_year, load_record
from articles.records.xlsx import attendance_xlsx

from .conftest import Office

office_pages = Office.pages

pytestmark = pytest.mark.django_db

A4 = "595.304 x 841.89 pts (A4)"


def test_sign_in_sheet_of_30_members_prints_on_one_a4_page(office, group, year):
    session = year["sessions"][0]
    members = list(group_members(group))
    assert len(members) == 30

    pdf = office.pdf(
        "sign-in", sign_in_docx(session, members, session.observers.all()), ".docx"
    )

    assert office.pages(pdf) == 1
    assert office.page_sizes(pdf) == {A4}
    text = office.text(pdf)
    assert "签到表" in text and "孙晓" in text


def _flat(text: str) -> str:
    """pdftotext spaces digits out of Chinese text: compare without whitespace."""
    return re.sub(r"\s+", "", text)


def _printed_number(text: str) -> int | None:
    found = re.search(r"—\s*(\d+)\s*—", text)
    return int(found.group(1)) if found else None


def test_dossier_contents_give_the_pages_where_each_item_starts(office, group, year):
    stats = group_year(group, 2026)

    pdf = office.pdf("dossier", dossier_docx(stats), ".docx")

    pages = office.pages(pdf)
    assert office.page_sizes(pdf) == {A4}
    texts = {n: office.text(pdf, n) for n in range(1, pages + 1)}
    # Cover and contents carry no page number; numbering starts at 1 after them.
    assert _printed_number(texts[1]) is None
    contents = texts[2]
    assert "目录" in contents and "题名" in contents and "责任者" in contents
    listed = {}
    for line in contents.splitlines():
        found = re.search(r"(2026\d{4})\s+(\d+)", line)
        if found:
            listed[found.group(1)] = int(found.group(2))
    starts = {}
    for n, text in texts.items():
        printed = _printed_number(text)
        for number, session in enumerate(year["sessions"], 1):
            if printed and f"2026年第{number}次集体学习记录" in _flat(text):
                starts.setdefault(f"{session.starts_at:%Y%m%d}", (n, printed))
    assert set(starts) == {"20260312", "20260512", "20260912"}
    for date, (physical, printed) in starts.items():
        assert listed[date] == printed, (date, listed, starts)
        # Each record starts its own page: its title heads the page.
        head = _flat("".join(texts[physical].strip().splitlines()[:2]))
        assert head.startswith(str(group)), head
    # The longer records take more than one page, so the numbers are not simply
    # consecutive: the laid-out pages gave them, not a count of items.
    first, second, third = (starts[d][1] for d in sorted(starts))
    assert first < second < third and third - second > 1
    assert "补学情况" in _flat(texts[pages])


def test_record_of_a_planned_session_says_not_held_on_every_page(office, year):
    record = load_record(year["planned"], keeps_record=True)

    pdf = office.pdf("planned-record", record_docx(record), ".docx")

    assert office.page_sizes(pdf) == {A4}
    for n in range(1, office.pages(pdf) + 1):
        assert "未举行（计划）" in office.text(pdf, n)


def test_record_prints_on_a4_with_page_numbers(office, year):
    record = load_record(year["sessions"][2], keeps_record=True, with_corrections=True)

    pdf = office.pdf("record", record_docx(record), ".docx")

    assert office.page_sizes(pdf) == {A4}
    pages = office.pages(pdf)
    printed = [_printed_number(office.text(pdf, n)) for n in range(1, pages + 1)]
    assert printed == list(range(1, pages + 1))
    text = _flat(office.text(pdf))
    assert "2026年第3次集体学习记录" in text
    assert "未举行" not in text
    assert "主持人（签字）" in text and "记录人（签字）" in text
    # The table starts under the title, not on a page of its own.
    assert "学习专题深化作风建设" in _flat(office.text(pdf, 1))


def test_attendance_sheet_prints_one_page_wide(office, group, year):
    stats = group_year(group, 2026)

    pdf = office.pdf("attendance", attendance_xlsx(stats), ".xlsx")

    sizes = office.page_sizes(pdf)
    assert sizes == {"841.89 x 595.304 pts (A4)"}, sizes  # landscape
    pages = [office.text(pdf, n) for n in range(1, office.pages(pdf) + 1)]
    sheet_pages = [t for t in pages if "集体学习考勤表" in t]
    assert sheet_pages
    for text in sheet_pages:
        # The name column and the last column on the same page: one page wide,
        # with the title rows repeated.
        assert "姓名" in text and "出勤率" in text and "03-12" in text


def test_printed_sign_in_page_of_30_members_is_one_a4_page(
    client, member, year, tmp_path
):
    """The HTML sheet as Chromium prints it with the print stylesheets."""
    client.force_login(member)
    html = client.get(
        reverse("articles:sign_in_sheet", args=[year["sessions"][0].pk])
    ).content.decode()
    static = Path(settings.BASE_DIR) / "static"
    html = html.replace('href="/static/', f'href="{static.as_uri()}/')
    page = tmp_path / "sheet.html"
    page.write_text(html, encoding="utf-8")
    pdf = tmp_path / "sheet.pdf"
    subprocess.run(
        [
            "/usr/bin/chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert office_pages(pdf) == 1
    assert "A4" in next(iter(Office.page_sizes(pdf)))
    text = _flat(Office.text(pdf))
    assert "签到表" in text and "成员26" in text and "孙晓" in text
