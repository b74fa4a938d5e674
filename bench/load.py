"""Load benchmark: a mixed member workload against gunicorn on this machine.

    .venv/bin/python bench/load.py [--users 8] [--seconds 20] [--trivial-seconds 10]

Starts gunicorn (studyhub/gunicorn.conf.py: gthread, preload) on a free loopback port
with the production settings and a temporary SQLite database loaded with the demo
(`load_demo`), then, in the same run:

1. the ceiling: the trivial view /healthz/ (no database, no template) at the same
   concurrency;
2. the mixed workload: each virtual user logs in once through the real login form,
   then performs weighted actions (ACTIONS below) until the time is up.

It prints throughput and p50/p95 latency per HTTP request (an annotate action is three
requests: the page, the POST, the page it lands on), failed actions and 5xx answers per
phase, and ends with one line ``rps=… trivial_rps=… ratio=… errors=… p95_ms=…`` (rps
and p95 of the mixed phase; errors: failed actions and 5xx of both phases). Only
loopback traffic; every phase is bounded in time.

The requests come as from the reverse proxy (X-Forwarded-Proto: https, one
X-Forwarded-For address per virtual user), so HTTPS redirects, secure cookies, CSRF
origin checks and django-axes behave as in production.

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
PYTHON = sys.executable
DEMO_PASSWORD = "studyhub-demo"
DEMO_USERS = ["zhangwei", "zhaoqiang", "liming", "wangfang", "chenjing", "liuyang"]
# The demo's Nankai leader and secretary: they record attendance.
RECORD_KEEPERS = frozenset({"zhangwei", "liming"})


# --- HTTP client: one keep-alive connection per virtual user -----------------------
class VirtualUser:
    def __init__(self, port: int, number: int):
        self.port = port
        self.number = number
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.address = f"10.{number // 250}.{number % 250}.{number % 200 + 1}"
        self.username = ""
        self.article_urls: list[str] = []
        self.theme_urls: list[str] = []
        self.last_body = ""
        # (seconds, status) of every HTTP exchange: throughput and latency are counted
        # per request, as the server sees them (an annotate action is three).
        self.exchanges: list[tuple[float, int]] = []

    def request(self, method: str, path: str, body: str | None = None) -> int:
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Accept-Language": "zh-CN",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://127.0.0.1:{self.port}"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        began = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.exchanges.append((time.perf_counter() - began, 0))
            self.connection.close()
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=60
            )
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.exchanges.append((time.perf_counter() - began, response.status))
        self.last_body = data.decode("utf-8", errors="replace")
        return response.status

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
    article = random.choice(user.article_urls)
    status = user.get(article)
    forms = ANNOTATE_FORM.findall(user.last_body)
    if status != 200 or not forms:
        return status if status != 200 else 0
    action, end, quote = random.choice(forms)
    groups = re.findall(r'name="visibility"[^>]*>.*?</select>', user.last_body, re.S)
    visibility = ""
    if groups and random.random() < 0.5:
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


def search_query() -> str:
    return urlencode({"q": random.choice(SEARCH_WORDS)})


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
    session = random.choice(sessions)
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
        fields[f"status-{member}"] = random.choice(["present", "present", "late"])
        fields[f"reason-{member}"] = ""
    status = user.post(f"/sessions/{session}/attendance/", fields)
    return user.get(f"/sessions/{session}/") if status == 302 else status


ACTIONS = [
    Action("list", 3, lambda user: user.get("/articles/")),
    Action("reader", 5, lambda user: user.get(random.choice(user.article_urls))),
    Action("theme", 1, lambda user: user.get(random.choice(user.theme_urls))),
    Action("home", 2, lambda user: user.get("/")),
    Action("annotate", 1, annotate),
    Action("attendance", 1, record_attendance, who=RECORD_KEEPERS),
    Action("search", 2, lambda user: user.get(f"/search/?{search_query()}")),
]


@dataclass
class Stats:
    # One entry per HTTP request.
    latencies: list[float] = field(default_factory=list)
    server_errors: int = 0
    # An action fails when it raises or does not end on a 200 page.
    errors: int = 0
    by_action: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self,
        name: str,
        seconds: float,
        status: int | None,
        exchanges: list[tuple[float, int]],
    ) -> None:
        with self.lock:
            self.latencies.extend(took for took, _ in exchanges)
            self.server_errors += sum(1 for _, code in exchanges if code >= 500)
            self.by_action.setdefault(name, []).append(seconds)
            if status is None or status != 200:
                self.errors += 1


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8, help="virtual users (threads)")
    parser.add_argument("--seconds", type=float, default=20, help="mixed phase")
    parser.add_argument("--trivial-seconds", type=float, default=10)
    parser.add_argument("--workers", default=os.environ.get("GUNICORN_WORKERS", "2"))
    parser.add_argument("--threads", default=os.environ.get("GUNICORN_THREADS", "4"))
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated action names: run the mixed phase with these alone "
        "(to see what one page costs)",
    )
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="studyhub-bench-"))
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}",
        DJANGO_STATIC_ROOT=str(scratch / "static"),
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(options.workers),
        GUNICORN_THREADS=str(options.threads),
    )
    server = None
    log = open(scratch / "gunicorn.log", "w")  # noqa: SIM115
    try:
        print(f"setting up in {scratch} ...", flush=True)
        manage(env, "migrate", "--noinput")
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
            f"{options.threads} threads; {options.users} virtual users",
            flush=True,
        )

        # 1. The ceiling: the trivial view, same concurrency, no session.
        trivial_users = [VirtualUser(port, n) for n in range(options.users)]
        trivial = Action("healthz", 1, lambda user: user.get("/healthz/"))
        run_phase(trivial_users, 1, lambda user: trivial)  # warm-up
        trivial_stats, elapsed = run_phase(
            trivial_users, options.trivial_seconds, lambda user: trivial
        )
        trivial_rps = report("trivial /healthz/", trivial_stats, elapsed)

        # 2. The mixed workload: log in once each, then weighted actions.
        users = [VirtualUser(port, 100 + n) for n in range(options.users)]
        began = time.perf_counter()
        for number, user in enumerate(users):
            user.log_in(DEMO_USERS[number % len(DEMO_USERS)])
        print(f"logins: {len(users)} in {time.perf_counter() - began:.1f} s (Argon2)")

        only = set(filter(None, options.only.split(",")))
        chosen = [action for action in ACTIONS if not only or action.name in only]

        def choose(user: VirtualUser) -> Action:
            fitting = [action for action in chosen if action.fits(user)]
            return random.choices(fitting, [a.weight for a in fitting])[0]

        run_phase(users, 1, choose)  # warm-up
        mixed_stats, elapsed = run_phase(users, options.seconds, choose)
        rps = report("mixed member workload", mixed_stats, elapsed)

        errors = sum(
            stats.errors + stats.server_errors for stats in (trivial_stats, mixed_stats)
        )
        ratio = rps / trivial_rps if trivial_rps else 0.0
        p95_ms = percentile(mixed_stats.latencies, 0.95) * 1000
        print(
            f"rps={rps:.0f} trivial_rps={trivial_rps:.0f} ratio={ratio:.2f} "
            f"errors={errors} p95_ms={p95_ms:.0f}"
        )
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
