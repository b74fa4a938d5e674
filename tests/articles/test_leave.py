"""Leave (请假) before the meeting: a member asks, the leader (or a deputy, by the
group's setting) approves or declines, the attendance follows; withdrawn and
declined requests stay in the history; after the start nobody asks any more."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from articles.models import (
    Attendance,
    Correction,
    GroupStudySettings,
    LeaveRequest,
    MakeUpStudy,
    StudySession,
)
from articles.services import (
    AttendanceEntry,
    archive_session,
    decide_leave,
    mark_session_held,
    record_attendance,
    request_leave,
    withdraw_leave,
)

from ..factories import MemberFactory, MembershipFactory, StudyGroupFactory
from .sessions_support import run_race_on_sqlite
from .sessions_support import starting_in as _in

pytestmark = pytest.mark.django_db
REASON = "赴市委党校参加处级干部进修班"


@pytest.fixture
def upcoming(group, leader, secretary, member):
    return _in(group, 3)


def _login(client, user):
    client.force_login(user)
    return client


def _attendance(session, person):
    return Attendance.objects.filter(session=session, member=person).first()


# --- the services --------------------------------------------------------------


def test_approved_leave_fills_the_attendance_and_names_the_approver(
    upcoming, member, leader
):
    leave = request_leave(upcoming, member, reason=f"  {REASON}  ")
    assert leave.status == LeaveRequest.Status.PENDING
    assert leave.reason == REASON
    assert _attendance(upcoming, member) is None

    decide_leave(leave, leader, approve=True, comment="同意，请按时补学")

    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.APPROVED
    assert leave.decided_by == leader and leave.decided_at is not None
    assert leave.comment == "同意，请按时补学"
    row = _attendance(upcoming, member)
    assert (row.status, row.leave_reason) == (Attendance.Status.ON_LEAVE, REASON)
    # A planned session has no make-up items yet; they come when it is held.
    assert not MakeUpStudy.objects.exists()


def test_make_up_follows_once_the_session_is_held(upcoming, member, leader):
    decide_leave(request_leave(upcoming, member, reason=REASON), leader, approve=True)
    StudySession.objects.filter(pk=upcoming.pk).update(
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    upcoming.refresh_from_db()
    mark_session_held(upcoming)
    assert MakeUpStudy.objects.filter(attendance__member=member).count() == 1


def test_declined_leave_changes_no_attendance(upcoming, member, leader):
    leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, leader, approve=False, comment="本次学习很重要，请调整行程")
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.DECLINED
    assert leave.decided_by == leader
    assert _attendance(upcoming, member) is None
    # Declined, the member may ask again (with a better reason).
    again = request_leave(upcoming, member, reason="因公出差，已报区委同意")
    assert LeaveRequest.objects.filter(session=upcoming, member=member).count() == 2
    assert again.is_pending


def test_withdrawing_a_pending_request_keeps_it_in_the_history(
    upcoming, member, leader
):
    leave = request_leave(upcoming, member, reason=REASON)
    withdraw_leave(leave, member)
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.WITHDRAWN
    assert leave.withdrawn_at is not None
    with pytest.raises(ValidationError) as refused:
        decide_leave(leave, leader, approve=True)
    assert refused.value.code == "not_pending"
    assert "已撤回" in refused.value.messages[0]


def test_withdrawing_an_approved_leave_undoes_the_attendance(
    upcoming, member, leader, secretary
):
    # The secretary prepared the attendance: everyone present.
    record_attendance(
        upcoming,
        [AttendanceEntry(member=p, status="present") for p in (leader, member)],
        author=secretary,
    )
    leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, leader, approve=True)
    assert _attendance(upcoming, member).status == Attendance.Status.ON_LEAVE

    withdraw_leave(leave, member)

    row = _attendance(upcoming, member)
    assert (row.status, row.leave_reason) == (Attendance.Status.PRESENT, "")
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.WITHDRAWN
    assert leave.decided_by == leader  # the history still says who had approved


def test_withdrawing_an_approved_leave_with_no_row_before_removes_the_row(
    upcoming, member, leader
):
    leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, leader, approve=True)
    withdraw_leave(leave, member)
    assert _attendance(upcoming, member) is None


def test_after_the_start_nobody_asks_for_leave(group, leader, member):
    started = _in(group, -0.01)
    with pytest.raises(ValidationError) as refused:
        request_leave(started, member, reason=REASON)
    assert refused.value.code == "started"
    assert "不能再请假" in refused.value.messages[0]
    held = _in(group, -3, topic="已举行的专题学习", status="held")
    with pytest.raises(ValidationError):
        request_leave(held, member, reason=REASON)
    assert not LeaveRequest.objects.exists()


def test_an_approved_leave_cannot_be_withdrawn_after_the_start(
    upcoming, member, leader
):
    leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, leader, approve=True)
    StudySession.objects.filter(pk=upcoming.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5)
    )
    leave = LeaveRequest.objects.get(pk=leave.pk)
    with pytest.raises(ValidationError) as refused:
        withdraw_leave(leave, member)
    assert refused.value.code == "started"
    assert _attendance(upcoming, member).status == Attendance.Status.ON_LEAVE


def test_one_open_request_per_member_and_session(upcoming, member):
    request_leave(upcoming, member, reason=REASON)
    with pytest.raises(ValidationError) as refused:
        request_leave(upcoming, member, reason="第二次申请")
    assert refused.value.code == "already_asked"
    assert LeaveRequest.objects.count() == 1


def test_the_database_refuses_a_second_open_request(upcoming, member):
    from django.db import IntegrityError, transaction

    LeaveRequest.objects.create(session=upcoming, member=member, reason=REASON)
    with pytest.raises(IntegrityError), transaction.atomic():
        LeaveRequest.objects.create(session=upcoming, member=member, reason="再来")


@pytest.mark.parametrize("reason", ["", "   ", "请" * 301])
def test_reason_is_required_and_limited(upcoming, member, reason):
    with pytest.raises(ValidationError):
        request_leave(upcoming, member, reason=reason)
    assert not LeaveRequest.objects.exists()


def test_a_comment_too_long_is_refused(upcoming, member, leader):
    leave = request_leave(upcoming, member, reason=REASON)
    with pytest.raises(ValidationError) as refused:
        decide_leave(leave, leader, approve=True, comment="好" * 301)
    assert refused.value.code == "comment_too_long"
    leave.refresh_from_db()
    assert leave.is_pending


def test_only_the_approver_decides(upcoming, member, leader, secretary, deputy):
    leave = request_leave(upcoming, member, reason=REASON)
    for person in (secretary, deputy, member):
        with pytest.raises(ValidationError) as refused:
            decide_leave(leave, person, approve=True)
        assert refused.value.code == "not_approver"
    leave.refresh_from_db()
    assert leave.is_pending


def test_the_deputy_decides_where_the_group_says_so(
    group, upcoming, member, deputy, secretary
):
    GroupStudySettings.objects.create(
        group=group, leave_approvers=GroupStudySettings.LeaveApprovers.DEPUTIES
    )
    leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, deputy, approve=True)
    leave.refresh_from_db()
    assert leave.decided_by == deputy
    with pytest.raises(ValidationError):
        decide_leave(
            request_leave(upcoming, secretary, reason=REASON), member, approve=True
        )


def test_the_leaders_own_leave_goes_to_the_deputy(upcoming, leader, deputy):
    leave = request_leave(upcoming, leader, reason="参加市委全会")
    with pytest.raises(ValidationError):
        decide_leave(leave, leader, approve=True)
    decide_leave(leave, deputy, approve=True)
    assert _attendance(upcoming, leader).status == Attendance.Status.ON_LEAVE


def test_a_non_member_cannot_ask(upcoming, outsider):
    with pytest.raises(ValidationError) as refused:
        request_leave(upcoming, outsider, reason=REASON)
    assert refused.value.code == "not_member"


def test_a_late_decision_on_an_archived_record_is_kept_as_a_correction(
    group, leader, secretary, member
):
    session = _in(group, 1)
    leave = request_leave(session, member, reason=REASON)
    # The meeting took place before the leader decided; the keeper marked the
    # member absent and archived the record.
    StudySession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() - timedelta(days=1) + timedelta(hours=3),
    )
    session.refresh_from_db()
    record_attendance(
        session,
        [
            AttendanceEntry(member=leader, status="present"),
            AttendanceEntry(member=member, status="absent"),
        ],
        author=secretary,
    )
    archive_session(session)

    decide_leave(leave, leader, approve=True)

    row = _attendance(session, member)
    assert (row.status, row.leave_reason) == (Attendance.Status.ON_LEAVE, REASON)
    assert MakeUpStudy.objects.filter(attendance=row).exists()
    correction = Correction.objects.get(session=session)
    assert correction.author == leader
    assert "张组长" in correction.reason
    assert correction.changes[0]["old"] == "缺席"


def test_a_late_approval_leaves_a_member_recorded_present_as_present(
    group, leader, secretary, member
):
    session = _in(group, 1)
    leave = request_leave(session, member, reason=REASON)
    StudySession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=4),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    session.refresh_from_db()
    record_attendance(
        session, [AttendanceEntry(member=member, status="present")], author=secretary
    )
    decide_leave(leave, leader, approve=True)
    assert _attendance(session, member).status == Attendance.Status.PRESENT


RACE = r"""
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.articles.test_leave import race
print("RESULT " + json.dumps(race()))
"""


def race(rounds: int = 5) -> dict:
    """Leader and deputy decide, and the member withdraws, the same request at
    the same moment, ``rounds`` times: exactly one of the three wins."""
    group = StudyGroupFactory(name="请假并发测试中心组")
    people = {}
    for username, role in [
        ("race-leader", Membership.Role.LEADER),
        ("race-deputy", Membership.Role.DEPUTY),
        ("race-member", Membership.Role.MEMBER),
    ]:
        people[username] = MemberFactory(username=username)
        MembershipFactory(group=group, member=people[username], role=role)
    GroupStudySettings.objects.create(
        group=group, leave_approvers=GroupStudySettings.LeaveApprovers.DEPUTIES
    )
    member = people["race-member"]
    results = []
    for index in range(rounds):
        session = _in(group, 2, topic=f"并发第{index}轮")
        leave = request_leave(session, member, reason=REASON)
        barrier = threading.Barrier(3)
        outcomes = []

        def act(job, leave=leave, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                job(LeaveRequest.objects.get(pk=leave.pk))
                outcomes.append("ok")
            except ValidationError as error:
                outcomes.append(error.code)
            except Exception as error:  # noqa: BLE001 - reported to the test
                outcomes.append(repr(error))
            finally:
                connection.close()

        jobs = [
            lambda r: decide_leave(r, people["race-leader"], approve=True),
            lambda r: decide_leave(r, people["race-deputy"], approve=False),
            lambda r: withdraw_leave(r, member),
        ]
        threads = [threading.Thread(target=act, args=(job,)) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        leave.refresh_from_db()
        row = _attendance(session, member)
        results.append(
            {
                "outcomes": outcomes,
                "status": leave.status,
                "on_leave": row is not None and row.status == "on_leave",
            }
        )
    return {"results": results}


def _check_race(result: dict) -> None:
    for outcome in result["results"]:
        codes = outcome["outcomes"]
        # The winner is first; a withdrawal after an approval also succeeds
        # (before the start an approved leave may be withdrawn): never an error.
        assert set(codes) <= {"ok", "not_pending"}, codes
        assert codes.count("ok") in (1, 2), codes
        if outcome["status"] == "approved":
            assert outcome["on_leave"]
        else:
            assert not outcome["on_leave"]


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite race runs on SQLite only"
)
def test_decisions_at_once_on_sqlite(tmp_path):
    _check_race(run_race_on_sqlite(RACE, tmp_path))


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite runs the race in a child process"
)
@pytest.mark.django_db(transaction=True)
def test_decisions_at_once_in_process():
    _check_race(race())


# --- the pages -------------------------------------------------------------------


def test_member_asks_leader_approves_through_the_pages(
    client, upcoming, member, leader, secretary
):
    _login(client, member)
    form = client.get(reverse("articles:leave_create", args=[upcoming.pk]))
    assert "请假原因" in form.content.decode()
    response = client.post(
        reverse("articles:leave_create", args=[upcoming.pk]), {"reason": REASON}
    )
    leave = LeaveRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == leave.get_absolute_url()
    page = client.get(upcoming.get_absolute_url()).content.decode()
    assert "待审批" in page

    _login(client, leader)
    waiting = client.get(reverse("articles:leave_list")).content.decode()
    assert "王成员" in waiting and REASON in waiting
    session_page = client.get(upcoming.get_absolute_url()).content.decode()
    assert "1条请假申请待您审批" in session_page
    response = client.post(
        reverse("articles:leave_decide", args=[leave.pk]),
        {"decision": "approve", "comment": "同意"},
    )
    assert response.status_code == 302
    leave.refresh_from_db()
    assert leave.is_approved

    _login(client, secretary)
    screen = client.get(reverse("articles:session_attendance", args=[upcoming.pk]))
    html = screen.content.decode()
    assert f'value="{REASON}"' in html
    assert "张组长批准" in html

    _login(client, member)
    mine = client.get(reverse("articles:leave_list")).content.decode()
    assert "已批准" in mine and "张组长" in mine and "同意" in mine
    page = client.get(upcoming.get_absolute_url()).content.decode()
    assert "已批准" in page


def test_after_start_the_form_says_so_and_a_post_is_refused(client, group, member):
    started = _in(group, -0.01)
    _login(client, member)
    page = client.get(reverse("articles:leave_create", args=[started.pk]))
    assert page.status_code == 200
    assert "不能再请假" in page.content.decode()
    response = client.post(
        reverse("articles:leave_create", args=[started.pk]), {"reason": REASON}
    )
    assert response.status_code == 400
    assert "不能再请假" in response.content.decode()
    assert not LeaveRequest.objects.exists()


def test_double_request_through_the_page_is_refused(client, upcoming, member):
    _login(client, member)
    url = reverse("articles:leave_create", args=[upcoming.pk])
    client.post(url, {"reason": REASON})
    response = client.post(url, {"reason": "再次申请"})
    assert response.status_code == 400  # refused: there is one already
    assert "您已就本次学习提交过请假申请" in response.content.decode()
    assert LeaveRequest.objects.count() == 1


def test_wrong_approver_gets_403_and_nothing_changes(
    client, upcoming, member, secretary
):
    leave = request_leave(upcoming, member, reason=REASON)
    _login(client, secretary)
    detail = client.get(leave.get_absolute_url())
    assert detail.status_code == 200  # the secretary prepares the attendance
    assert 'value="approve"' not in detail.content.decode()
    response = client.post(
        reverse("articles:leave_decide", args=[leave.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    leave.refresh_from_db()
    assert leave.is_pending


def test_others_requests_are_404_for_plain_members_and_outsiders(
    client, upcoming, member, leader, outsider, group
):
    colleague = MemberFactory(username="colleague", display_name="周同事")
    MembershipFactory(group=group, member=colleague)
    leave = request_leave(upcoming, member, reason=REASON)
    for person in (colleague, outsider):
        _login(client, person)
        for url in (
            leave.get_absolute_url(),
            reverse("articles:leave_withdraw", args=[leave.pk]),
            reverse("articles:leave_decide", args=[leave.pk]),
        ):
            method = client.get if url == leave.get_absolute_url() else client.post
            assert method(url).status_code == 404
    _login(client, outsider)
    response = client.post(
        reverse("articles:leave_create", args=[upcoming.pk]), {"reason": REASON}
    )
    assert response.status_code == 404
    # A colleague sees neither the request nor its reason on the session page.
    _login(client, colleague)
    assert REASON not in client.get(upcoming.get_absolute_url()).content.decode()


def test_withdraw_through_the_page(client, upcoming, member, leader):
    leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, leader, approve=True)
    _login(client, leader)
    assert (
        client.post(reverse("articles:leave_withdraw", args=[leave.pk])).status_code
        == 403
    )
    _login(client, member)
    response = client.post(reverse("articles:leave_withdraw", args=[leave.pk]))
    assert response.status_code == 302
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.WITHDRAWN
    assert _attendance(upcoming, member) is None
    mine = client.get(reverse("articles:leave_list")).content.decode()
    assert "已撤回" in mine


def test_a_member_of_two_groups_sees_only_the_right_groups_sessions(
    client, group, other_group, leader, member, outsider
):
    both = MemberFactory(username="both", display_name="钱两组")
    MembershipFactory(group=group, member=both)
    ours = _in(group, 2, topic="南开专题学习")
    theirs = _in(other_group, 2, topic="西青专题学习")
    elsewhere = _in(StudyGroupFactory(name="第三中心组"), 2, topic="别组专题学习")
    _login(client, both)
    listing = client.get(reverse("articles:leave_list")).content.decode()
    assert ours.topic in listing
    assert theirs.topic not in listing and elsewhere.topic not in listing
    MembershipFactory(group=other_group, member=both)
    listing = client.get(reverse("articles:leave_list")).content.decode()
    assert ours.topic in listing and theirs.topic in listing
    assert elsewhere.topic not in listing
    assert (
        client.get(reverse("articles:leave_create", args=[elsewhere.pk])).status_code
        == 404
    )
    # Asking leave from their session goes to their leader, not ours.
    leave = request_leave(theirs, both, reason=REASON)
    assert not leave.can_decide(leader)


def test_record_and_docx_name_the_approver(group, upcoming, member, leader, secretary):
    from articles.records.docx import record_rows
    from articles.records.reads import load_record

    decide_leave(request_leave(upcoming, member, reason=REASON), leader, approve=True)
    record = load_record(upcoming)
    rows = dict(record_rows(record))
    assert "张组长批准" in rows["请假人员及原因"]
    assert REASON in rows["请假人员及原因"]


def test_leave_list_query_count_does_not_grow(
    client, group, leader, member, django_assert_max_num_queries
):
    def ask(index):
        session = _in(group, index + 1, topic=f"第{index}次专题学习")
        request_leave(session, member, reason=REASON)

    ask(0)
    _login(client, member)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("articles:leave_list"))
    for index in range(1, 4):
        ask(index)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("articles:leave_list"))
    assert response.content.decode().count("session-card__title") == 4


def test_hostile_decisions_change_nothing(client, upcoming, member, leader):
    leave = request_leave(upcoming, member, reason=REASON)
    _login(client, leader)
    url = reverse("articles:leave_decide", args=[leave.pk])
    for data in (
        {"decision": "approve\x00"},
        {"decision": ["approve", "decline"], "comment": "好" * 301},
        {"decision": "approve", "comment": "好" * 301},
        {},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
    leave.refresh_from_db()
    assert leave.is_pending
    assert _attendance(upcoming, member) is None


def test_deciding_twice_tells_what_happened(client, upcoming, member, leader):
    leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, leader, approve=False)
    _login(client, leader)
    response = client.post(
        reverse("articles:leave_decide", args=[leave.pk]),
        {"decision": "approve"},
        follow=True,
    )
    assert "该申请的状态已是“未批准”" in response.content.decode()
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.DECLINED
    assert _attendance(upcoming, member) is None


def test_keepers_see_every_request_of_the_session(
    client, upcoming, member, secretary, leader
):
    request_leave(upcoming, member, reason=REASON)
    withdraw_leave(LeaveRequest.objects.get(), member)
    request_leave(upcoming, member, reason="因公出差")
    _login(client, secretary)
    html = client.get(upcoming.get_absolute_url()).content.decode()
    assert "本次学习共2条请假申请" in html
    assert "已撤回" in html and "待审批" in html
    assert "待您审批" not in html  # the secretary decides nothing


def test_reason_and_comment_are_escaped_everywhere(
    client, upcoming, member, leader, secretary
):
    hostile = '<script>alert("请假")</script><img src=x onerror=alert(1)>'
    leave = request_leave(upcoming, member, reason=hostile)
    decide_leave(leave, leader, approve=True, comment=hostile)
    for person, url in [
        (member, leave.get_absolute_url()),
        (member, reverse("articles:leave_list")),
        (leader, upcoming.get_absolute_url()),
        (secretary, reverse("articles:session_attendance", args=[upcoming.pk])),
    ]:
        _login(client, person)
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url
