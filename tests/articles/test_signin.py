"""Sign-in at the meeting (扫码签到): the rotating code, what scanning it does for a
member, a non-member and an observer, and what the keeper sees and corrects."""

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import (
    Attendance,
    Correction,
    GroupStudySettings,
    Observer,
    ObserverEntry,
    SignIn,
    StudySession,
)
from articles.services import archive_session
from articles.services import signin as signin_services
from articles.services.signin import (
    SLOT_SECONDS,
    check_code_token,
    make_code_token,
    sign_in_member,
)

from ..factories import PASSWORD, MemberFactory, MembershipFactory
from .sessions_support import add_members, attendance_post, make_session

pytestmark = pytest.mark.django_db


def _now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def meeting(group, leader, secretary, member):
    """A meeting of our group that started two minutes ago, for two hours."""
    start = _now() - timedelta(minutes=2)
    return make_session(
        group,
        status="planned",
        topic="学习贯彻党的二十届四中全会精神",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )


@pytest.fixture
def clock(monkeypatch):
    """Moves ``time.time`` (which the signer and the slots read) and Django's
    ``timezone.now`` forward together."""
    state = {"offset": 0.0}
    real = time.time

    def fake():
        return real() + state["offset"]

    real_now = timezone.now

    def fake_now():
        return real_now() + timedelta(seconds=state["offset"])

    monkeypatch.setattr(time, "time", fake)
    monkeypatch.setattr(timezone, "now", fake_now)

    def advance(seconds):
        state["offset"] += seconds

    return advance


def _scan_url(session, token=None):
    token = token or make_code_token(session)
    return reverse("articles:signin_scan", args=[session.pk]) + f"?t={token}"


def _scan_and_sign(client, session):
    """What the phone does: open the code's URL, then press 签到."""
    response = client.get(_scan_url(session))
    assert response.status_code == 302
    assert response["Location"] == reverse("articles:signin_scan", args=[session.pk])
    return client.post(response["Location"])


# --- the code -----------------------------------------------------------------------


def test_token_is_valid_in_its_slot_and_the_next_then_expires(meeting, clock):
    # Start at the beginning of a slot so that the steps below land where meant.
    clock(signin_services.seconds_left_in_slot())
    token = make_code_token(meeting)
    assert check_code_token(token, meeting.pk)
    clock(SLOT_SECONDS)  # the screen shows the next code; this one still works
    assert check_code_token(token, meeting.pk)
    clock(SLOT_SECONDS)
    assert not check_code_token(token, meeting.pk)


def test_code_rotates_every_slot(meeting, clock):
    clock(signin_services.seconds_left_in_slot())
    first = make_code_token(meeting)
    clock(SLOT_SECONDS)
    second = make_code_token(meeting)
    first_value = first.split(":")[1]
    second_value = second.split(":")[1]
    assert int(second_value) == int(first_value) + 1
    clock(SLOT_SECONDS)
    assert not check_code_token(first, meeting.pk)
    assert check_code_token(second, meeting.pk)


def test_token_is_bound_to_its_session_and_salt(meeting, group):
    other = make_session(group, status="planned", topic="另一次学习")
    token = make_code_token(meeting)
    assert not check_code_token(token, other.pk)
    # Signed with the same key but without our salt (e.g. another feature's value).
    slot = int(time.time()) // SLOT_SECONDS
    foreign = signing.TimestampSigner().sign(f"{meeting.pk}:{slot}")
    assert not check_code_token(foreign, meeting.pk)
    assert not check_code_token(token[:-1] + ("A" if token[-1] != "A" else "B"), 1)
    assert not check_code_token("", meeting.pk)


def test_expired_code_is_refused_with_a_clear_page_naming_no_session(
    client, member, meeting, clock
):
    token = make_code_token(meeting)
    clock(3 * SLOT_SECONDS)
    client.force_login(member)
    response = client.get(_scan_url(meeting, token))
    assert response.status_code == 400
    body = response.content.decode()
    assert "此签到码已失效" in body
    assert meeting.topic not in body
    assert not SignIn.objects.exists()


def test_scan_remembered_only_for_a_while(client, member, meeting, clock):
    client.force_login(member)
    client.get(_scan_url(meeting))
    clock(11 * 60)
    response = client.post(reverse("articles:signin_scan", args=[meeting.pk]))
    assert response.status_code == 400
    assert "请重新扫描会议室屏幕上的二维码" in response.content.decode()
    assert not SignIn.objects.exists()


