"""Members log in and annotate while the worker rebuilds the search index.

    .venv/bin/python bench/rebuild_under_load.py [--paragraphs 20000] [--pg URL]

A fresh database (SQLite file in a temporary directory, or the PostgreSQL database
given, which is emptied first) gets PARAGRAPHS paragraphs; a rebuild is queued and a
real worker (`manage.py db_worker --batch`) runs it while threads in this process
log in and annotate through the views (Django's test client: the full middleware
stack and the same transactions as a request, without a network). Every request is
timed; a request that fails (a 500, "database is locked") counts as an error.
Prints the figures and a last line of key=value pairs.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BODY = (
    "习近平总书记视察天津并发表重要讲话，对新征程上天津工作提出了“四个善作善成”"
    "的重要要求，这为我市统筹推进党建引领基层治理指明了前进方向。"
)
PASSWORD = "bench-password-不要用于生产"


def manage(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=20000)
    parser.add_argument("--pg", help="postgres://… of a database to empty and use")
    parser.add_argument("--members", type=int, default=1, help="annotating threads")
    parser.add_argument(
        "--pause", type=float, default=0.2, help="seconds between a thread's requests"
    )
    parser.add_argument(
        "--indexed",
        action="store_true",
        help="index the library first: the rebuild then replaces existing rows",
    )
    parser.add_argument(
        "--baseline", type=float, default=15, help="seconds of load without a rebuild"
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="studyhub-bench-"))
    url = args.pg or f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "studyhub.settings",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    env.pop("DJANGO_TASKS_BACKEND", None)  # the database queue, as in production
    os.environ.update(env)
    os.environ.pop("DJANGO_TASKS_BACKEND", None)
    if args.pg:
        flush = manage("flush", "--noinput", env=env)
        flush.wait()
    migrate = manage("migrate", "--noinput", env=env)
    assert migrate.wait() == 0, migrate.stdout.read()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Member, Membership, StudyGroup
    from articles.models import Article, Job, Paragraph
    from articles.services import start_exclusive

    # --- the library: PARAGRAPHS paragraphs, in articles of 100 -------------------
    started = time.monotonic()
    per_article = 100
    for a in range(max(1, args.paragraphs // per_article)):
        article = Article.objects.create(
            title=f"在发展新质生产力上勇争先（第{a}篇）",
            byline=f"中共天津市第{a}区委理论学习中心组",
            status=Article.Status.PUBLISHED,
        )
        Paragraph.objects.bulk_create(
            Paragraph(article=article, position=(p + 1) * 10, text=f"{p}{BODY}")
            for p in range(per_article)
        )
    group = StudyGroup.objects.create(name="中共天津市南开区委理论学习中心组")
    members = []
    for n in range(args.members + 1):
        member = Member.objects.create_user(
            username=f"bench{n}", password=PASSWORD, display_name=f"成员{n}"
        )
        Membership.objects.create(group=group, member=member, role="member")
        members.append(member)
    target = Paragraph.objects.order_by("pk").first()
    if args.indexed:
        from articles.services import rebuild_search_index

        rebuild_search_index()
    print(
        f"seeded {Paragraph.objects.count()} paragraphs in "
        f"{time.monotonic() - started:.1f} s ({connection.vendor})"
    )

    # --- the rebuild, queued twice: one job -------------------------------------
    job, _ = start_exclusive(Job.Kind.REBUILD_INDEX)
    again, second_started = start_exclusive(Job.Kind.REBUILD_INDEX)
    assert again.pk == job.pk and not second_started
    connection.close()

    stop = threading.Event()
    logins: list[float] = []
    annotations: list[float] = []
    errors: list[str] = []

    def log_in_repeatedly() -> None:
        while not stop.is_set():
            client = Client()
            begin = time.monotonic()
            try:
                response = client.post(
                    reverse("login"),
                    {"username": members[0].username, "password": PASSWORD},
                    REMOTE_ADDR="10.1.0.1",
                )
                ok = response.status_code == 302
            except Exception as error:  # noqa: BLE001 - counted, not hidden
                ok, response = False, error
            logins.append(time.monotonic() - begin)
            if not ok:
                errors.append(f"login: {response}")
            stop.wait(args.pause)
        connection.close()

    def annotate_repeatedly(member) -> None:
        client = Client()
        client.force_login(member)
        url = reverse("articles:annotation_create", args=[target.pk])
        while not stop.is_set():
            begin = time.monotonic()
            try:
                response = client.post(
                    url,
                    {
                        "start": 0,
                        "end": 4,
                        "quote": target.text[:4],
                        "unit": "cp",
                        "note": "深学才能深信。",
                        "themes": "",
                        "visibility": str(group.pk),
                    },
                )
                ok = response.status_code == 302
            except Exception as error:  # noqa: BLE001
                ok, response = False, error
            annotations.append(time.monotonic() - begin)
            if not ok:
                errors.append(f"annotate: {response}")
            stop.wait(args.pause)
        connection.close()

    def probe_the_write_lock() -> None:
        """The wait itself, without this process's CPU: a one-row write transaction
        on a connection of its own, ten times a second (SQLite only)."""
        import sqlite3

        probe = sqlite3.connect(
            url.removeprefix("sqlite:///"), timeout=20, isolation_level=None
        )
        probe.execute("CREATE TABLE IF NOT EXISTS bench_probe (n INTEGER)")
        while not stop.is_set():
            begin = time.monotonic()
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("INSERT INTO bench_probe VALUES (1)")
            probe.execute("COMMIT")
            waits.append(time.monotonic() - begin)
            stop.wait(0.1)
        probe.close()

    def load(seconds: float | None, worker=None) -> tuple[float, str]:
        stop.clear()
        for values in (logins, annotations, waits, errors):
            values.clear()
        threads = [threading.Thread(target=log_in_repeatedly)] + [
            threading.Thread(target=annotate_repeatedly, args=[m]) for m in members[1:]
        ]
        if connection.vendor == "sqlite":
            threads.append(threading.Thread(target=probe_the_write_lock))
        begin = time.monotonic()
        for thread in threads:
            thread.start()
        output = ""
        if worker is None:
            time.sleep(seconds)
        else:
            output, _ = worker.communicate(timeout=3600)
        elapsed = time.monotonic() - begin
        stop.set()
        for thread in threads:
            thread.join()
        return elapsed, output

    def figures(label: str) -> None:
        for name, values in [
            ("login", logins),
            ("annotation", annotations),
            ("write lock", waits),
        ]:
            print(
                f"{label} {name}: {len(values)} requests, p50 "
                f"{percentile(values, 50) * 1000:.0f} ms, p95 "
                f"{percentile(values, 95) * 1000:.0f} ms, max "
                f"{max(values, default=0) * 1000:.0f} ms"
            )
        print(f"{label} errors: {len(errors)} {errors[:3]}")

    waits: list[float] = []
    load(args.baseline)
    figures("without rebuild:")
    worker = manage(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", env=env
    )
    rebuild_seconds, output = load(None, worker)

    job.refresh_from_db()
    assert worker.returncode == 0, output
    print(
        f"rebuild: job {job.pk} {job.state}, {job.done}/{job.total} units in "
        f"{rebuild_seconds:.1f} s, {Job.objects.filter(kind=job.kind).count()} job"
    )
    figures("during rebuild:")
    print(
        f"vendor={connection.vendor} paragraphs={Paragraph.objects.count()} "
        f"rebuild_s={rebuild_seconds:.1f} job_state={job.state} "
        f"logins={len(logins)} login_max_ms={max(logins, default=0) * 1000:.0f} "
        f"login_p95_ms={percentile(logins, 95) * 1000:.0f} "
        f"annotations={len(annotations)} "
        f"annotation_max_ms={max(annotations, default=0) * 1000:.0f} "
        f"annotation_p95_ms={percentile(annotations, 95) * 1000:.0f} "
        f"lock_wait_max_ms={max(waits, default=0) * 1000:.0f} "
        f"lock_wait_p95_ms={percentile(waits, 95) * 1000:.0f} "
        f"errors={len(errors)}"
    )


if __name__ == "__main__":
    main()
