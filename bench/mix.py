"""The load benchmark's member workload in-process: CPU per request over the floor.

    .venv/bin/python bench/mix.py [--actions 1500] [--users 8] [--seed 1]

bench/load.py measures throughput against gunicorn, which needs a quiet machine;
this replays the same weighted actions (``bench.load.ACTIONS``, the same writes
and pages, the same demo users) one after another through Django's test client on
a throw-away demo database (``DATABASE_URL``, SQLite by default) and counts the
thread CPU time of every request. The floor (``/bench/floor/``) is measured in
turn with the workload, one request after every action, so both see the same
caches and data. CPU time is counted per thread, so other work on the machine
changes these figures far less than it changes throughput.

Prints CPU ms per page (median, p90, count) and, last::

    mix_ms=… floor_ms=… ratio_floor=… requests=… writes=…

ratio_floor = floor_ms / mix_ms: the throughput the mix would reach over the
floor's on a machine whose only work is Django (gunicorn and the HTTP client
add about the same to every request, which brings bench/load.py's ratio nearer 1).
"""

import argparse
import io
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.database import scratch_database, vendor  # noqa: E402
from bench.load import ACTIONS, DEMO_USERS, FLOOR_PATH, page_of  # noqa: E402

ARTICLE_LINK = re.compile(r'href="(/articles/\d+/)"')
THEME_LINK = re.compile(r'href="(/themes/[^"]+/)"')


class InProcessUser:
    """What bench/load.py's actions use of a VirtualUser, over a test client."""

    def __init__(self, client, username: str, number: int, log):
        self.client = client
        self.username = username
        self.number = number
        self.log = log  # (page, cpu ms)
        # The actions draw from ``user.random``: here one sequence for all users,
        # as they take turns in one thread (seeded by --seed).
        self.random = random
        self.last_body = ""
        self.article_urls: list[str] = []
        self.theme_urls: list[str] = []

    def _timed(self, method: str, path: str, call):
        began = time.thread_time()
        response = call()
        took = (time.thread_time() - began) * 1000
        self.log.append((page_of(method, path), took))
        self.last_body = response.content.decode("utf-8", errors="replace")
        if response.status_code >= 500:
            raise RuntimeError(f"{method} {path}: {response.status_code}")
        return response.status_code

    def get(self, path: str) -> int:
        url, _, query = path.partition("?")
        return self._timed(
            "GET", path, lambda: self.client.get(url, dict(parse_qsl(query)))
        )

    def post(self, path: str, fields: dict[str, str]) -> int:
        return self._timed("POST", path, lambda: self.client.post(path, fields))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1500)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    with (
        tempfile.TemporaryDirectory(prefix="studyhub-bench-") as folder,
        scratch_database(os.environ.get("DATABASE_URL"), Path(folder)) as url,
    ):
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_CACHE_DIR", str(Path(folder) / "cache"))
        from bench.inprocess import setup_django

        setup_django("bench.settings")
        from django.core.management import call_command
        from django.db import connections
        from django.test import Client

        from accounts.models import Member

        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
        log: list[tuple[str, float]] = []
        floor_log: list[tuple[str, float]] = []
        users = []
        for number in range(args.users):
            username = DEMO_USERS[number % len(DEMO_USERS)]
            client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
            client.force_login(Member.objects.get(username=username))
            user = InProcessUser(client, username, 100 + number, log)
            body = client.get("/articles/").content.decode()
            user.article_urls = sorted(
                set(re.findall(r'href="(/articles/\d+/)"', body))
            )
            user.theme_urls = sorted(set(re.findall(r'href="(/themes/[^"]+/)"', body)))
            users.append(user)
        floor_users = [
            InProcessUser(u.client, u.username, u.number, floor_log) for u in users
        ]
        for user in floor_users:  # warm-up: templates compiled, jieba loaded
            user.get(FLOOR_PATH)
        for user in users:
            for action in ACTIONS:
                if action.fits(user):
                    action.run(user)
        log.clear()
        floor_log.clear()
        for step in range(args.actions):
            index = step % len(users)
            user = users[index]
            fitting = [action for action in ACTIONS if action.fits(user)]
            action = random.choices(fitting, [a.weight for a in fitting])[0]
            action.run(user)
            floor_users[index].get(FLOOR_PATH)
        connections.close_all()
        database = vendor(url)

    by_page = defaultdict(list)
    for page, ms in log:
        by_page[page].append(ms)
    floor_ms = statistics.mean(ms for _, ms in floor_log)
    mix_ms = statistics.mean(ms for _, ms in log)
    print(f"database: {database}; {args.actions} actions by {args.users} users")
    print(f"{'page':<18} {'count':>6} {'median ms':>10} {'p90 ms':>8} {'×floor':>7}")
    for page, values in sorted(by_page.items(), key=lambda kv: -sum(kv[1])):
        values.sort()
        print(
            f"{page:<18} {len(values):>6} {statistics.median(values):>10.1f} "
            f"{values[int(len(values) * 0.9)]:>8.1f} "
            f"{statistics.mean(values) / floor_ms:>7.1f}"
        )
    writes = sum(1 for page, _ in log if page.endswith("POST"))
    print(
        f"\nmix_ms={mix_ms:.1f} floor_ms={floor_ms:.1f} "
        f"ratio_floor={floor_ms / mix_ms:.2f} requests={len(log)} writes={writes}"
    )


if __name__ == "__main__":
    main()