# --- a member signs in --------------------------------------------------------------


def test_member_signs_in_present_with_the_time(client, member, meeting):
    client.force_login(member)
    before = timezone.now()
    response = _scan_and_sign(client, meeting)
    assert response.status_code == 302
    sign_in = SignIn.objects.get(session=meeting, member=member)
    assert sign_in.status == SignIn.Status.PRESENT
    assert before - timedelta(seconds=1) <= sign_in.signed_at <= timezone.now()
    attendance = Attendance.objects.get(session=meeting, member=member)
    assert attendance.status == Attendance.Status.PRESENT
    page = client.get(response["Location"]).content.decode()
    assert "王成员，您已于" in page and "签到" in page
    # Signing in changes nothing else: the keeper still records the session.
    meeting.refresh_from_db()
    assert meeting.status == StudySession.Status.PLANNED


def test_signing_in_twice_changes_nothing(client, member, meeting):
    client.force_login(member)
    _scan_and_sign(client, meeting)
    first = SignIn.objects.get()
    _scan_and_sign(client, meeting)
    assert SignIn.objects.count() == 1
    assert SignIn.objects.get().signed_at == first.signed_at
    assert Attendance.objects.filter(session=meeting, member=member).count() == 1
    # And directly through the service, later: still the first sign-in.
    again = sign_in_member(meeting, member, at=timezone.now() + timedelta(minutes=30))
    assert again.pk == first.pk and again.signed_at == first.signed_at


def test_sign_in_never_overwrites_what_the_keeper_recorded(client, member, meeting):
    Attendance.objects.create(
        session=meeting,
        member=member,
        status=Attendance.Status.ON_LEAVE,
        leave_reason="赴市委党校参加培训",
    )
    client.force_login(member)
    _scan_and_sign(client, meeting)
    attendance = Attendance.objects.get(session=meeting, member=member)
    assert (attendance.status, attendance.leave_reason) == (
        Attendance.Status.ON_LEAVE,
        "赴市委党校参加培训",
    )
    # The sign-in itself is kept, for the keeper to see.
    assert SignIn.objects.filter(session=meeting, member=member).exists()


