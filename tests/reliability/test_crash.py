"""kill -9 in the middle of an import: the database stays sound and holds nothing
of the interrupted import (the import is one transaction).

The same for attendance: kill -9 while a secretary's save of a session's attendance
is half-way through its rows: no half-recorded session (attendance is all or nothing).
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = 500
PARAGRAPHS = 40
BODY = (
    "习近平总书记视察天津并发表重要讲话，对新征程上天津工作提出了“四个善作善成”"
    "的重要要求，这为我市统筹推进党建引领基层治理指明了前进方向。"
)


def big_document(path: Path) -> Path:
    """A column of ARTICLES articles of PARAGRAPHS paragraphs (about 4 MB)."""
    blocks = ["党委(党组)理论学习中心组园地", ""]
    for i in range(ARTICLES):
        blocks += [f"在发展新质生产力上勇争先（第{i}篇）", ""]
        blocks += [f"中共天津市第{i}区委理论学习中心组", ""]
        for j in range(PARAGRAPHS):
            blocks += [f"{j}{BODY}", ""]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def manage(*args, database_url: str, **kwargs) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "studyhub.settings",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def wait_then_kill(process: subprocess.Popen, writing, timeout: float = 60) -> None:
    """SIGKILL ``process`` as soon as ``writing()`` says it is writing rows."""
    deadline = time.monotonic() + timeout
    while not writing():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.005)
    assert process.poll() is None, "the import finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_sqlite_survives_kill_during_import(tmp_path):
    database = tmp_path / "crash.sqlite3"
    url = f"sqlite:///{database}"
    migrate = manage("migrate", "--noinput", database_url=url)
    assert migrate.wait(timeout=300) == 0, migrate.communicate()
    document = big_document(tmp_path / "column.txt")
    wal = Path(f"{database}-wal")
    size_before = wal.stat().st_size if wal.exists() else 0

    # Uncommitted pages spill into the WAL as the transaction grows: once it has
    # grown by 1 MB, the import is well inside its transaction.
    importer = manage("import_articles", str(document), database_url=url)
    wait_then_kill(
        importer,
        lambda: wal.exists() and wal.stat().st_size > size_before + 1024 * 1024,
    )

    check = sqlite3.connect(database)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert check.execute("PRAGMA foreign_key_check").fetchall() == []
        assert check.execute("SELECT COUNT(*) FROM articles_article").fetchone() == (0,)
        assert check.execute("SELECT COUNT(*) FROM articles_paragraph").fetchone() == (
            0,
        )
    finally:
        check.close()

    # The database is fully usable: the same import now completes.
    again = manage("import_articles", str(document), database_url=url)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    check = sqlite3.connect(database)
    try:
        assert check.execute("SELECT COUNT(*) FROM articles_article").fetchone() == (
            ARTICLES,
        )
        assert check.execute("SELECT COUNT(*) FROM articles_paragraph").fetchone() == (
            ARTICLES * PARAGRAPHS,
        )
    finally:
        check.close()


@pytest.mark.django_db(transaction=True)
def test_postgresql_survives_kill_during_import(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL variant runs with DATABASE_URL=postgres://…")
    from articles.models import Article, Paragraph

    params = connection.settings_dict
    url = (
        f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@{params['HOST']}:"
        f"{params['PORT'] or 5432}/{params['NAME']}"
    )
    document = big_document(tmp_path / "column.txt")

    def inserting_paragraphs() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s "
                "AND query LIKE 'INSERT INTO \"articles_paragraph\"%%'",
                [params["NAME"]],
            )
            return cursor.fetchone()[0] > 0

    importer = manage("import_articles", str(document), database_url=url)
    wait_then_kill(importer, inserting_paragraphs)
    assert Article.objects.count() == 0
    assert Paragraph.objects.count() == 0


# --- attendance: all or nothing ---------------------------------------------------
CROWD = 120  # members of the group whose attendance is recorded
SETUP_CROWD = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import Member, Membership, StudyGroup
from articles.services import create_session
group = StudyGroup.objects.create(name="断电测试中心组")
Membership.objects.bulk_create(
    Membership(group=group, role="member", sort_order=n + 1,
               member=Member.objects.create(username=f"c{n}", display_name=f"成员{n}"))
    for n in range(CROWD)
)
secretary = Member.objects.create(username="sec", display_name="李秘书")
Membership.objects.create(group=group, member=secretary, role="secretary")
start = timezone.now() - timedelta(days=1)
create_session(group, topic="断电测试", form="collective", starts_at=start,
               ends_at=start + timedelta(hours=2))
"""
# The secretary's save, through the service as the attendance page calls it. With
# PAUSE, a test instrument (a post_save receiver, not a change to our code) says
# "half-way" on stdout when half the rows are written, and waits to be killed.
RECORD = """
import sys, time
from django.db.models.signals import post_save
from accounts.models import Member
from articles.models import Attendance, StudySession
from articles.services import AttendanceEntry, record_attendance
session = StudySession.objects.get(topic="断电测试")
members = list(Member.objects.filter(memberships__group=session.group).order_by("pk"))
saved = []
def half_way(sender, instance, **kwargs):
    saved.append(instance.pk)
    if PAUSE and len(saved) == len(members) // 2:
        print("half-way", flush=True)
        time.sleep(120)
post_save.connect(half_way, sender=Attendance)
record_attendance(session, [
    AttendanceEntry(member=m, status="on_leave" if i % 3 == 0 else "present",
                    leave_reason="出差")
    for i, m in enumerate(members)
], author=Member.objects.get(username="sec"), observers=[("孙晓", "区委宣传部")])
"""


