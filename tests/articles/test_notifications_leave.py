"""Notifications of leave and reflections (issue 15): a leave request waiting for its
approvers, the decision told to the member, the reminder of a reflection falling
due. Each reaches exactly its recipients among the personas (leader, deputy,
secretary, member, outsider, a person in two groups), never shows a reason to
anyone who may not read it, respects the e-mail setting, and the reminder runs
idempotently."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from articles.models import GroupStudySettings, Notification
from articles.reading.notifications import unread_count
from articles.services import (
    decide_leave,
    hand_in_reflection,
    request_leave,
    withdraw_leave,
)
from articles.services.notifications import (
    send_notification_emails,
    send_reflection_reminders,
)

from ..factories import AttendanceFactory
from .sessions_support import at, make_session, starting_in

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
REASON = "赴市委党校参加处级干部进修班"
COMMENT = "同意，请会后按时补学"
HIDDEN = "此条通知所涉及的内容您已无法查看"
TEXT = "通过这次学习，我深刻体会到党建引领基层治理的重要意义。"


@pytest.fixture
def people(leader, deputy, secretary, member, outsider, both):
    return {
        "leader": leader,
        "deputy": deputy,
        "secretary": secretary,
        "member": member,
        "outsider": outsider,
        "both": both,
    }


def received(people, kind) -> dict[str, list[int]]:
    """Per persona, the target ids of their notifications of ``kind``."""
    rows = Notification.objects.filter(kind=kind)
    return {
        name: sorted(rows.filter(recipient=person).values_list("target_id", flat=True))
        for name, person in people.items()
    }


def nobody(people) -> dict[str, list[int]]:
    return {name: [] for name in people}


@pytest.fixture
def upcoming(group, people):
    return starting_in(group, 3)


def _deputies_decide(group):
    GroupStudySettings.objects.update_or_create(
        group=group,
        defaults={"leave_approvers": GroupStudySettings.LeaveApprovers.DEPUTIES},
    )


def _inbox(client, person) -> str:
    client.force_login(person)
    return client.get(reverse("articles:notifications")).content.decode()


def _with_address(*people, opt_in=True):
    for person in people:
        person.email = f"{person.username}@example.cn"
        person.email_notifications = opt_in
        person.save()


# --- A request waiting for its approvers -------------------------------------------
def test_a_request_waits_for_the_leader_only(people, upcoming, member):
    leave = request_leave(upcoming, member, reason=REASON)

    assert received(people, Kind.LEAVE_AWAITING) == {
        **nobody(people),
        "leader": [leave.pk],
    }


def test_where_deputies_decide_the_request_waits_for_leader_and_deputy(
    people, group, upcoming, member
):
    _deputies_decide(group)

    leave = request_leave(upcoming, member, reason=REASON)

    assert received(people, Kind.LEAVE_AWAITING) == {
        **nobody(people),
        "leader": [leave.pk],
        "deputy": [leave.pk],
    }


def test_the_leaders_own_request_waits_for_the_deputy(people, upcoming, leader):
    leave = request_leave(upcoming, leader, reason=REASON)

    assert received(people, Kind.LEAVE_AWAITING) == {
        **nobody(people),
        "deputy": [leave.pk],
    }


def test_a_request_in_one_group_does_not_reach_the_other_groups_leader(
    people, group, other_group, upcoming, both, outsider
):
    Membership.objects.filter(group=other_group, member=outsider).update(
        role=Membership.Role.LEADER
    )
    ours = request_leave(upcoming, both, reason=REASON)
    theirs = request_leave(
        starting_in(other_group, 3, topic="西青专题学习"), both, reason=REASON
    )

    assert received(people, Kind.LEAVE_AWAITING) == {
        **nobody(people),
        "leader": [ours.pk],
        "outsider": [theirs.pk],
    }


def test_the_approver_reads_the_reason_and_opens_the_request(
    client, upcoming, member, leader
):
    leave = request_leave(upcoming, member, reason=REASON)
    notification = Notification.objects.get(kind=Kind.LEAVE_AWAITING)

    html = _inbox(client, leader)

    assert "王成员申请请假：深入学习贯彻党的二十届四中全会精神，待您审批" in html
    assert REASON in html
    response = client.get(notification.get_absolute_url())
    assert response["Location"] == reverse("articles:leave_detail", args=[leave.pk])
    assert client.get(response["Location"]).status_code == 200


def test_a_decision_settles_the_other_approvers_notice(
    people, client, group, upcoming, member, leader, deputy
):
    _deputies_decide(group)
    leave = request_leave(upcoming, member, reason=REASON)

    decide_leave(leave, leader, approve=True)

    waiting = Notification.objects.filter(kind=Kind.LEAVE_AWAITING)
    assert waiting.count() == 2 and not waiting.unread().exists()
    html = _inbox(client, deputy)
    assert (
        "王成员的请假申请（深入学习贯彻党的二十届四中全会精神）已由张组长批准" in html
    )
    assert "待您审批" not in html


def test_a_withdrawal_settles_the_approvers_notice(client, upcoming, member, leader):
    leave = request_leave(upcoming, member, reason=REASON)

    withdraw_leave(leave, member)

    assert not Notification.objects.unread().filter(kind=Kind.LEAVE_AWAITING).exists()
    assert "王成员已撤回请假申请" in _inbox(client, leader)


def test_an_approver_who_no_longer_keeps_the_record_sees_no_reason(
    client, group, upcoming, member, leader
):
    request_leave(upcoming, member, reason=REASON)
    Membership.objects.filter(group=group, member=leader).update(
        role=Membership.Role.MEMBER
    )

    html = _inbox(client, leader)

    assert REASON not in html and "王成员申请请假" not in html
    assert HIDDEN in html
    notification = Notification.objects.get(kind=Kind.LEAVE_AWAITING)
    assert client.get(notification.get_absolute_url())["Location"] == reverse(
        "articles:notifications"
    )


def test_the_approvers_email_names_the_member_but_not_the_reason(
    upcoming, member, leader, mailoutbox, django_capture_on_commit_callbacks
):
    _with_address(leader, member)
    with django_capture_on_commit_callbacks(execute=True):
        request_leave(upcoming, member, reason=REASON)

    (mail,) = mailoutbox
    assert mail.to == ["leader@example.cn"]
    assert "王成员申请请假" in mail.subject
    assert REASON not in mail.subject + mail.body
    notification = Notification.objects.get(kind=Kind.LEAVE_AWAITING)
    assert notification.get_absolute_url() in mail.body


def test_a_request_decided_before_the_worker_runs_is_not_mailed_to_approvers(
    group,
    upcoming,
    member,
    leader,
    deputy,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    _deputies_decide(group)
    _with_address(deputy)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, leader, approve=False)

    for callback in callbacks:
        callback()

    assert mailoutbox == []


def test_an_approver_who_turned_email_off_gets_none(
    upcoming, member, leader, mailoutbox, django_capture_on_commit_callbacks
):
    _with_address(leader, opt_in=False)
    with django_capture_on_commit_callbacks(execute=True):
        request_leave(upcoming, member, reason=REASON)

    assert mailoutbox == []
    assert (
        Notification.objects.filter(recipient=leader, kind=Kind.LEAVE_AWAITING).count()
        == 1
    )


# --- The decision told to the member ------------------------------------------------
@pytest.mark.parametrize("approve", [True, False])
def test_the_decision_tells_the_member_and_nobody_else(
    people, upcoming, member, leader, approve
):
    leave = request_leave(upcoming, member, reason=REASON)

    decide_leave(leave, leader, approve=approve, comment=COMMENT)

    assert received(people, Kind.LEAVE_DECIDED) == {
        **nobody(people),
        "member": [leave.pk],
    }


def test_the_decision_on_the_leaders_own_leave_tells_the_leader(
    people, upcoming, leader, deputy
):
    leave = request_leave(upcoming, leader, reason=REASON)

    decide_leave(leave, deputy, approve=True)

    assert received(people, Kind.LEAVE_DECIDED) == {
        **nobody(people),
        "leader": [leave.pk],
    }


@pytest.mark.parametrize(
    "approve, words",
    [(True, "已由张组长批准"), (False, "未获张组长批准")],
)
def test_the_member_reads_who_decided_and_opens_the_request(
    client, upcoming, member, leader, approve, words
):
    leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, leader, approve=approve, comment=COMMENT)
    notification = Notification.objects.get(kind=Kind.LEAVE_DECIDED)

    html = _inbox(client, member)

    assert f"您的请假申请（深入学习贯彻党的二十届四中全会精神）{words}" in html
    assert COMMENT in html
    response = client.get(notification.get_absolute_url())
    assert response["Location"] == reverse("articles:leave_detail", args=[leave.pk])
    assert COMMENT in client.get(response["Location"]).content.decode()


def test_an_approved_leave_withdrawn_later_says_so(client, upcoming, member, leader):
    leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, leader, approve=True)
    withdraw_leave(leave, member)

    assert "曾由张组长批准，您已撤回" in _inbox(client, member)


def test_a_member_who_left_the_group_no_longer_reads_the_decision(
    client, group, upcoming, member, leader
):
    leave = request_leave(upcoming, member, reason=REASON)
    decide_leave(leave, leader, approve=False, comment=COMMENT)
    group.memberships.filter(member=member).delete()

    html = _inbox(client, member)

    assert COMMENT not in html and HIDDEN in html


def test_the_decision_email_names_the_approver_only(
    upcoming, member, leader, mailoutbox, django_capture_on_commit_callbacks
):
    _with_address(member, leader)
    leave = request_leave(upcoming, member, reason=REASON)
    with django_capture_on_commit_callbacks(execute=True):
        decide_leave(leave, leader, approve=True, comment=COMMENT)

    (mail,) = mailoutbox
    assert mail.to == ["member@example.cn"]
    assert "已由张组长批准" in mail.subject
    assert REASON not in mail.subject + mail.body
    assert COMMENT not in mail.subject + mail.body


def test_a_member_who_turned_email_off_gets_no_decision_email(
    upcoming, member, leader, mailoutbox, django_capture_on_commit_callbacks
):
    _with_address(member, opt_in=False)
    leave = request_leave(upcoming, member, reason=REASON)
    with django_capture_on_commit_callbacks(execute=True):
        decide_leave(leave, leader, approve=True)

    assert mailoutbox == []
    assert (
        Notification.objects.filter(recipient=member, kind=Kind.LEAVE_DECIDED).count()
        == 1
    )


# --- Reflections due ----------------------------------------------------------------
def _held_yesterday(group, days: int, topic="以党建引领基层治理创新", ago=1):
    """A session held ``ago`` days ago in a group expecting reflections within
    ``days`` days: held yesterday, due today with 1, tomorrow with 2."""
    GroupStudySettings.objects.update_or_create(
        group=group, defaults={"reflections_expected": True, "reflection_days": days}
    )
    day = timezone.localdate() - timedelta(days=ago)
    return make_session(
        group,
        topic=topic,
        starts_at=at(day.year, day.month, day.day, 9),
        ends_at=at(day.year, day.month, day.day, 12),
    )


def _expect(session, *people):
    for person in people:
        AttendanceFactory(session=session, member=person)


@pytest.mark.parametrize("days", [1, 2])
def test_the_reminder_goes_to_who_owes_a_reflection_due_today_or_tomorrow(
    people, group, leader, deputy, secretary, member, both, days
):
    session = _held_yesterday(group, days)
    _expect(session, leader, deputy, secretary, member, both)
    hand_in_reflection(session, secretary, text=TEXT)

    assert send_reflection_reminders() == 4

    assert received(people, Kind.REFLECTION_DUE) == {
        **nobody(people),
        "leader": [session.pk],
        "deputy": [session.pk],
        "member": [session.pk],
        "both": [session.pk],
    }


@pytest.mark.parametrize("days, ago", [(1, 2), (3, 1)])
def test_no_reminder_for_a_reflection_overdue_or_due_later(group, member, days, ago):
    session = _held_yesterday(group, days, ago=ago)
    _expect(session, member)

    assert send_reflection_reminders() == 0


def test_no_reminder_where_the_group_expects_no_reflections(group, member):
    session = _held_yesterday(group, 1)
    _expect(session, member)
    GroupStudySettings.objects.filter(group=group).update(reflections_expected=False)

    assert send_reflection_reminders() == 0


def test_the_other_groups_session_reminds_only_its_own_members(
    people, group, other_group, member, outsider, both
):
    ours = _held_yesterday(group, 1)
    theirs = _held_yesterday(other_group, 1, topic="西青专题学习")
    _expect(ours, member, both)
    _expect(theirs, outsider, both)

    send_reflection_reminders()

    assert received(people, Kind.REFLECTION_DUE) == {
        **nobody(people),
        "member": [ours.pk],
        "outsider": [theirs.pk],
        "both": sorted([ours.pk, theirs.pk]),
    }


def test_a_member_who_left_the_group_is_not_reminded(group, member, leader):
    session = _held_yesterday(group, 1)
    _expect(session, member, leader)
    group.memberships.filter(member=member).delete()

    assert send_reflection_reminders() == 1
    assert not Notification.objects.filter(recipient=member).exists()


def test_reflection_reminders_are_sent_once_however_often_they_run(
    group, member, leader, capsys
):
    session = _held_yesterday(group, 1)
    _expect(session, member, leader)

    call_command("send_reminders")
    call_command("send_reminders")

    assert Notification.objects.filter(kind=Kind.REFLECTION_DUE).count() == 2
    out = capsys.readouterr().out
    assert "Reminded 2 member(s) of a reflection due." in out
    assert "Reminded 0 member(s) of a reflection due." in out


def test_the_reminder_links_to_the_hand_in_page_and_handing_in_settles_it(
    client, group, member
):
    session = _held_yesterday(group, 1)
    _expect(session, member)
    send_reflection_reminders()
    notification = Notification.objects.get(kind=Kind.REFLECTION_DUE)
    today = timezone.localdate()

    html = _inbox(client, member)

    assert (
        f"提醒：集体学习“以党建引领基层治理创新”的学习心得请于{today:%m月%d日}前提交"
        in html
    )
    response = client.get(notification.get_absolute_url())
    assert response["Location"] == reverse(
        "articles:reflection_hand_in", args=[session.pk]
    )
    assert client.get(response["Location"]).status_code == 200

    Notification.objects.filter(pk=notification.pk).update(read_at=None)
    hand_in_reflection(session, member, text=TEXT)
    notification.refresh_from_db()
    assert notification.is_read


def test_the_reflection_reminder_is_mailed_to_who_wants_mail_only(
    group, member, leader, mailoutbox, django_capture_on_commit_callbacks
):
    session = _held_yesterday(group, 1)
    _expect(session, member, leader)
    _with_address(member)
    _with_address(leader, opt_in=False)

    with django_capture_on_commit_callbacks(execute=True):
        send_reflection_reminders()

    (mail,) = mailoutbox
    assert mail.to == ["member@example.cn"]
    assert "学习心得" in mail.subject
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert send_notification_emails(ids) == 0  # sent once


def test_a_member_who_left_before_the_inbox_sees_a_neutral_line(client, group, member):
    session = _held_yesterday(group, 1)
    _expect(session, member)
    send_reflection_reminders()
    group.memberships.filter(member=member).delete()

    html = _inbox(client, member)

    assert "以党建引领基层治理创新" not in html and HIDDEN in html


# --- The inbox stays at a fixed number of queries ----------------------------------
@pytest.mark.parametrize("count", [1, 3])
def test_the_inbox_runs_the_same_queries_for_one_or_three_of_each_new_kind(
    client, group, member, leader, count, django_assert_num_queries
):
    for index in range(count):
        leave = request_leave(
            starting_in(group, index + 1, topic=f"专题{index}"), member, reason=REASON
        )
        decide_leave(leave, leader, approve=bool(index % 2), comment=COMMENT)
        _expect(_held_yesterday(group, 1, topic=f"已举行{index}"), member)
    send_reflection_reminders()
    assert Notification.objects.filter(recipient=member).exclude(
        kind=Kind.SESSION_NEW
    ).count() == (2 * count)
    client.force_login(member)

    # session, user, count, page, the leave requests, the reminders' sessions
    # with their group's settings, the session notices' sessions and materials,
    # the header's count: the same for one or three of each.
    with django_assert_num_queries(9):
        response = client.get(reverse("articles:notifications"))
    assert response.status_code == 200


def test_the_cached_header_counts_follow_a_leave_request_and_its_decision(
    group, upcoming, member, leader, deputy, secretary
):
    _deputies_decide(group)
    people = (leader, deputy, member, secretary)
    before = {p.username: unread_count(p) for p in people}  # all cached

    leave = request_leave(upcoming, member, reason=REASON)
    asked = {p.username: unread_count(p) for p in people}
    assert asked == {
        **before,
        leader.username: before[leader.username] + 1,
        deputy.username: before[deputy.username] + 1,
    }

    decide_leave(leave, leader, approve=True)
    # Both approvers' notices settled, the member told of the decision.
    assert {p.username: unread_count(p) for p in people} == {
        **before,
        member.username: before[member.username] + 1,
    }


def test_the_cached_header_count_follows_a_reflection_reminder_and_hand_in(
    group, member, leader
):
    session = _held_yesterday(group, 1)
    _expect(session, member)
    before = unread_count(member), unread_count(leader)

    send_reflection_reminders()
    assert (unread_count(member), unread_count(leader)) == (before[0] + 1, before[1])

    hand_in_reflection(session, member, text=TEXT)
    assert (unread_count(member), unread_count(leader)) == before
