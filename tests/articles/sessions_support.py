"""Shared set-up for the study-session tests: a held session of ``group`` studying
a real bundled article, and helpers to post the attendance screen."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from accounts.models import Membership
from articles.management.commands.load_demo import SEED
from articles.models import Article, StudySession
from articles.services import create_session, import_document

from ..factories import MemberFactory, MembershipFactory


def bundled_article() -> Article:
    """The real article on grassroots governance from the bundled column."""
    if not Article.objects.filter(title__contains="基层治理").exists():
        import_document(SEED.read_bytes(), SEED.name, status=Article.Status.PUBLISHED)
    return Article.objects.get(title__contains="基层治理")


def at(year, month, day, hour=9) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour, 0))


def make_session(group, *, article=None, status="held", **kwargs) -> StudySession:
    defaults = {
        "topic": "以党建引领基层治理创新",
        "starts_at": at(2026, 3, 12, 9),
        "ends_at": at(2026, 3, 12, 12),
        "place": "区委常委会议室",
        "form": StudySession.Form.SEMINAR,
    }
    defaults.update(kwargs)
    session = create_session(group, materials=[article] if article else [], **defaults)
    if status != "planned":
        session.status = status
        session.save(update_fields=["status"])
    return session


def starting_in(
    group, days: float, topic="深入学习贯彻党的二十届四中全会精神", **kwargs
) -> StudySession:
    """A session of three hours starting ``days`` from now (planned unless told)."""
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return make_session(
        group,
        topic=topic,
        status=kwargs.pop("status", "planned"),
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        **kwargs,
    )


def add_members(group, count: int, prefix: str = "m") -> list:
    people = []
    for index in range(count):
        person = MemberFactory(username=f"{prefix}{index}", display_name=f"成员{index}")
        MembershipFactory(group=group, member=person, role=Membership.Role.MEMBER)
        people.append(person)
    return people


def attendance_post(rows: dict, **extra) -> dict:
    """rows: member -> status or (status, reason)."""
    data = {}
    for person, value in rows.items():
        status, reason = value if isinstance(value, tuple) else (value, "")
        data[f"status-{person.pk}"] = status
        data[f"reason-{person.pk}"] = reason
    data.update(extra)
    return data


def run_race_on_sqlite(code: str, tmp_path) -> dict:
    """Run ``code`` (which prints ``RESULT <json>``) in a child process against a
    file database with the production settings (WAL, IMMEDIATE transactions,
    busy timeout): the suite's in-memory SQLite uses a shared cache, whose table
    locks are not the locks production sees."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "studyhub.settings",
        "DJANGO_SECRET_KEY": "test-only",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))
