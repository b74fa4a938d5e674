"""Load benchmark: a mixed member workload against gunicorn on this machine.

    .venv/bin/python bench/load.py [--users 8] [--seconds 20] [--floor-seconds 10]
        [--trivial-seconds 10] [--rounds 4] [--seed 1] [--keep-alive]
        [--during rebuild|import]

Starts gunicorn (studyhub/gunicorn.conf.py: gthread, preload) on a free loopback port
with the production settings plus the benchmarks' URLconf and cache counter
(bench/settings.py), on a throw-away database loaded with the demo (`load_demo`):
SQLite in a temporary folder, or, when ``DATABASE_URL`` names a PostgreSQL server,
a temporary database there, created and dropped by the run (bench/database.py).
Then, in the same run and at the same concurrency:

1. the ceiling: the trivial view /healthz/ (no database, no template, no session);
2. the floor: a logged-in page that does no work, /bench/floor/ (bench/site.py:
   session, user, middleware and ``base.html``; it exists only in the benchmark's
   URLconf, so members never get a URL without a purpose);
3. the mixed workload: each virtual user logs in once through the real login form,
   then performs weighted actions (ACTIONS below) until the time is up. The
   annotations they write stay, so the articles they read grow as they annotate.

The floor and the mixed workload take turns (``--rounds`` of each, their seconds
split evenly), so that both are measured over the same stretch of the run: on a
shared machine the speed of a core changes from minute to minute, and a floor
measured at another moment than the workload moved the ratio by a quarter
between runs. Every virtual user draws its actions from its own random sequence
(``--seed``), the same in every run.

Each request comes on a new connection, as the README's nginx sends them (HTTP/1.0
to gunicorn, no upstream keep-alive), so any worker with a free thread may take
it. ``--keep-alive`` keeps one connection per user instead, as a browser talking
to gunicorn directly would; gthread serves a connection in the worker that
accepted it, so the run prints how the users' connections fell on the workers.

It prints throughput and p50/p95 latency per HTTP request (an annotate action is three
requests: the page, the POST, the page it lands on), per page of the mixed phase, the
cache hits and misses the server counted during the mixed phase (every configured
cache is wrapped by bench/cachestats.py; 0 when nothing is cached), failed actions and
5xx answers per phase, and ends with one line::

    rps=… floor_rps=… ratio_floor=… trivial_rps=… errors=… p95_ms=… hit_rate=…

(rps and p95 of the mixed phase; ratio_floor = rps / floor_rps; hit_rate of the
mixed phase's reads; errors: failed actions and 5xx of all phases). Only loopback
traffic; every phase is bounded in time.

``--during rebuild`` (or ``--during-rebuild``): during the mixed phase the worker
rebuilds the search index again and again (``rebuild_search_index --background``,
then ``db_worker --batch``, the path an editor's admin action takes); ``--during
import``: the bundled column is imported again and again, published, four new
articles each time (``import_articles``). The figures show what members see while
background work runs; a failed run counts as an error. The work goes on through
the floor's turns as well: the ratio is that of two pages under the same load.

The requests come as from the reverse proxy (X-Forwarded-Proto: https, one
X-Forwarded-For address per virtual user), so HTTPS redirects, secure cookies, CSRF
origin checks and django-axes behave as in production. A virtual user keeps what a
browser keeps: cookies, and a response the headers allow it to reuse (``max-age``
without ``no-store``/``no-cache`` is reused unasked while fresh; an ``ETag`` without
``no-store`` is revalidated with ``If-None-Match``, and a 304 reuses the body).

To add an action, append an
``Action(name, weight, function)`` to ACTIONS; the function gets the ``VirtualUser``
and returns the response status (use ``user.get`` / ``user.post``). A write follows
its redirect as a browser does, so its status is the page it lands on. Actions with
``who=RECORD_KEEPERS`` are chosen only by those users (the demo's secretary and
leader keep their group's record).
"""

import argparse
import html
import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import scratch_database, vendor  # noqa: E402

FLOOR_PATH = "/bench/floor/"  # bench/site.py
PYTHON = sys.executable
DEMO_PASSWORD = "studyhub-demo"
DEMO_USERS = ["zhangwei", "zhaoqiang", "liming", "wangfang", "chenjing", "liuyang"]
# The demo's Nankai leader and secretary: they record attendance.
RECORD_KEEPERS = frozenset({"zhangwei", "liming"})


