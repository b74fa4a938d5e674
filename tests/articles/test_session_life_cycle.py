"""The session life cycle: planned → held (only once started, and the keeper says
so) → archived; make-up items only for held sessions; 待记录 for the forgotten;
no export that reads as the record of a session that did not take place."""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Member, Membership, StudyGroup
from articles.models import Attendance, MakeUpStudy, StudySession
from articles.services import (
    AttendanceEntry,
    create_session,
    mark_session_held,
    record_attendance,
    update_session,
)

from ..factories import MembershipFactory
from .sessions_support import attendance_post, bundled_article, make_session

pytestmark = pytest.mark.django_db
ON_LEAVE = Attendance.Status.ON_LEAVE
ABSENT = Attendance.Status.ABSENT
PRESENT = Attendance.Status.PRESENT


def _in(days: float, group, topic="推动文化传承发展", **kwargs):
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return make_session(
        group,
        topic=topic,
        status="planned",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        **kwargs,
    )


@pytest.fixture
def future(group, leader, secretary, member):
    return _in(14, group, article=bundled_article())


@pytest.fixture
def forgotten(group, leader, secretary, member):
    """Planned for three days ago and never recorded: 待记录."""
    return _in(-3, group, topic="加快发展新质生产力")


def _login(client, user):
    client.force_login(user)
    return client


def test_attendance_saved_ahead_leaves_the_session_planned_without_make_ups(
    future, leader, secretary, member
):
    record_attendance(
        future,
        [
            AttendanceEntry(member=leader, status=PRESENT),
            AttendanceEntry(member=member, status=ON_LEAVE, leave_reason="因公出差"),
            AttendanceEntry(member=secretary, status=ABSENT),
        ],
        author=secretary,
    )

    future.refresh_from_db()
    assert future.status == StudySession.Status.PLANNED
    assert future.attendances.get(member=member).leave_reason == "因公出差"
    assert not MakeUpStudy.objects.exists()


def test_secretary_prepares_attendance_on_the_screen(
    client, future, leader, secretary, member
):
    client = _login(client, secretary)
    url = reverse("articles:session_attendance", args=[future.pk])

    form = client.get(url).content.decode()
    response = client.post(
        url,
        attendance_post(
            {leader: "present", secretary: "present", member: ("on_leave", "因公出差")}
        ),
    )
    page = client.get(response["Location"]).content.decode()

    assert "本次学习尚未开始" in form
    future.refresh_from_db()
    assert future.status == "planned"
    assert not MakeUpStudy.objects.exists()
    assert "考勤已预先登记" in page
    assert "未举行" in page
    # Prepared attendance is no head count of a meeting that has not happened.
    assert "实到" not in page and "应到3人" in page


def test_attendance_after_the_start_makes_it_held_with_make_ups(
    group, leader, secretary, member
):
    started = _in(-1 / 24, group)  # began an hour ago, still going on

    record_attendance(
        started,
        [
            AttendanceEntry(member=leader, status=PRESENT),
            AttendanceEntry(member=member, status=ON_LEAVE, leave_reason="因公出差"),
            AttendanceEntry(member=secretary, status=ABSENT),
        ],
        author=secretary,
    )

    started.refresh_from_db()
    assert started.status == StudySession.Status.HELD
    missed = MakeUpStudy.objects.values_list("attendance__member__username", flat=True)
    assert sorted(missed) == ["member", "secretary"]


def test_prepared_leave_gets_its_make_up_when_the_session_is_held(
    future, leader, secretary, member
):
    record_attendance(
        future,
        [AttendanceEntry(member=member, status=ON_LEAVE, leave_reason="因公出差")],
        author=secretary,
    )
    # Time passes: the session took place.
    StudySession.objects.filter(pk=future.pk).update(
        starts_at=future.starts_at - timedelta(days=15),
        ends_at=future.ends_at - timedelta(days=15),
    )
    future.refresh_from_db()

    mark_session_held(future)

    assert future.status == StudySession.Status.HELD
    assert MakeUpStudy.objects.get().attendance.member == member


def test_a_future_session_cannot_be_marked_held(client, future, secretary):
    with pytest.raises(ValidationError) as refused:
        mark_session_held(future)
    response = _login(client, secretary).post(
        reverse("articles:session_status", args=[future.pk]), {"action": "held"}
    )
    page = client.get(response["Location"]).content.decode()

    assert refused.value.error_list[0].code == "not_started"
    future.refresh_from_db()
    assert future.status == "planned"
    assert "开始时间过后才能标记为已举行" in page
    assert 'value="held"' not in page


