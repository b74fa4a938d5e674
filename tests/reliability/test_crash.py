"""kill -9 in the middle of an import: the database stays sound and holds nothing
of the interrupted import (the import is one transaction).

After the merge of issue 4, add the same test for attendance recording (kill the
server while a secretary records a session's attendance: no half-recorded session).
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