# --- HTTP client: one keep-alive connection per virtual user -----------------------
class VirtualUser:
    def __init__(self, port: int, number: int, seed: int = 1, keep_alive: bool = False):
        self.port = port
        self.number = number
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.address = f"10.{number // 250}.{number % 250}.{number % 200 + 1}"
        self.username = ""
        self.article_urls: list[str] = []
        self.theme_urls: list[str] = []
        self.last_body = ""
        # (seconds, status, page) of every HTTP exchange: throughput and latency are
        # counted per request, as the server sees them (an annotate action is three).
        self.exchanges: list[tuple[float, int, str]] = []
        # What a browser keeps of a GET: path -> (etag, fresh until, body).
        self.kept: dict[str, tuple[str, float, str]] = {}
        self.reused = 0
        # Each user's own sequence of choices, the same in every run (--seed): the
        # threads interleave as they will, but no run draws a lighter mix.
        self.random = random.Random(f"{seed}:{number}")
        # A new connection for every request, as the reverse proxy of the README
        # opens one (nginx speaks HTTP/1.0 to gunicorn unless told otherwise);
        # --keep-alive keeps one per user instead, as a browser would.
        self.close_each = not keep_alive

    def request(self, method: str, path: str, body: str | None = None) -> int:
        kept = self.kept.get(path) if method == "GET" else None
        if kept and kept[1] > time.monotonic():
            # Fresh by max-age: a browser shows it without asking the server.
            self.reused += 1
            self.last_body = kept[2]
            return 200
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Accept-Language": "zh-CN",
        }
        if self.close_each:
            headers["Connection"] = "close"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if kept and kept[0]:
            headers["If-None-Match"] = kept[0]
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://127.0.0.1:{self.port}"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        page = page_of(method, path)
        began = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.exchanges.append((time.perf_counter() - began, 0, page))
            self.connection.close()
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=60
            )
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.exchanges.append((time.perf_counter() - began, response.status, page))
        if response.status == 304 and kept:
            self.last_body = kept[2]
            self.keep(path, response, kept[2])
            return 200
        self.last_body = data.decode("utf-8", errors="replace")
        if method == "GET" and response.status == 200:
            self.keep(path, response, self.last_body)
        return response.status

    def keep(self, path: str, response, body: str) -> None:
        """Keep the response as a browser's HTTP cache would, or forget it."""
        control = (response.getheader("Cache-Control") or "").lower()
        etag = response.getheader("ETag") or ""
        if "no-store" in control:
            self.kept.pop(path, None)
            return
        age = re.search(r"max-age=(\d+)", control)
        fresh = 0.0
        if age and "no-cache" not in control:
            fresh = time.monotonic() + int(age.group(1))
        if etag or fresh:
            self.kept[path] = (etag, fresh, body)
        else:
            self.kept.pop(path, None)

    def get(self, path: str) -> int:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> int:
        token = self.cookies.get("__Host-csrftoken", "")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.last_body)
        if match:
            token = match.group(1)
        return self.request(
            "POST", path, urlencode({"csrfmiddlewaretoken": token, **fields})
        )

    def log_in(self, username: str) -> None:
        self.username = username
        status = self.get("/accounts/login/")
        assert status == 200, f"login page: {status}"
        status = self.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert status == 302, f"login of {username}: {status}"
        status = self.get("/articles/")
        assert status == 200, f"list after login: {status}"
        self.article_urls = sorted(
            set(re.findall(r'href="(/articles/\d+/)"', self.last_body))
        )
        self.theme_urls = sorted(
            set(re.findall(r'href="(/themes/[^"]+/)"', self.last_body))
        )
        assert self.article_urls and self.theme_urls, "the demo is not loaded"


# --- The workload -------------------------------------------------------------------
PAGES = [
    (re.compile(r"^/healthz/$"), "healthz"),
    (re.compile(r"^/bench/floor/$"), "floor"),
    (re.compile(r"^/$"), "home"),
    (re.compile(r"^/articles/$"), "article list"),
    (re.compile(r"^/articles/\d+/$"), "reader"),
    (re.compile(r"^/articles/\d+/annotations"), "reader layer"),
    (re.compile(r"^/themes/"), "theme"),
    (re.compile(r"^/search/"), "search"),
    (re.compile(r"^/paragraphs/\d+/annotate/$"), "annotate"),
    (re.compile(r"^/sessions/$"), "sessions"),
    (re.compile(r"^/sessions/\d+/$"), "session"),
    (re.compile(r"^/sessions/\d+/attendance/$"), "attendance"),
    (re.compile(r"^/accounts/login/$"), "login"),
]