def test_a_held_session_cannot_move_into_the_future(client, group, secretary):
    held = make_session(group)
    later = timezone.now() + timedelta(days=5)

    with pytest.raises(ValidationError) as refused:
        update_session(
            held, author=secretary, starts_at=later, ends_at=later + timedelta(hours=2)
        )
    response = _login(client, secretary).post(
        reverse("articles:session_edit", args=[held.pk]),
        {
            "topic": held.topic,
            "form": held.form,
            "starts_at": timezone.localtime(later).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(later + timedelta(hours=2)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
        },
    )

    assert refused.value.error_list[0].code == "held_in_future"
    assert response.status_code == 400
    assert "开始时间不能改到尚未到来的时间" in response.content.decode()
    held.refresh_from_db()
    assert (held.status, held.starts_at.year) == ("held", 2026)
    assert held.starts_at < timezone.now()


def test_forgotten_session_is_awaiting_record_on_the_keepers_home_and_list(
    client, forgotten, future, secretary
):
    client = _login(client, secretary)
    home = client.get(reverse("home")).content.decode()
    listing = client.get(reverse("articles:session_list")).content.decode()
    record_url = reverse("articles:session_attendance", args=[forgotten.pk])

    start = home.index("待记录的学习")
    card = home[start : home.index("</section>", start)]
    assert forgotten.topic in card and record_url in card
    assert future.topic not in card
    assert "session-status--awaiting" in listing and record_url in listing
    assert listing.count("待记录") == 1
    assert list(StudySession.objects.awaiting_record()) == [forgotten]


def test_plain_member_sees_the_status_but_no_to_do(client, forgotten, member):
    client = _login(client, member)
    home = client.get(reverse("home")).content.decode()
    listing = client.get(reverse("articles:session_list")).content.decode()
    record_url = reverse("articles:session_attendance", args=[forgotten.pk])

    assert "待记录的学习" not in home
    assert "待记录" in listing
    assert record_url not in listing


def test_recording_a_forgotten_session_ends_awaiting(forgotten, secretary, member):
    record_attendance(
        forgotten, [AttendanceEntry(member=member, status=ABSENT)], author=secretary
    )

    forgotten.refresh_from_db()
    assert forgotten.status == "held"
    assert not forgotten.is_awaiting_record
    assert MakeUpStudy.objects.get().attendance.member == member


def test_a_session_in_progress_is_neither_awaiting_nor_refused(group, secretary):
    started = _in(-1 / 24, group)

    assert not started.is_awaiting_record
    assert list(StudySession.objects.upcoming()) == [started]
    assert mark_session_held(started).status == "held"


def test_record_docx_of_a_planned_session_is_refused(client, future, member):
    client = _login(client, member)
    response = client.get(reverse("articles:session_docx", args=[future.pk]))
    page = client.get(response["Location"]).content.decode()

    assert response.status_code == 302
    assert response["Location"] == future.get_absolute_url()
    assert "本次学习尚未举行，还没有可下载的学习记录" in page
    assert reverse("articles:session_docx", args=[future.pk]) not in page


def test_record_page_of_a_planned_session_says_not_held(
    client, future, forgotten, member
):
    client = _login(client, member)

    planned = client.get(future.get_absolute_url()).content.decode()
    late = client.get(forgotten.get_absolute_url()).content.decode()
    held = client.get(make_session(future.group).get_absolute_url()).content.decode()

    assert "record__not-held" in planned and "未举行" in planned
    assert "尚在计划中" in planned
    assert "record__not-held" in late and "一直未作记录" in late
    assert "record__not-held" not in held


def test_sign_in_sheet_stays_available_for_a_planned_session(client, future, member):
    response = _login(client, member).get(
        reverse("articles:sign_in_sheet", args=[future.pk])
    )

    assert response.status_code == 200
    assert "王成员" in response.content.decode()


@pytest.mark.parametrize("year", ["1999", "2101", "0001", "9999"])
def test_session_form_refuses_years_out_of_range(client, secretary, group, year):
    response = _login(client, secretary).post(
        reverse("articles:session_create", args=[group.pk]),
        {
            "topic": "年份错误",
            "form": "collective",
            "starts_at": f"{year}-05-08T09:00",
            "ends_at": "2026-05-08T11:00",
        },
    )

    assert response.status_code == 400
    assert "年份应在2000年至2100年之间" in response.content.decode()
    assert not StudySession.objects.exists()


def test_create_session_refuses_years_out_of_range(group):
    start = timezone.make_aware(timezone.datetime(1999, 12, 31, 9, 0))

    with pytest.raises(ValidationError) as refused:
        create_session(
            group, topic="年份错误", starts_at=start, ends_at=start + timedelta(hours=2)
        )

    assert refused.value.error_list[0].code == "year_out_of_range"
    assert not StudySession.objects.exists()


def test_admin_shows_the_status_but_cannot_set_it(client, staff, group):
    held = make_session(group)
    # The admin shows a record only to staff who keep the group's record.
    MembershipFactory(group=group, member=staff, role=Membership.Role.SECRETARY)
    client = _login(client, staff)

    page = client.get(
        reverse("admin:articles_studysession_change", args=[held.pk])
    ).content.decode()

    assert 'name="status"' not in page
    assert "已举行" in page


def test_keeper_home_query_count_does_not_grow_with_awaiting_sessions(
    client, group, secretary, member, django_assert_max_num_queries
):
    _in(-3, group, topic="待记录一")
    client = _login(client, secretary)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("home"))
    for index in range(3):
        _in(-4 - index, group, topic=f"待记录{index}")
    # Cold again, as the first request was (the sessions above come from a factory,
    # not the services that renew the cached parts): the count must not grow.
    cache.clear()
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(reverse("home"))

    card = response.content.decode()
    assert card.count("session-status--awaiting") == 4
    assert len(many) == len(few)


def test_demo_group_is_in_position_order_and_its_sessions_tell_the_truth():
    call_command("load_demo", "--no-annotations", stdout=io.StringIO())
    call_command("load_demo", "--no-annotations", stdout=io.StringIO())
    group = StudyGroup.objects.get(name="中共天津市南开区委理论学习中心组")
    sessions = StudySession.objects.filter(group=group)
    upcoming = sessions.upcoming().get()

    assert [m.username for m in Member.objects.of_group(group)] == [
        "zhangwei",
        "zhaoqiang",
        "chenjing",
        "wangfang",
        "liming",
    ]
    assert sessions.count() == 4  # the second run added nothing
    assert all(s.starts_at < timezone.now() for s in sessions.held())
    assert sessions.held().count() == 2
    assert sessions.awaiting_record().get().topic == "深化全面从严治党"
    assert upcoming.attendances.get().status == ON_LEAVE
    assert not MakeUpStudy.objects.filter(attendance__session=upcoming).exists()
    assert MakeUpStudy.objects.count() == 2  # the leave at each held session