def run_script(tmp_path, name, code, url, **constants) -> subprocess.Popen:
    script = tmp_path / f"{name}.py"
    header = "".join(f"{key} = {value!r}\n" for key, value in constants.items())
    script.write_text(header + code, encoding="utf-8")
    return manage(
        "shell", "-c", f"exec(open({str(script)!r}).read())", database_url=url
    )


def kill_half_way_through_attendance(tmp_path, url) -> None:
    setup = run_script(tmp_path, "setup", SETUP_CROWD, url, CROWD=CROWD)
    out, err = setup.communicate(timeout=300)
    assert setup.returncode == 0, err.decode()
    recorder = run_script(tmp_path, "record", RECORD, url, PAUSE=True)
    # (The shell may print its own lines first.)
    for line in recorder.stdout:
        if line == b"half-way\n":
            break
    else:
        raise AssertionError(recorder.stderr.read().decode())
    os.kill(recorder.pid, signal.SIGKILL)
    recorder.wait(timeout=30)
    assert recorder.returncode == -signal.SIGKILL


# What the session must hold: nothing at all after the kill; everything after a
# complete save (every member once, a make-up item per member on leave, observers).
ATTENDANCE_QUERIES = {
    "attendance": "SELECT COUNT(*) FROM articles_attendance",
    "make_ups": "SELECT COUNT(*) FROM articles_makeupstudy",
    "observers": "SELECT COUNT(*) FROM articles_observer",
    "held": "SELECT COUNT(*) FROM articles_studysession WHERE status = 'held'",
}
NOTHING = {"attendance": 0, "make_ups": 0, "observers": 0, "held": 0}
EVERYTHING = {
    "attendance": CROWD + 1,
    "make_ups": len(range(0, CROWD + 1, 3)),
    "observers": 1,
    "held": 1,
}


def attendance_state(count) -> dict[str, int]:
    return {key: count(sql) for key, sql in ATTENDANCE_QUERIES.items()}


def test_sqlite_attendance_is_all_or_nothing_after_kill(tmp_path):
    database = tmp_path / "attendance.sqlite3"
    url = f"sqlite:///{database}"
    migrate = manage("migrate", "--noinput", database_url=url)
    assert migrate.wait(timeout=300) == 0, migrate.communicate()
    kill_half_way_through_attendance(tmp_path, url)

    def count(sql):
        check = sqlite3.connect(database)
        try:
            return check.execute(sql).fetchone()[0]
        finally:
            check.close()

    check = sqlite3.connect(database)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert check.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        check.close()
    assert attendance_state(count) == NOTHING

    again = run_script(tmp_path, "record", RECORD, url, PAUSE=False)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    assert attendance_state(count) == EVERYTHING


@pytest.mark.django_db(transaction=True)
def test_postgresql_attendance_is_all_or_nothing_after_kill(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL variant runs with DATABASE_URL=postgres://…")
    params = connection.settings_dict
    url = (
        f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@{params['HOST']}:"
        f"{params['PORT'] or 5432}/{params['NAME']}"
    )
    kill_half_way_through_attendance(tmp_path, url)

    def count(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    # The killed backend's transaction is rolled back once PostgreSQL notices the
    # closed connection; wait for it to go rather than race it.
    deadline = time.monotonic() + 30
    while count(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state <> 'idle'"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert attendance_state(count) == NOTHING
    again = run_script(tmp_path, "record", RECORD, url, PAUSE=False)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    assert attendance_state(count) == EVERYTHING