def page_of(method: str, path: str) -> str:
    path = path.split("?", 1)[0]
    for pattern, name in PAGES:
        if pattern.match(path):
            return name if method == "GET" else f"{name} {method}"
    return f"other {method}"


@dataclass
class Action:
    name: str
    weight: int
    run: Callable[[VirtualUser], int]
    who: frozenset[str] | None = None  # None: every user

    def fits(self, user: VirtualUser) -> bool:
        return self.who is None or user.username in self.who


ANNOTATE_FORM = re.compile(
    r'action="(/paragraphs/\d+/annotate/)".*?name="end" value="(\d+)".*?'
    r'name="quote" value="([^"]*)"',
    re.S,
)


def annotate(user: VirtualUser) -> int:
    """Open an article, annotate a paragraph through its form (the page's CSRF
    token), privately or for the group; land on the reader again."""
    article = user.random.choice(user.article_urls)
    status = user.get(article)
    forms = ANNOTATE_FORM.findall(user.last_body)
    if status != 200 or not forms:
        return status if status != 200 else 0
    action, end, quote = user.random.choice(forms)
    groups = re.findall(r'name="visibility"[^>]*>.*?</select>', user.last_body, re.S)
    visibility = ""
    if groups and user.random.random() < 0.5:
        values = re.findall(r'value="(\d+)"', groups[0])
        visibility = values[0] if values else ""
    status = user.post(
        action,
        {
            "start": "0",
            "end": end,
            "quote": html.unescape(quote),
            "unit": "cp",
            "note": f"负载测试批注：学思用贯通（{user.number}）",
            "themes": "负载测试",
            "visibility": visibility,
        },
    )
    return user.get(article) if status == 302 else status


# Words members look for in the bundled articles: terms, phrases, a two-word query.
SEARCH_WORDS = [
    "新质生产力",
    "枫桥经验",
    "善作善成",
    "区委",
    "基层治理 党建引领",
    "人民",
]


def search_query(user) -> str:
    return urlencode({"q": user.random.choice(SEARCH_WORDS)})


SESSION_LINK = re.compile(r'href="/sessions/(\d+)/"')
MEMBER_ROW = re.compile(r'name="status-(\d+)"')
OBSERVERS = re.compile(r'<textarea[^>]*name="observers"[^>]*>(.*?)</textarea>', re.S)


def record_attendance(user: VirtualUser) -> int:
    """A record keeper opens a session's attendance sheet and saves it (with a
    reason, which an archived record requires); land on the session."""
    status = user.get("/sessions/")
    sessions = sorted(set(SESSION_LINK.findall(user.last_body)))
    if status != 200 or not sessions:
        return status if status != 200 else 0
    session = user.random.choice(sessions)
    status = user.get(f"/sessions/{session}/attendance/")
    if status != 200:
        return status
    members = sorted(set(MEMBER_ROW.findall(user.last_body)))
    observers = OBSERVERS.search(user.last_body)
    fields = {
        "reason": "负载测试：核对考勤",
        "observers": html.unescape(observers.group(1)) if observers else "",
    }
    for member in members:
        fields[f"status-{member}"] = user.random.choice(["present", "present", "late"])
        fields[f"reason-{member}"] = ""
    status = user.post(f"/sessions/{session}/attendance/", fields)
    return user.get(f"/sessions/{session}/") if status == 302 else status


ACTIONS = [
    Action("list", 3, lambda user: user.get("/articles/")),
    Action("reader", 5, lambda user: user.get(user.random.choice(user.article_urls))),
    Action("theme", 1, lambda user: user.get(user.random.choice(user.theme_urls))),
    Action("home", 2, lambda user: user.get("/")),
    Action("annotate", 1, annotate),
    Action("attendance", 1, record_attendance, who=RECORD_KEEPERS),
    Action("search", 2, lambda user: user.get(f"/search/?{search_query(user)}")),
]


