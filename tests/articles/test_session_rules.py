"""The rules of the study record, at the service and database level."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from articles.models import (
    Attendance,
    Correction,
    DiscussionNote,
    GroupStudySettings,
    MakeUpStudy,
    StudySession,
)
from articles.records.reads import group_year
from articles.services import (
    AttendanceEntry,
    add_plan_item,
    archive_session,
    complete_make_up,
    record_attendance,
    save_discussion_note,
    update_session,
)

from ..factories import AttendanceFactory, MemberFactory, StudySessionFactory
from .sessions_support import add_members, at, bundled_article, make_session

pytestmark = pytest.mark.django_db


def test_one_attendance_per_member_per_session_is_a_database_constraint(member):
    session = StudySessionFactory()
    AttendanceFactory(session=session, member=member)

    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceFactory(session=session, member=member)


def test_database_refuses_leave_without_reason(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceFactory(member=member, status=Attendance.Status.ON_LEAVE)


def test_database_refuses_session_ending_before_it_starts(group):
    with pytest.raises(IntegrityError), transaction.atomic():
        StudySession.objects.create(
            group=group,
            topic="倒置的时间",
            starts_at=at(2026, 3, 1, 12),
            ends_at=at(2026, 3, 1, 9),
        )


def test_leave_without_reason_refused_and_nothing_written(group, secretary, member):
    session = make_session(group, status="planned")
    entries = [
        AttendanceEntry(member=secretary, status="present"),
        AttendanceEntry(member=member, status="on_leave", leave_reason="  "),
    ]

    with pytest.raises(ValidationError) as refused:
        record_attendance(session, entries, author=secretary)

    assert "王成员" in refused.value.messages[0]
    assert "请假" in refused.value.messages[0]
    assert not Attendance.objects.exists()
    session.refresh_from_db()
    assert session.status == "planned"


def test_recording_attendance_marks_the_session_held_and_creates_make_ups(
    group, secretary, member, leader
):
    session = make_session(group, status="planned")

    record_attendance(
        session,
        [
            AttendanceEntry(member=secretary, status="present"),
            AttendanceEntry(member=member, status="on_leave", leave_reason="因病请假"),
            AttendanceEntry(member=leader, status="absent"),
        ],
        author=secretary,
    )

    session.refresh_from_db()
    assert session.status == "held"
    make_ups = MakeUpStudy.objects.select_related("attendance__member")
    assert {m.attendance.member.username for m in make_ups} == {"member", "leader"}
    assert Attendance.objects.get(member=member).leave_reason == "因病请假"


def test_make_up_item_removed_when_member_turns_out_present_but_kept_once_done(
    group, secretary, member, leader
):
    session = make_session(group)
    leave = [
        AttendanceEntry(member=member, status="on_leave", leave_reason="外出开会"),
        AttendanceEntry(member=leader, status="on_leave", leave_reason="外出调研"),
    ]
    record_attendance(session, leave, author=secretary)
    done = MakeUpStudy.objects.get(attendance__member=leader)
    complete_make_up(done, note="已补学全文，撰写学习体会一篇。")

    back = [
        AttendanceEntry(member=member, status="present"),
        AttendanceEntry(member=leader, status="present"),
    ]
    record_attendance(session, back, author=secretary)

    assert list(MakeUpStudy.objects.all()) == [done]
    assert Attendance.objects.filter(session=session).count() == 2


def test_complete_make_up_needs_a_note(group, secretary, member):
    session = make_session(group)
    record_attendance(
        session,
        [AttendanceEntry(member=member, status="on_leave", leave_reason="病假")],
        author=secretary,
    )
    make_up = MakeUpStudy.objects.get()

    with pytest.raises(ValidationError):
        complete_make_up(make_up, note=" ")
    complete_make_up(make_up, note="学习了《以党建引领基层治理创新》全文。")

    make_up.refresh_from_db()
    assert make_up.is_done
    assert "基层治理" in make_up.note


def test_archived_record_refuses_changes_without_reason(group, secretary, member):
    article = bundled_article()
    session = make_session(group, article=article)
    record_attendance(
        session, [AttendanceEntry(member=member, status="present")], author=secretary
    )
    archive_session(session)

    with pytest.raises(ValidationError) as refused:
        update_session(session, author=secretary, place="区委党校")
    assert refused.value.code == "reason_required"
    with pytest.raises(ValidationError):
        record_attendance(
            session, [AttendanceEntry(member=member, status="absent")], author=secretary
        )
    with pytest.raises(ValidationError):
        save_discussion_note(
            session, author=secretary, speaker=member, content="补记一段发言。"
        )

    session.refresh_from_db()
    assert session.place == "区委常委会议室"
    assert Attendance.objects.get().status == "present"
    assert not DiscussionNote.objects.exists()
    assert not Correction.objects.exists()


def test_correcting_an_archived_record_keeps_who_when_what_and_why(
    group, secretary, member
):
    session = make_session(group)
    record_attendance(
        session, [AttendanceEntry(member=member, status="present")], author=secretary
    )
    archive_session(session)

    update_session(
        session, author=secretary, reason="地点记录有误", place="区委党校报告厅"
    )
    record_attendance(
        session,
        [AttendanceEntry(member=member, status="late")],
        author=secretary,
        reason="核对签到表后更正",
    )

    first, second = Correction.objects.order_by("pk")
    assert first.author == secretary
    assert first.reason == "地点记录有误"
    assert first.changes == [
        {"field": "地点", "old": "区委常委会议室", "new": "区委党校报告厅"}
    ]
    assert second.reason == "核对签到表后更正"
    assert second.changes == [{"field": "王成员的出勤", "old": "出席", "new": "迟到"}]
    assert first.created_at is not None


def test_edits_before_archiving_keep_no_history(group, secretary):
    session = make_session(group)

    update_session(session, author=secretary, place="区委党校")

    assert not Correction.objects.exists()


def test_archive_needs_a_held_session_with_attendance(group, secretary, member):
    planned = make_session(group, status="planned")
    held = make_session(group, topic="无考勤的学习")

    with pytest.raises(ValidationError):
        archive_session(planned)
    with pytest.raises(ValidationError) as refused:
        archive_session(held)
    assert refused.value.code == "no_attendance"


def test_speech_cites_only_paragraphs_of_the_session_materials(group, secretary):
    article = bundled_article()
    session = make_session(group, article=article)
    own = article.paragraphs.filter(kind="body").first()
    foreign = bundled_article().__class__.objects.exclude(pk=article.pk).first()
    stranger = foreign.paragraphs.first()

    note = save_discussion_note(
        session,
        author=secretary,
        speaker=secretary,
        kind=DiscussionNote.Kind.KEYNOTE,
        content="要坚持和发展新时代“枫桥经验”。",
        cited_paragraphs=[own],
    )
    with pytest.raises(ValidationError):
        save_discussion_note(
            session,
            author=secretary,
            speaker=secretary,
            content="引用了别的文章。",
            cited_paragraphs=[stranger],
        )

    assert list(note.cited_paragraphs.all()) == [own]
    assert DiscussionNote.objects.count() == 1


def test_speeches_are_numbered_in_order(group, secretary, leader):
    session = make_session(group)
    for speaker, kind in [
        (leader, "keynote"),
        (secretary, "discussion"),
        (leader, "closing"),
    ]:
        save_discussion_note(
            session, author=secretary, speaker=speaker, kind=kind, content="发言内容。"
        )
    observer = save_discussion_note(
        session,
        author=secretary,
        speaker_name="孙教授（市委党校）",
        kind="discussion",
        content="作辅导。",
    )

    positions = list(session.notes.values_list("kind", "position"))
    assert positions == [
        ("keynote", 1),
        ("discussion", 2),
        ("closing", 3),
        ("discussion", 4),
    ]
    assert observer.speaker_label == "孙教授（市委党校）"


def _constructed_year(group, leader, secretary, member):
    """Three held sessions in 2025 and one only planned; see the docstring numbers."""
    extra = MemberFactory(username="xu", display_name="徐委员")
    from accounts.models import Membership

    from ..factories import MembershipFactory

    MembershipFactory(group=group, member=extra, role=Membership.Role.MEMBER)
    plan = [
        (at(2025, 1, 10, 9), at(2025, 1, 10, 12)),  # 3 h
        (at(2025, 3, 14, 14), at(2025, 3, 14, 16)),  # 2 h
        (at(2025, 5, 9, 8), at(2025, 5, 9, 12)),  # 4 h
    ]
    statuses = [
        {leader: "present", secretary: "present", member: "on_leave", extra: "late"},
        {
            leader: "present",
            secretary: "absent",
            member: "present",
            extra: "left_early",
        },
        {leader: "on_leave", secretary: "present", member: "present", extra: "present"},
    ]
    sessions = []
    for (starts, ends), marks in zip(plan, statuses, strict=True):
        session = make_session(
            group, status="planned", starts_at=starts, ends_at=ends, topic="专题学习"
        )
        record_attendance(
            session,
            [
                AttendanceEntry(
                    member=person,
                    status=status,
                    leave_reason="公务" if status == "on_leave" else "",
                )
                for person, status in marks.items()
            ],
            author=secretary,
            observers=[("孙晓", "区委宣传部"), ("周列席", "区委办")],
        )
        sessions.append(session)
    archive_session(sessions[0])
    make_session(
        group,
        status="planned",
        starts_at=at(2025, 12, 1, 9),
        ends_at=at(2025, 12, 1, 12),
        topic="尚未举行",
    )
    for session in sessions[:2]:
        save_discussion_note(
            sessions[1] if session is sessions[1] else session,
            author=secretary,
            speaker=member,
            kind="keynote",
            content="中心发言。",
            reason="补记" if session.pk == sessions[0].pk else "",
        )
    save_discussion_note(
        sessions[1],
        author=member,
        speaker=member,
        kind="keynote",
        content="尚未定稿的发言。",
        status="draft",
    )
    save_discussion_note(
        sessions[2], author=secretary, speaker=extra, kind="keynote", content="发言。"
    )
    save_discussion_note(
        sessions[2],
        author=secretary,
        speaker_name="孙晓（区委宣传部）",
        kind="keynote",
        content="列席发言。",
    )
    for month in (1, 3, 5, 7):
        add_plan_item(group, 2025, month=month, topic=f"{month}月专题")
    return extra


def test_rates_on_a_constructed_year(group, leader, secretary, member):
    extra = _constructed_year(group, leader, secretary, member)

    stats = group_year(group, 2025)

    assert stats.held_count == 3
    assert stats.planned_count == 4
    assert stats.hours == 9.0
    # 4 members × 3 sessions expected; observers are never counted.
    assert stats.expected == 12
    assert stats.attended == 9
    assert stats.rate == 75.0
    by_name = {m.member.username: m for m in stats.members}
    assert {name: m.rate for name, m in by_name.items()} == {
        "leader": 66.7,
        "secretary": 66.7,
        "member": 66.7,
        "xu": 100.0,
    }
    assert by_name["member"].keynotes == 2  # the draft does not count
    assert by_name["xu"].keynotes == 1
    assert stats.keynotes == 3  # the observer's speech is not a member's
    assert by_name["member"].open_make_ups == 1
    assert by_name["leader"].count("on_leave") == 1
    assert by_name["secretary"].count("absent") == 1
    assert [m["held"] for m in stats.months][:5] == [1, 0, 1, 0, 1]
    assert [m["planned"] for m in stats.months][:7] == [1, 0, 1, 0, 1, 0, 1]
    assert extra.name == "徐委员"
    # Default thresholds: 90 % and 12 sessions a year.
    assert len(stats.warnings) == 5
    assert "3次" in stats.warnings[0] and "12" in stats.warnings[0]
    assert "75.0%" in stats.warnings[1]
    assert sum("66.7%" in w for w in stats.warnings) == 3


def test_thresholds_are_configurable_per_group(group, leader, secretary, member):
    _constructed_year(group, leader, secretary, member)
    GroupStudySettings.objects.create(
        group=group, min_attendance_rate=70, min_sessions_per_year=3
    )

    stats = group_year(group, 2025)

    assert len(stats.warnings) == 3
    assert all("66.7%" in w and "70%" in w for w in stats.warnings)
    # In the group's position order: the members joined leader, secretary, member.
    assert [m.member.username for m in stats.members if m.below] == [
        "leader",
        "secretary",
        "member",
    ]


def test_members_who_joined_later_are_not_counted_for_earlier_sessions(
    group, secretary
):
    session = make_session(group)
    record_attendance(
        session, [AttendanceEntry(member=secretary, status="present")], author=secretary
    )
    add_members(group, 2)

    stats = group_year(group, 2026)

    assert stats.expected == 1
    assert stats.rate == 100.0
    assert [m.rate for m in stats.members if m.member.username != "secretary"] == [
        None,
        None,
    ]