@pytest.mark.parametrize(
    ("minutes_after_start", "grace", "expected"),
    [(4, 5, "present"), (6, 5, "late"), (6, 10, "present"), (11, 10, "late")],
)
def test_late_after_the_groups_grace_minutes(
    group, member, minutes_after_start, grace, expected
):
    GroupStudySettings.objects.create(group=group, late_after_minutes=grace)
    start = _now() - timedelta(minutes=minutes_after_start)
    session = make_session(
        group, status="planned", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    sign_in = sign_in_member(session, member, at=timezone.now())
    assert sign_in.status == expected
    attendance = Attendance.objects.get(session=session, member=member)
    assert attendance.status == expected


def test_time_of_scan_counts_not_the_time_of_logging_in(group, member, meeting):
    # Scanned on time (anonymous), logged in and confirmed 8 minutes later.
    anonymous = Client()
    anonymous.get(_scan_url(meeting))
    session_data = anonymous.session
    scans = session_data["signin_scans"]
    scans[str(meeting.pk)] = (meeting.starts_at + timedelta(minutes=1)).isoformat()
    session_data["signin_scans"] = scans
    session_data.save()
    page = reverse("articles:signin_scan", args=[meeting.pk])
    response = anonymous.post(
        reverse("login") + f"?next={page}",
        {"username": "member", "password": PASSWORD, "next": page},
    )
    assert response.status_code == 302 and response["Location"] == page
    anonymous.post(page)
    sign_in = SignIn.objects.get(member=member)
    assert sign_in.signed_at == meeting.starts_at + timedelta(minutes=1)
    assert sign_in.status == SignIn.Status.PRESENT


# --- who may not --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider", "staff"])
def test_non_member_with_a_current_code_gets_the_404_of_a_missing_session(
    client, meeting, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_scan_url(meeting))
    assert response.status_code == 404
    missing = client.get(reverse("articles:signin_scan", args=[999999]) + "?t=whatever")
    # An invalid code says "invalid" whatever the session; a valid code for a
    # session one cannot see is exactly a missing session.
    assert missing.status_code == 400
    assert (
        client.post(reverse("articles:signin_scan", args=[meeting.pk])).status_code
        == 404
    )
    assert (
        client.post(reverse("articles:signin_scan", args=[999999])).status_code == 404
    )
    assert not SignIn.objects.exists()


def test_service_refuses_a_non_member(meeting, outsider):
    with pytest.raises(signin_services.ValidationError):
        sign_in_member(meeting, outsider, at=timezone.now())
    assert not SignIn.objects.exists() and not Attendance.objects.exists()


def test_code_for_another_session_does_not_sign_in_here(client, group, member, meeting):
    other = make_session(group, status="planned", topic="另一次学习")
    client.force_login(member)
    response = client.get(_scan_url(meeting, make_code_token(other)))
    assert response.status_code == 400
    assert not SignIn.objects.exists()


@pytest.mark.parametrize(
    ("starts_in", "message"),
    [(timedelta(minutes=45), "签到将于"), (timedelta(hours=-3), "签到已关闭")],
)
def test_outside_the_window_nobody_signs_in(client, group, member, starts_in, message):
    start = _now() + starts_in
    session = make_session(
        group, status="planned", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    client.force_login(member)
    response = _scan_and_sign(client, session)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SignIn.objects.exists() and not Attendance.objects.exists()


def test_window_opens_the_groups_minutes_before_the_start(client, group, member):
    GroupStudySettings.objects.create(group=group, sign_in_opens_minutes=60)
    start = _now() + timedelta(minutes=45)
    session = make_session(
        group, status="planned", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    client.force_login(member)
    _scan_and_sign(client, session)
    assert SignIn.objects.get().status == SignIn.Status.PRESENT


def test_archived_record_takes_no_sign_in(client, member, meeting):
    meeting.status = StudySession.Status.ARCHIVED
    meeting.save()
    client.force_login(member)
    response = _scan_and_sign(client, meeting)
    assert response.status_code == 400
    assert "本记录已归档" in response.content.decode()


def test_anonymous_without_a_scan_is_sent_to_log_in(client, meeting):
    page = reverse("articles:signin_scan", args=[meeting.pk])
    for response in (client.get(page), client.post(page)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_anonymous_scan_then_login_and_back(client, member, meeting):
    response = client.get(_scan_url(meeting))
    page = response["Location"]
    body = client.get(page).content.decode()
    assert "登录并签到" in body and "登记列席" in body
    login = f"{reverse('login')}?next={page}"
    assert login in body.replace("&amp;", "&").replace("%2F", "/")
    response = client.post(
        login, {"username": "member", "password": PASSWORD, "next": page}
    )
    assert response["Location"] == page
    assert "您将以王成员的身份签到" in client.get(page).content.decode()
    client.post(page)
    assert SignIn.objects.filter(member=member, session=meeting).exists()


# --- observers (列席) ---------------------------------------------------------------


def _observer(client, session, name="孙晓", unit="区委宣传部理论科"):
    return client.post(
        reverse("articles:signin_observer", args=[session.pk]),
        {"name": name, "unit": unit},
    )


def test_observer_enters_name_and_the_keeper_confirms(client, secretary, meeting):
    client.get(_scan_url(meeting))
    response = _observer(client, meeting)
    assert response.status_code == 302
    entry = ObserverEntry.objects.get()
    assert (entry.name, entry.unit, entry.state) == (
        "孙晓",
        "区委宣传部理论科",
        "pending",
    )
    assert not Observer.objects.filter(session=meeting).exists()
    assert "待确认" in client.get(response["Location"]).content.decode()

    keeper = Client()
    keeper.force_login(secretary)
    screen = keeper.get(reverse("articles:session_attendance", args=[meeting.pk]))
    assert "孙晓（区委宣传部理论科）" in screen.content.decode()
    decide = reverse("articles:signin_observer_decide", args=[meeting.pk, entry.pk])
    keeper.post(decide, {"action": "confirm"})
    entry.refresh_from_db()
    assert entry.state == "confirmed" and entry.decided_by == secretary
    observer = Observer.objects.get(session=meeting)
    assert (observer.name, observer.unit) == ("孙晓", "区委宣传部理论科")
    # Deciding again changes nothing.
    keeper.post(decide, {"action": "decline"})
    assert Observer.objects.filter(session=meeting).count() == 1


def test_keeper_declines_an_observer(client, secretary, member, meeting):
    client.get(_scan_url(meeting))
    _observer(client, meeting, name="无关人员", unit="")
    entry = ObserverEntry.objects.get()
    for person, status in [(member, 403), (secretary, 302)]:
        keeper = Client()
        keeper.force_login(person)
        response = keeper.post(
            reverse("articles:signin_observer_decide", args=[meeting.pk, entry.pk]),
            {"action": "decline"},
        )
        assert response.status_code == status
    entry.refresh_from_db()
    assert entry.state == "declined"
    assert not Observer.objects.exists()


def test_observer_form_needs_a_current_scan(client, meeting):
    response = _observer(client, meeting)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not ObserverEntry.objects.exists()


def test_observer_form_is_csrf_protected(meeting):
    client = Client(enforce_csrf_checks=True)
    client.get(_scan_url(meeting))
    assert _observer(client, meeting).status_code == 403
    assert not ObserverEntry.objects.exists()


def test_observer_entries_are_limited_per_browser_and_per_session(client, meeting):
    client.get(_scan_url(meeting))
    for index in range(3):
        assert _observer(client, meeting, name=f"列席{index}").status_code == 302
    refused = _observer(client, meeting, name="列席3")
    assert refused.status_code == 400
    assert "您已登记 3 人" in refused.content.decode()
    assert ObserverEntry.objects.count() == 3
    for index in range(3, signin_services.MAX_PENDING_OBSERVERS):
        ObserverEntry.objects.create(session=meeting, name=f"列席{index}")
    other = Client()
    other.get(_scan_url(meeting))
    refused = _observer(other, meeting, name="再来一位")
    assert refused.status_code == 400
    assert "待确认的列席人员过多" in refused.content.decode()


def test_observer_needs_a_name(client, meeting):
    client.get(_scan_url(meeting))
    response = _observer(client, meeting, name="   ")
    assert response.status_code == 400
    assert "请填写姓名" in response.content.decode() or "这个字段是必填项" in (
        response.content.decode()
    )
    assert not ObserverEntry.objects.exists()


# --- the keeper's screens -----------------------------------------------------------


def test_keeper_screen_shows_a_code_that_signs_in(client, secretary, member, meeting):
    client.force_login(secretary)
    page = client.get(reverse("articles:signin_screen", args=[meeting.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "签到二维码" in body and "<script>" not in body
    code = client.get(reverse("articles:signin_code", args=[meeting.pk])).json()
    assert code["open"] and code["svg"].startswith("<svg")
    assert 0 < code["refresh"] <= SLOT_SECONDS
    url = urlsplit(code["url"])
    assert url.path == reverse("articles:signin_scan", args=[meeting.pk])
    token = parse_qs(url.query)["t"][0]
    phone = Client()
    phone.force_login(member)
    response = phone.get(f"{url.path}?t={token}")
    phone.post(response["Location"])
    board = client.get(reverse("articles:signin_board", args=[meeting.pk])).json()
    assert board["signed"] == 1
    assert board["expected"] == 3
    assert board["members"][0]["name"] == "王成员"
    assert board["members"][0]["late"] is False


def test_screen_outside_the_window_shows_no_code(client, group, secretary):
    start = _now() + timedelta(hours=3)
    session = make_session(
        group, status="planned", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    client.force_login(secretary)
    body = client.get(reverse("articles:signin_screen", args=[session.pk])).content
    assert b"<svg" not in body
    assert "签到将于" in body.decode()
    code = client.get(reverse("articles:signin_code", args=[session.pk])).json()
    assert code == {"open": False, "message": code["message"], "refresh": 15}


def test_board_query_count_does_not_grow_with_sign_ins(
    client, group, secretary, meeting, django_assert_max_num_queries
):
    people = add_members(group, 3)
    client.force_login(secretary)
    url = reverse("articles:signin_board", args=[meeting.pk])
    sign_in_member(meeting, people[0], at=timezone.now())
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for person in people[1:]:
        sign_in_member(meeting, person, at=timezone.now())
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).json()["signed"] == 3


def test_board_names_are_text_not_markup(client, group, secretary, meeting):
    person = MemberFactory(username="xss", display_name="<img src=x onerror=alert(1)>")
    MembershipFactory(group=group, member=person)
    sign_in_member(meeting, person, at=timezone.now())
    client.force_login(secretary)
    body = client.get(reverse("articles:signin_screen", args=[meeting.pk])).content
    assert b"<img src=x" not in body


# --- the attendance screen ----------------------------------------------------------


def test_attendance_screen_shows_who_signed_in_and_leaves_the_rest_unmarked(
    client, secretary, leader, member, meeting
):
    sign_in_member(meeting, member, at=meeting.starts_at + timedelta(minutes=1))
    client.force_login(secretary)
    url = reverse("articles:session_attendance", args=[meeting.pk])
    body = client.get(url).content.decode()
    local = timezone.localtime(meeting.starts_at + timedelta(minutes=1))
    assert f"{local:%H:%M} 签到" in body
    assert body.count("attendance-row__unsigned") == 2  # leader and secretary
    # Saving without marking those who did not sign in is refused, nothing lost.
    response = client.post(url, attendance_post({member: "present"}))
    assert response.status_code == 400
    assert "请登记张组长的出勤情况" in response.content.decode()
    assert Attendance.objects.filter(session=meeting).count() == 1
    # The keeper marks them and may correct the member's own sign-in too.
    client.post(
        url,
        attendance_post({member: "left_early", leader: "present", secretary: "absent"}),
    )
    statuses = dict(
        Attendance.objects.filter(session=meeting).values_list(
            "member__username", "status"
        )
    )
    assert statuses == {
        "member": "left_early",
        "leader": "present",
        "secretary": "absent",
    }
    assert SignIn.objects.filter(member=member).exists()


def test_correcting_a_signed_in_member_once_archived_keeps_the_history(
    client, secretary, leader, member, meeting
):
    sign_in_member(meeting, member, at=timezone.now())
    client.force_login(secretary)
    url = reverse("articles:session_attendance", args=[meeting.pk])
    client.post(
        url,
        attendance_post({member: "present", leader: "present", secretary: "present"}),
    )
    meeting.refresh_from_db()
    archive_session(meeting)
    response = client.post(
        url,
        attendance_post(
            {member: "late", leader: "present", secretary: "present"},
            reason="核对签到时间",
        ),
    )
    assert response.status_code == 302
    correction = Correction.objects.get(session=meeting)
    assert correction.reason == "核对签到时间"
    assert correction.changes[0]["new"] == "迟到"


def test_without_sign_ins_the_attendance_screen_defaults_to_present(
    client, secretary, meeting
):
    client.force_login(secretary)
    body = client.get(
        reverse("articles:session_attendance", args=[meeting.pk])
    ).content.decode()
    assert "未签到" not in body
    assert body.count("checked") == 3


@pytest.mark.parametrize(
    "token",
    ["", "x", "1:2", "1:abc:def", "²:1:1", "1" * 400, "%00", ":::", "a\x00b"],
)
def test_hostile_codes_are_refused_not_5xx(client, member, meeting, token):
    client.force_login(member)
    url = reverse("articles:signin_scan", args=[meeting.pk])
    response = client.get(url, {"t": token})
    assert response.status_code == 400
    response = client.get(f"{url}?t=1&t={make_code_token(meeting)}")
    assert response.status_code == 400  # a repeated parameter is no code
    assert not SignIn.objects.exists()


def test_code_svg_holds_no_text_of_the_url():
    url = 'https://example.org/sessions/1/check-in/?t="><script>alert(1)</script>'
    svg = signin_services.code_svg(url, '<b>"签到二维码"</b>')
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script" not in svg and "<b>" not in svg
    assert "example.org" not in svg
    assert "&lt;b&gt;" in svg


def test_held_only_once_those_who_did_not_sign_in_are_marked(
    client, secretary, leader, member, meeting
):
    from articles.services import mark_session_held, record_attendance
    from articles.services.sessions import AttendanceEntry

    sign_in_member(meeting, member, at=timezone.now())
    client.force_login(secretary)
    response = client.post(
        reverse("articles:session_status", args=[meeting.pk]), {"action": "held"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == StudySession.Status.PLANNED
    assert "有成员未签到" in client.get(response["Location"]).content.decode()
    record_attendance(
        meeting,
        [
            AttendanceEntry(member=leader, status="present"),
            AttendanceEntry(member=secretary, status="absent"),
        ],
        author=secretary,
    )
    meeting.refresh_from_db()
    assert meeting.status == StudySession.Status.HELD
    assert Attendance.objects.filter(session=meeting).count() == 3
    with pytest.raises(signin_services.ValidationError):
        mark_session_held(meeting)  # already held: the usual refusal
