"""A group's year as the documents show it, and LibreOffice to print them.

LibreOffice runs headless with a private profile per test session (two parallel
runs never share one), and each kind of document is converted once per session:
conversions take seconds.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from accounts.models import Membership
from articles.services import (
    AttendanceEntry,
    archive_session,
    record_attendance,
    save_discussion_note,
    update_session,
)

from ..articles.sessions_support import at, bundled_article, make_session
from ..factories import MemberFactory, MembershipFactory

POSITIONS = [
    "区委常委、组织部部长",
    "区委常委、宣传部部长",
    "区委常委、政法委书记",
    "副区长",
    "区委办公室主任",
    "区纪委副书记",
    "区发展改革委主任",
    "区教育局局长",
    "区卫生健康委主任",
    "区财政局局长",
]

# fontconfig names for the faces the documents ask for: the free CJK faces here.
# Only the rendering in the tests uses this; the files keep the Windows names.
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
{aliases}
</fontconfig>
"""
ALIASES = {
    "仿宋_GB2312": "Noto Serif CJK SC",
    "方正小标宋简体": "Noto Serif CJK SC",
    "楷体_GB2312": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC",
}


def add_positioned_members(group, count: int) -> list:
    people = []
    for index in range(count):
        person = MemberFactory(
            username=f"p{index:02d}",
            display_name=f"成员{index:02d}",
            position=POSITIONS[index % len(POSITIONS)],
        )
        MembershipFactory(group=group, member=person, role=Membership.Role.MEMBER)
        people.append(person)
    return people


@pytest.fixture
def year(group, leader, secretary, member):
    """2026 of the 南开 group: 30 members, three held sessions (the second
    archived and corrected), one still planned."""
    leader.position, secretary.position = "区委书记", "区委办公室副主任"
    leader.save(update_fields=["position"])
    secretary.save(update_fields=["position"])
    others = add_positioned_members(group, 27)
    article = bundled_article()
    cited = list(article.paragraphs.filter(kind="body")[:2])
    sessions = []
    for number, (month, topic) in enumerate(
        [(3, "以党建引领基层治理创新"), (5, "学习贯彻全会精神"), (9, "深化作风建设")]
    ):
        session = make_session(
            group,
            article=article,
            host=leader,
            recorder=secretary,
            topic=topic,
            starts_at=at(2026, month, 12, 9),
            ends_at=at(2026, month, 12, 12),
            summary="围绕专题开展学习研讨，交流思想认识。" * (4 + 6 * number),
        )
        entries = [
            AttendanceEntry(member=leader, status="present"),
            AttendanceEntry(member=secretary, status="late"),
            AttendanceEntry(member=member, status="on_leave", leave_reason="因公出差"),
        ]
        entries += [
            AttendanceEntry(member=p, status="absent" if i == 3 else "present")
            for i, p in enumerate(others)
        ]
        record_attendance(
            session, entries, author=secretary, observers=[("孙晓", "区委宣传部")]
        )
        save_discussion_note(
            session,
            author=secretary,
            speaker=leader,
            kind="keynote",
            content="坚持党建引领，推动基层治理现代化。" * (3 + 5 * number),
            cited_paragraphs=cited,
        )
        save_discussion_note(
            session,
            author=secretary,
            speaker=others[0],
            kind="discussion",
            content="结合分管工作谈体会。" * (5 + 8 * number),
        )
        save_discussion_note(
            session,
            author=secretary,
            speaker=leader,
            kind="closing",
            content="要把学习成果转化为工作成效。",
        )
        sessions.append(session)
    archive_session(sessions[1])
    update_session(
        sessions[1], author=secretary, reason="地点记录有误", place="区委第一会议室"
    )
    planned = make_session(
        group,
        topic="计划中的学习",
        status="planned",
        starts_at=at(2026, 11, 20, 9),
        ends_at=at(2026, 11, 20, 11),
    )
    return {"sessions": sessions, "planned": planned, "article": article}


class Office:
    """soffice --headless with its own profile; pdftotext/pdfinfo/pdftoppm."""

    def __init__(self, root: Path):
        self.root = root
        self.profile = root / "profile"
        fonts = root / "fonts.conf"
        fonts.write_text(
            FONTS_CONF.format(
                aliases="\n".join(
                    f'  <alias binding="same"><family>{name}</family>'
                    f"<prefer><family>{face}</family></prefer></alias>"
                    for name, face in ALIASES.items()
                )
            ),
            encoding="utf-8",
        )
        self.env = {**os.environ, "FONTCONFIG_FILE": str(fonts)}
        self.done: dict[str, Path] = {}

    def pdf(self, kind: str, content: bytes, suffix: str) -> Path:
        """The PDF of ``content``, converted once per session for each kind."""
        if kind in self.done:
            return self.done[kind]
        source = self.root / f"{kind}{suffix}"
        source.write_bytes(content)
        subprocess.run(
            [
                shutil.which("soffice") or "soffice",
                f"-env:UserInstallation={self.profile.as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(self.root),
                str(source),
            ],
            check=True,
            capture_output=True,
            env=self.env,
            timeout=180,
        )
        pdf = self.root / f"{kind}.pdf"
        assert pdf.exists(), f"LibreOffice made no PDF of {kind}"
        # PNGs at 50 dpi, for a person to look at (the report names them).
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", str(pdf), str(self.root / kind)],
            check=True,
        )
        self.done[kind] = pdf
        return pdf

    @staticmethod
    def pages(pdf: Path) -> int:
        info = subprocess.run(
            ["pdfinfo", str(pdf)], check=True, capture_output=True, text=True
        ).stdout
        return int(
            next(
                line for line in info.splitlines() if line.startswith("Pages:")
            ).split()[1]
        )

    @staticmethod
    def page_sizes(pdf: Path) -> set[str]:
        info = subprocess.run(
            ["pdfinfo", "-f", "1", "-l", "999", str(pdf)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return {
            line.split(":", 1)[1].strip()
            for line in info.splitlines()
            if line.startswith("Page") and "size:" in line
        }

    @staticmethod
    def text(pdf: Path, page: int | None = None) -> str:
        command = ["pdftotext", "-layout"]
        if page is not None:
            command += ["-f", str(page), "-l", str(page)]
        return subprocess.run(
            [*command, str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout


@pytest.fixture(scope="session")
def office(tmp_path_factory):
    return Office(tmp_path_factory.mktemp("office"))