@dataclass
class Stats:
    # One entry per HTTP request.
    latencies: list[float] = field(default_factory=list)
    server_errors: int = 0
    # An action fails when it raises or does not end on a 200 page.
    errors: int = 0
    by_action: dict[str, list[float]] = field(default_factory=dict)
    by_page: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self,
        name: str,
        seconds: float,
        status: int | None,
        exchanges: list[tuple[float, int, str]],
    ) -> None:
        with self.lock:
            self.latencies.extend(took for took, _, _ in exchanges)
            self.server_errors += sum(1 for _, code, _ in exchanges if code >= 500)
            for took, _, page in exchanges:
                self.by_page.setdefault(page, []).append(took)
            self.by_action.setdefault(name, []).append(seconds)
            if status is None or status != 200:
                self.errors += 1

    def add(self, other: "Stats") -> None:
        """Count ``other``'s requests too (one more turn of the same phase)."""
        self.latencies += other.latencies
        self.server_errors += other.server_errors
        self.errors += other.errors
        for mine, theirs in (
            (self.by_action, other.by_action),
            (self.by_page, other.by_page),
        ):
            for name, took in theirs.items():
                mine.setdefault(name, []).extend(took)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_phase(users: list[VirtualUser], seconds: float, choose) -> tuple[Stats, float]:
    stats = Stats()
    start_line = threading.Barrier(len(users) + 1)
    deadline = [0.0]

    def work(user: VirtualUser) -> None:
        start_line.wait()
        while time.monotonic() < deadline[0]:
            action = choose(user)
            first = len(user.exchanges)
            began = time.perf_counter()
            try:
                status = action.run(user)
            except (OSError, http.client.HTTPException):
                status = None
            took = time.perf_counter() - began
            stats.record(action.name, took, status, user.exchanges[first:])

    threads = [threading.Thread(target=work, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start_line.wait()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return stats, time.monotonic() - began


def report(title: str, stats: Stats, elapsed: float) -> float:
    count = len(stats.latencies)
    rps = count / elapsed if elapsed else 0.0
    print(
        f"{title}: {count} requests in {elapsed:.1f} s = {rps:.0f} req/s; "
        f"p50 {percentile(stats.latencies, 0.5) * 1000:.1f} ms, "
        f"p95 {percentile(stats.latencies, 0.95) * 1000:.1f} ms; "
        f"errors {stats.errors}, 5xx {stats.server_errors}"
    )
    if len(stats.by_action) > 1:
        print(
            "  per action (count, p50 ms): "
            + ", ".join(
                f"{name} {len(took)} {percentile(took, 0.5) * 1000:.0f}"
                for name, took in sorted(stats.by_action.items())
            )
        )
        print(f"  {'per page':<16} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7}")
        for page, took in sorted(stats.by_page.items()):
            print(
                f"  {page:<16} {len(took):>8} {percentile(took, 0.5) * 1000:>7.1f} "
                f"{percentile(took, 0.95) * 1000:>7.1f}"
            )
    return rps


# --- The server ---------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited; see its log above")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz/")


def connection_split(master: int, port: int, users: list[VirtualUser]) -> str:
    """How many of the users' kept connections each gunicorn worker serves
    (Linux /proc): gthread keeps a connection in the worker that accepted it, so
    an uneven split leaves a core idle however busy the other is."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        inodes = {}  # socket inode -> client port
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
            if int(local, 16) == port:
                inodes[fields[9]] = int(remote, 16)
        clients = {
            u.connection.sock.getsockname()[1] for u in users if u.connection.sock
        }
        counts = []
        for pid in children:
            held = 0
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    held += inodes.get(target[8:-1]) in clients
            counts.append(held)
        return " / ".join(map(str, sorted(counts, reverse=True)))
    except OSError as error:
        return f"unknown ({error})"


def print_server_errors(path: Path) -> None:
    lines = [
        line
        for line in path.read_text(errors="replace").splitlines()
        if not re.search(r'"(GET|POST|HEAD) /', line)
    ]
    print("--- gunicorn log, access lines left out (last 80) ---", file=sys.stderr)
    print("\n".join(lines[-80:]), file=sys.stderr)


def cache_counts(port: int) -> tuple[int, int]:
    """The hits and misses all gunicorn workers counted so far (bench/site.py)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "GET",
        "/bench/cache-stats/",
        headers={"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https"},
    )
    counts = json.loads(connection.getresponse().read())
    connection.close()
    return counts["hits"], counts["misses"]


class BackgroundWork:
    """Work an editor starts, one run after another until stopped, beside the
    members' requests: ``rebuild`` queues a search index rebuild and a real worker
    runs it (``rebuild_search_index --background``, then ``db_worker --batch``: the
    admin action's path); ``import`` imports the bundled column again, published,
    under new bylines so that every run stores and indexes four new articles
    (``import_articles --publish``: the importer's service and transactions)."""

    SOURCE = ROOT / "articles" / "demo" / "tianjin_column.txt"

    def __init__(self, kind: str, env: dict[str, str], folder: Path):
        self.kind = kind
        self.env = env
        self.folder = folder
        self.stop = threading.Event()
        self.done = 0
        self.failed = 0
        self.thread = threading.Thread(target=self.run)

    def commands(self, number: int) -> list[list[str]]:
        if self.kind == "rebuild":
            return [
                [PYTHON, "manage.py", "rebuild_search_index", "--background"],
                [
                    PYTHON,
                    "manage.py",
                    "db_worker",
                    "--batch",
                    "--no-startup-delay",
                    "--no-reload",
                ],
            ]
        text = self.SOURCE.read_text(encoding="utf-8")
        # An article already in the library (same title and byline) is skipped.
        text = re.sub(r"(?m)^(.*理论学习中心组)$", rf"\1（负载测试导入{number}）", text)
        path = self.folder / f"import-{number}.txt"
        path.write_text(text, encoding="utf-8")
        return [[PYTHON, "manage.py", "import_articles", "--publish", str(path)]]

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            results = [
                subprocess.run(
                    command, cwd=ROOT, env=self.env, capture_output=True, text=True
                )
                for command in self.commands(number)
            ]
            if any(result.returncode for result in results):
                self.failed += 1
                for result in results:
                    print(result.stderr[-500:], file=sys.stderr)
                self.stop.wait(1)
            else:
                self.done += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8, help="virtual users (threads)")
    parser.add_argument("--seconds", type=float, default=20, help="mixed phase")
    parser.add_argument("--floor-seconds", type=float, default=10)
    parser.add_argument("--trivial-seconds", type=float, default=10)
    parser.add_argument("--workers", default=os.environ.get("GUNICORN_WORKERS", "2"))
    parser.add_argument("--threads", default=os.environ.get("GUNICORN_THREADS", "4"))
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="turns of the floor and the mixed phase (their seconds split evenly)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="of every virtual user's choices"
    )
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="one connection per virtual user for the whole run, as a browser "
        "keeps (default: one per request, as the README's nginx opens them)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated action names: run the mixed phase with these alone "
        "(to see what one page costs)",
    )
    parser.add_argument(
        "--during",
        choices=["rebuild", "import"],
        help="background work during the mixed phase, again and again: a search "
        "index rebuild in the worker, or an import of four articles",
    )
    parser.add_argument(
        "--during-rebuild",
        action="store_const",
        const="rebuild",
        dest="during",
        help="the same as --during rebuild",
    )
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="studyhub-bench-"))
    with scratch_database(os.environ.get("DATABASE_URL"), scratch) as database:
        run(options, scratch, database)


