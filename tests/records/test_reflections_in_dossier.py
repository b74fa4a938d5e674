"""Reflections in the annual dossier, as LibreOffice prints it: an item of its own
in the contents, at the page where it starts, with each member's text."""

import re

import pytest

from articles.records.docx import dossier_docx
from articles.records.reads import group_year
from articles.services import hand_in_reflection
from articles.services.reflections import check_reflection_file
from tests.articles import seed_variants as seed

from .conftest import Office

pytestmark = pytest.mark.django_db

LEADER_TEXT = (
    "通过学习，我对坚持党建引领基层治理有了更深的认识，要在全区推开网格化管理。"
)
FILE_TEXT = "作风建设永远在路上，要以钉钉子精神抓好整改落实。"
MEMBER_TEXT = "补学了会议材料，体会到要把枫桥经验落到社区一线。"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _printed_number(text: str) -> int | None:
    found = re.search(r"—\s*(\d+)\s*—", text)
    return int(found.group(1)) if found else None


def test_dossier_prints_the_reflections_where_the_contents_say(
    tmp_path, group, year, leader, secretary, member
):
    first = year["sessions"][0]
    hand_in_reflection(first, leader, text=LEADER_TEXT)
    hand_in_reflection(first, member, text=MEMBER_TEXT, for_make_up=True)
    hand_in_reflection(
        year["sessions"][2],
        secretary,
        text="",
        upload=check_reflection_file(
            seed.docx_from_lines([(FILE_TEXT, None)]), "李秘书心得.docx"
        ),
    )
    stats = group_year(group, 2026)
    assert stats.reflections == 3
    # Its own Office (not the session's): the other tests' dossier has none.
    office = Office(tmp_path)
    pdf = office.pdf("dossier-reflections", dossier_docx(stats), ".docx")
    pages = office.pages(pdf)
    texts = {n: _flat(office.text(pdf, n)) for n in range(1, pages + 1)}
    contents = office.text(pdf, 2)
    line = next(li for li in contents.splitlines() if "学习心得体会" in li)
    listed = int(re.findall(r"\s(\d+)\s*$", line.rstrip())[0])
    start = next(
        n for n, text in texts.items() if text.startswith("本年度学习心得体会")
    )
    assert _printed_number(office.text(pdf, start)) == listed
    printed = "".join(texts[n] for n in range(start, pages + 1))
    assert _flat(LEADER_TEXT) in printed
    assert _flat(MEMBER_TEXT) in printed and "（补学体会）" in printed
    # The Word file's own text, read at upload, and its name.
    assert _flat(FILE_TEXT) in printed and "李秘书心得.docx" in printed
    # The members in the reads' order: the leader before the member.
    assert printed.index(_flat(LEADER_TEXT)) < printed.index(_flat(MEMBER_TEXT))
    # The make-up list still closes the dossier.
    assert "补学情况" in texts[pages]


def test_a_group_that_asks_for_none_and_got_none_has_no_reflections_item(group, year):
    from io import BytesIO

    from docx import Document

    document = Document(BytesIO(dossier_docx(group_year(group, 2026))))
    assert "本年度学习心得体会" not in document.element.body.xml
    assert "提交学习心得" not in document.element.body.xml
