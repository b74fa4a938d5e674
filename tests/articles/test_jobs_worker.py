"""Jobs through a real worker process (``manage.py db_worker``) and the database
backend, as in production; the rest of the suite runs them in the calling thread.

SQLite's test database lives in memory, out of a worker's reach: the worker, the
queueing commands and the checks share a migrated database file of their own.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BODY = (
    "习近平总书记视察天津并发表重要讲话，对新征程上天津工作提出了“四个善作善成”"
    "的重要要求，这为我市统筹推进党建引领基层治理指明了前进方向。"
)
QUEUE = """
from accounts.models import Member
from articles.services import confirm_import, hold_upload
editor = Member.objects.create(username="editor", is_staff=True)
job = hold_upload(open(PATH, "rb").read(), "column.txt", user=editor, status="draft")
job = confirm_import(job)
print(job.state)
"""


def manage(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1"}
    # The database backend of production, not the suite's immediate one.
    env.pop("DJANGO_TASKS_BACKEND", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_worker_runs_a_large_import_and_one_rebuild(tmp_path):
    database = tmp_path / "worker.sqlite3"
    url = f"sqlite:///{database}"
    assert manage("migrate", "--noinput", url=url).returncode == 0
    column = tmp_path / "column.txt"
    blocks = ["党委(党组)理论学习中心组园地", ""]
    for i in range(40):
        blocks += [f"在发展新质生产力上勇争先（第{i}篇）", ""]
        blocks += [f"中共天津市第{i}区委理论学习中心组", ""]
        blocks += [f"{j}{BODY}\n" for j in range(40)]
    column.write_text("\n".join(blocks), encoding="utf-8")

    script = tmp_path / "queue.py"
    script.write_text(f"PATH = {str(column)!r}\n{QUEUE}", encoding="utf-8")
    queued = manage("shell", "-c", f"exec(open({str(script)!r}).read())", url=url)
    assert queued.stdout.strip().endswith("queued"), queued.stderr
    # Two rebuild requests while nothing runs them: one job.
    first = manage("rebuild_search_index", "--background", url=url)
    second = manage("rebuild_search_index", "--background", url=url)
    assert "Queued as job" in first.stdout, first.stderr
    assert "already running" in second.stdout, second.stderr

    check = sqlite3.connect(database)
    try:
        assert check.execute("SELECT count(*) FROM articles_article").fetchone() == (0,)
    finally:
        check.close()

    worker = manage(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", url=url
    )
    assert worker.returncode == 0, worker.stderr

    check = sqlite3.connect(database)
    try:
        jobs = check.execute(
            "SELECT kind, state, done, total, error FROM articles_job ORDER BY id"
        ).fetchall()
        assert jobs == [
            ("import", "done", 1600, 1600, ""),
            ("rebuild_index", "done", jobs[1][3], jobs[1][3], ""),
        ]
        assert jobs[1][3] == 40 + 1600 + 40  # titles, paragraphs, keywords
        assert check.execute("SELECT count(*) FROM articles_paragraph").fetchone() == (
            1600,
        )
        assert check.execute(
            "SELECT count(*) FROM articles_searchdocument WHERE kind = 'paragraph'"
        ).fetchone() == (1600,)
        statuses = check.execute(
            "SELECT status FROM django_tasks_database_dbtaskresult"
        ).fetchall()
        assert sorted(statuses) == [("SUCCESSFUL",), ("SUCCESSFUL",)]
    finally:
        check.close()