def run(options, scratch: Path, database: str) -> None:
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database,
        DJANGO_STATIC_ROOT=str(scratch / "static"),
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(options.workers),
        GUNICORN_THREADS=str(options.threads),
    )
    server = None
    log = open(scratch / "gunicorn.log", "w")  # noqa: SIM115
    try:
        print(f"setting up in {scratch} ({vendor(database)}) ...", flush=True)
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")  # a database cache, if one is configured
        manage(env, "load_demo")
        manage(env, "collectstatic", "--noinput")
        server = subprocess.Popen(
            [
                str(Path(PYTHON).with_name("gunicorn")),
                "studyhub.wsgi",
                "--config",
                "studyhub/gunicorn.conf.py",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        wait_until_up(port, server)
        print(
            f"gunicorn on 127.0.0.1:{port}: {options.workers} gthread workers x "
            f"{options.threads} threads; {options.users} virtual users; "
            f"database {vendor(database)}",
            flush=True,
        )

        # 1. The ceiling: the trivial view, same concurrency, no session.
        trivial_users = [
            VirtualUser(port, n, options.seed, options.keep_alive)
            for n in range(options.users)
        ]
        trivial = Action("healthz", 1, lambda user: user.get("/healthz/"))
        run_phase(trivial_users, 1, lambda user: trivial)  # warm-up
        trivial_stats, elapsed = run_phase(
            trivial_users, options.trivial_seconds, lambda user: trivial
        )
        trivial_rps = report("trivial /healthz/", trivial_stats, elapsed)

        # Log in once each (the floor and the mixed phase use the same sessions).
        users = [
            VirtualUser(port, 100 + n, options.seed, options.keep_alive)
            for n in range(options.users)
        ]
        began = time.perf_counter()
        for number, user in enumerate(users):
            user.log_in(DEMO_USERS[number % len(DEMO_USERS)])
        print(f"logins: {len(users)} in {time.perf_counter() - began:.1f} s (Argon2)")

        # 2. and 3. The floor, a logged-in page that does no work, and the mixed
        # workload (weighted actions), at the same concurrency and in turns
        # (--rounds): both are measured over the same stretch of the run, so a
        # machine that is faster or slower meanwhile moves both alike.
        floor = Action("floor", 1, lambda user: user.get(FLOOR_PATH))
        only = set(filter(None, options.only.split(",")))
        chosen = [action for action in ACTIONS if not only or action.name in only]

        def choose(user: VirtualUser) -> Action:
            fitting = [action for action in chosen if action.fits(user)]
            return user.random.choices(fitting, [a.weight for a in fitting])[0]

        run_phase(users, 1, lambda user: floor)  # warm-up
        run_phase(users, 1, choose)  # warm-up
        if options.keep_alive:
            split = connection_split(server.pid, port, users)
            print(f"connections per gunicorn worker: {split}")
        floor_stats, mixed_stats = Stats(), Stats()
        floor_elapsed = mixed_elapsed = 0.0
        hits = misses = 0

        def turns() -> None:
            nonlocal floor_elapsed, mixed_elapsed, hits, misses
            for _ in range(options.rounds):
                stats, took = run_phase(
                    users, options.floor_seconds / options.rounds, lambda user: floor
                )
                floor_stats.add(stats)
                floor_elapsed += took
                hits_before, misses_before = cache_counts(port)
                stats, took = run_phase(users, options.seconds / options.rounds, choose)
                mixed_stats.add(stats)
                mixed_elapsed += took
                # The mixed phase's own reads (the floor's header reads the cache).
                after = cache_counts(port)
                hits += after[0] - hits_before
                misses += after[1] - misses_before

        if options.during:
            with BackgroundWork(options.during, env, scratch) as background:
                turns()
        else:
            turns()
        floor_rps = report(f"logged-in floor {FLOOR_PATH}", floor_stats, floor_elapsed)
        elapsed = mixed_elapsed
        title = "mixed member workload"
        if options.during:
            title += {"rebuild": " during index rebuilds", "import": " during imports"}[
                options.during
            ]
        rps = report(title, mixed_stats, elapsed)
        hit_rate = hits / (hits + misses) if hits + misses else 0.0
        reused = sum(user.reused for user in users)
        print(
            f"cache: {hits} hits, {misses} misses ({hit_rate:.0%}); "
            f"responses reused by the browsers without asking: {reused}"
        )
        errors = sum(
            stats.errors + stats.server_errors
            for stats in (trivial_stats, floor_stats, mixed_stats)
        )
        if options.during:
            print(
                f"{options.during}s: {background.done} done, {background.failed} failed"
            )
            errors += background.failed
        ratio_floor = rps / floor_rps if floor_rps else 0.0
        p95_ms = percentile(mixed_stats.latencies, 0.95) * 1000
        print(
            f"rps={rps:.0f} floor_rps={floor_rps:.0f} ratio_floor={ratio_floor:.2f} "
            f"trivial_rps={trivial_rps:.0f} errors={errors} p95_ms={p95_ms:.0f} "
            f"hit_rate={hit_rate:.2f}"
        )
        if errors:
            # What the server said of them: its log without the access lines.
            print_server_errors(scratch / "gunicorn.log")
    except BaseException:
        log.flush()
        print("--- gunicorn log (last lines) ---", file=sys.stderr)
        lines = (scratch / "gunicorn.log").read_text(errors="replace").splitlines()
        print("\n".join(lines[-60:]), file=sys.stderr)
        raise
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
