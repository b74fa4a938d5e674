"""Parallel writers on one database: nobody gets "database is locked", every row
arrives. SQLite relies on WAL + BEGIN IMMEDIATE + the busy timeout (settings).

Writers: imports (one transaction each) and theme tagging (read-then-write); then,
each in its own process and through the services, members who annotate (with a
theme every writer uses) and reply (also all to one annotation), and secretaries
who record the attendance of the same sessions at the same time.
"""

from pathlib import Path

import pytest
from django.db import connection

from .test_crash import manage

WRITERS = 4
ARTICLES_EACH = 15
PARAGRAPHS = 12
BODY = "学不厌精，探赜钩深。“学在深处”，是在发展新质生产力上善作善成必须下好的先手棋。"


def document(path, writer: int):
    blocks = ["党委(党组)理论学习中心组园地", ""]
    for i in range(ARTICLES_EACH):
        blocks += [f"以学铸魂 勇争先（{writer}-{i}）", ""]
        blocks += [f"中共天津市第{writer}区委理论学习中心组", ""]
        blocks += [f"{j}{BODY}\n" for j in range(PARAGRAPHS)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


# One writer process: import its document (one transaction), then tag each of its
# articles in short read-then-write transactions, with a theme every writer uses
# (taggit creates that Tag row in a race).
WRITER = """
import sys
from pathlib import Path
from django.db import transaction
from articles.models import Article
from articles.services import import_document
path = Path(sys.argv[-1])
result = import_document(path.read_bytes(), path.name, status="published")
for article in result.created:
    with transaction.atomic():
        article.tags.add("主题" + path.stem, "共同主题")
"""


def run_writers(tmp_path, url):
    script = str(tmp_path / "writer.py")
    Path(script).write_text(WRITER, encoding="utf-8")
    documents = [str(document(tmp_path / f"w{n}.txt", n)) for n in range(WRITERS)]
    processes = [
        manage(
            "shell",
            "-c",
            f"import sys; sys.argv.append({path!r}); exec(open({script!r}).read())",
            database_url=url,
        )
        for path in documents
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        assert b"locked" not in err


# Study writers. SETUP runs once: a group of WRITERS members and WRITERS
# secretaries, SESSIONS sessions, one annotation everybody replies to.
SESSIONS = 3
ANNOTATIONS_EACH = 10
SETUP = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import Member, Membership, StudyGroup
from articles.models import Article
from articles.services import annotate_paragraph, create_session
group = StudyGroup.objects.create(name="并发测试中心组")
for n in range(WRITERS):
    for prefix, role in (("w", "member"), ("s", "secretary")):
        name = f"{prefix}{n}"
        person = Member.objects.create(username=name, display_name=name)
        Membership.objects.create(group=group, member=person, role=role)
article = Article.objects.order_by("pk").first()
paragraph = article.paragraphs.filter(kind="body").first()
annotate_paragraph(author=Member.objects.get(username="w0"), paragraph=paragraph,
    start=0, end=4, quote=paragraph.text[:4], note="大家来讨论", group=group)
start = timezone.now() - timedelta(days=SESSIONS + 1)
for i in range(SESSIONS):
    create_session(group, topic=f"并发学习{i}", form="collective",
        starts_at=start + timedelta(days=i), ends_at=start + timedelta(days=i, hours=2),
        materials=[article])
"""
# One study writer: member w<n> annotates and replies, secretary s<n> records
# every session (each secretary with other statuses, so the rows really change).
STUDY_WRITER = """
import sys
from accounts.models import Member, StudyGroup
from articles.models import Annotation, Article, Attendance, StudySession
from articles.services import (
    AttendanceEntry, annotate_paragraph, record_attendance, reply_to_annotation)
n = int(sys.argv[-1])
group = StudyGroup.objects.get(name="并发测试中心组")
me = Member.objects.get(username=f"w{n}")
secretary = Member.objects.get(username=f"s{n}")
article = Article.objects.order_by("pk").first()
paragraphs = list(article.paragraphs.filter(kind="body"))
hot = Annotation.objects.get(note="大家来讨论")
members = list(Member.objects.filter(memberships__group=group).order_by("pk"))
statuses = ["present", "late", "absent", "on_leave"]
sessions = list(StudySession.objects.filter(group=group).order_by("pk"))
for i in range(ANNOTATIONS_EACH):
    paragraph = paragraphs[(n + i) % len(paragraphs)]
    annotation = annotate_paragraph(author=me, paragraph=paragraph, start=0, end=4,
        quote=paragraph.text[:4], note=f"w{n}的批注{i}", themes=["并发主题"],
        group=group)
    reply_to_annotation(annotation, author=me, text=f"w{n}自答{i}")
    reply_to_annotation(hot, author=me, text=f"w{n}回复{i}")
    session = sessions[i % len(sessions)]
    entries = [
        AttendanceEntry(member=m, status=statuses[(n + k) % 4], leave_reason="出差")
        for k, m in enumerate(members)
    ]
    record_attendance(session, entries, author=secretary)
"""


def run_study_writers(tmp_path, url):
    constants = (
        f"WRITERS={WRITERS}; SESSIONS={SESSIONS}; ANNOTATIONS_EACH={ANNOTATIONS_EACH}"
    )
    setup = tmp_path / "setup.py"
    setup.write_text(constants + "\n" + SETUP, encoding="utf-8")
    process = manage(
        "shell", "-c", f"exec(open({str(setup)!r}).read())", database_url=url
    )
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    script = tmp_path / "study_writer.py"
    script.write_text(constants + "\n" + STUDY_WRITER, encoding="utf-8")
    processes = [
        manage(
            "shell",
            "-c",
            f"import sys; sys.argv.append('{n}'); exec(open({str(script)!r}).read())",
            database_url=url,
        )
        for n in range(WRITERS)
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        assert b"locked" not in err


def assert_study_rows(count) -> None:
    """``count(sql)`` → the single number the query returns."""
    members = WRITERS * 2
    assert count("SELECT COUNT(*) FROM articles_annotation") == (
        1 + WRITERS * ANNOTATIONS_EACH
    )
    assert (
        count("SELECT COUNT(*) FROM articles_reply") == WRITERS * ANNOTATIONS_EACH * 2
    )
    hot = count("SELECT id FROM articles_annotation WHERE note = '大家来讨论'")
    assert count(
        f"SELECT COUNT(*) FROM articles_reply WHERE annotation_id = {hot}"
    ) == (WRITERS * ANNOTATIONS_EACH)
    # The shared theme: one Tag however many writers created it at once, one link
    # per annotation.
    assert count("SELECT COUNT(*) FROM taggit_tag WHERE name = '并发主题'") == 1
    assert count(
        "SELECT COUNT(*) FROM taggit_taggeditem i JOIN taggit_tag t"
        " ON t.id = i.tag_id WHERE t.name = '并发主题'"
    ) == (WRITERS * ANNOTATIONS_EACH)
    # Every member once per session, whoever saved last; make-up items exactly for
    # those who missed it.
    assert count("SELECT COUNT(*) FROM articles_attendance") == SESSIONS * members
    assert (
        count(
            "SELECT COUNT(*) FROM (SELECT session_id, member_id"
            " FROM articles_attendance GROUP BY session_id, member_id"
            " HAVING COUNT(*) > 1) d"
        )
        == 0
    )
    assert count(
        "SELECT COUNT(*) FROM articles_attendance"
        " WHERE status IN ('absent', 'on_leave')"
    ) == count("SELECT COUNT(*) FROM articles_makeupstudy")


def test_parallel_writers_on_sqlite(tmp_path):
    import sqlite3

    database = tmp_path / "parallel.sqlite3"
    url = f"sqlite:///{database}"
    migrate = manage("migrate", "--noinput", database_url=url)
    assert migrate.wait(timeout=300) == 0
    run_writers(tmp_path, url)
    check = sqlite3.connect(database)
    try:
        articles = check.execute("SELECT COUNT(*) FROM articles_article").fetchone()[0]
        paragraphs = check.execute("SELECT COUNT(*) FROM articles_paragraph").fetchone()
        links = check.execute("SELECT COUNT(*) FROM taggit_taggeditem").fetchone()[0]
    finally:
        check.close()
    assert articles == WRITERS * ARTICLES_EACH
    assert paragraphs[0] == WRITERS * ARTICLES_EACH * PARAGRAPHS
    # Each article: its writer's theme and the shared one.
    assert links == articles * 2

    run_study_writers(tmp_path, url)
    check = sqlite3.connect(database)
    try:
        assert_study_rows(lambda sql: check.execute(sql).fetchone()[0])
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_on_postgresql(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL variant runs with DATABASE_URL=postgres://…")
    from taggit.models import TaggedItem

    from articles.models import Article, Paragraph

    params = connection.settings_dict
    url = (
        f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@{params['HOST']}:"
        f"{params['PORT'] or 5432}/{params['NAME']}"
    )
    run_writers(tmp_path, url)
    assert Article.objects.count() == WRITERS * ARTICLES_EACH
    assert Paragraph.objects.count() == WRITERS * ARTICLES_EACH * PARAGRAPHS
    assert TaggedItem.objects.count() == Article.objects.count() * 2

    run_study_writers(tmp_path, url)

    def count(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    assert_study_rows(count)
