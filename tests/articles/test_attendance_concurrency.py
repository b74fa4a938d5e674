"""Two secretaries saving the attendance screen at the same moment.

SQLite: the suite's in-memory test database uses a shared cache, whose table locks
are not the locks production sees, so the race runs in a child process against a
file database with the production settings (WAL, IMMEDIATE transactions, busy
timeout). PostgreSQL: the same race runs in-process on the suite's database.
"""

import threading

import pytest
from django.db import connection

from accounts.models import Membership
from articles.models import Attendance, MakeUpStudy
from articles.services import AttendanceEntry, record_attendance

from ..factories import MemberFactory, MembershipFactory, StudyGroupFactory
from .sessions_support import make_session, run_race_on_sqlite

MEMBERS = 30
ROUNDS = 5

RACE = r"""
import json, threading
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
from tests.articles.test_attendance_concurrency import race
print("RESULT " + json.dumps(race()))
"""


def race() -> dict:
    """Set up a group of MEMBERS and race two full saves ROUNDS times."""
    group = StudyGroupFactory(name="并发测试中心组")
    first = MemberFactory(username="sec-a", display_name="甲秘书")
    second = MemberFactory(username="sec-b", display_name="乙秘书")
    people = [first, second]
    for index in range(MEMBERS - 2):
        people.append(MemberFactory(username=f"c{index}", display_name=f"成员{index}"))
    for person in people:
        role = (
            Membership.Role.SECRETARY
            if person in (first, second)
            else Membership.Role.MEMBER
        )
        MembershipFactory(group=group, member=person, role=role)
    errors: list[str] = []
    outcomes = []
    for round_ in range(ROUNDS):
        session = make_session(group, topic=f"并发第{round_}轮", status="planned")
        a = [
            AttendanceEntry(
                member=p,
                status="on_leave" if i == 2 else "present",
                leave_reason="甲记：出差" if i == 2 else "",
            )
            for i, p in enumerate(people)
        ]
        b = [
            AttendanceEntry(member=p, status="absent" if i == 3 else "late")
            for i, p in enumerate(people)
        ]
        barrier = threading.Barrier(2)

        def save(entries, author, barrier=barrier, session=session):
            try:
                barrier.wait()
                record_attendance(session, entries, author=author)
            except Exception as error:  # noqa: BLE001 - reported to the test
                errors.append(repr(error))
            finally:
                connection.close()

        threads = [
            threading.Thread(target=save, args=(a, first)),
            threading.Thread(target=save, args=(b, second)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rows = list(
            Attendance.objects.filter(session=session).values_list(
                "member_id", "status"
            )
        )
        statuses = {status for _member, status in rows}
        outcomes.append(
            {
                "rows": len(rows),
                "distinct_members": len({m for m, _s in rows}),
                # One whole save wins: never a mix of the two screens.
                "whole": statuses in ({"present", "on_leave"}, {"late", "absent"}),
                "make_ups": MakeUpStudy.objects.filter(
                    attendance__session=session
                ).count(),
            }
        )
    return {"errors": errors, "outcomes": outcomes}


def _check(result: dict) -> None:
    assert result["errors"] == []
    assert len(result["outcomes"]) == ROUNDS
    for outcome in result["outcomes"]:
        assert outcome["rows"] == MEMBERS
        assert outcome["distinct_members"] == MEMBERS
        assert outcome["whole"]
        assert outcome["make_ups"] == 1


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite race runs on SQLite only"
)
def test_two_secretaries_saving_at_once_on_sqlite(tmp_path):
    _check(run_race_on_sqlite(RACE, tmp_path))


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite runs the race in a child process"
)
@pytest.mark.django_db(transaction=True)
def test_two_secretaries_saving_at_once_in_process():
    _check(race())
