"""Notifications (issue 15): each kind reaches exactly its recipients, shows only
what the recipient may see now, is mailed once to those who want mail, and the
reminders run idempotently."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.context_processors import notifications
from articles.models import Article, Attendance, MakeUpStudy, Notification
from articles.reading.notifications import unread_count
from articles.services import (
    AttendanceEntry,
    create_session,
    delete_annotation,
    edit_annotation,
    mark_article_studied,
    mark_session_held,
    record_attendance,
    reply_to_annotation,
    update_session,
)
from articles.services.notifications import (
    mark_all_read,
    mark_read,
    send_notification_emails,
    send_session_reminders,
)

from ..factories import AnnotationFactory
from ..test_settings import run_django
from .sessions_support import bundled_article

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
NOTE = "王成员分享的批注：基层治理要抓住网格这个抓手"
PRIVATE_REPLY = "李秘书的回复：网格员队伍建设要再加强"


@pytest.fixture
def people(leader, secretary, member, outsider, both):
    return {
        "leader": leader,
        "secretary": secretary,
        "member": member,
        "outsider": outsider,
        "both": both,
    }


def received(people, kind=None) -> dict[str, list[int]]:
    """Per persona, the target ids of their notifications (of ``kind``)."""
    rows = Notification.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    return {
        name: sorted(rows.filter(recipient=person).values_list("target_id", flat=True))
        for name, person in people.items()
    }


@pytest.fixture
def shared_note(member, group, article):
    return AnnotationFactory(
        author=member, paragraph=article.paragraphs.last(), group=group, note=NOTE
    )


def _future(days=3, hours=0):
    start = timezone.now().replace(microsecond=0) + timedelta(days=days, hours=hours)
    return {"starts_at": start, "ends_at": start + timedelta(hours=2)}


# --- Replies -------------------------------------------------------------------------
def test_a_reply_tells_the_author_and_nobody_else(people, shared_note, leader):
    reply = reply_to_annotation(shared_note, author=leader, text="组长的回复：同意")

    assert received(people) == {
        "leader": [],
        "secretary": [],
        "member": [reply.pk],
        "outsider": [],
        "both": [],
    }


def test_replying_to_ones_own_note_tells_nobody(people, shared_note, member):
    reply_to_annotation(shared_note, author=member, text="自己补充一句")

    assert Notification.objects.count() == 0


def test_a_reply_tells_those_who_replied_before_once_each(
    people, shared_note, leader, secretary, member
):
    first = reply_to_annotation(shared_note, author=secretary, text="秘书的回复")
    reply_to_annotation(shared_note, author=secretary, text="秘书再回复一次")
    last = reply_to_annotation(shared_note, author=leader, text="组长的回复")

    got = received(people)
    assert got["secretary"] == [last.pk]  # not for their own replies
    assert got["leader"] == []
    assert len(got["member"]) == 3 and first.pk in got["member"]
    assert got["outsider"] == got["both"] == []
    (to_secretary,) = Notification.objects.filter(recipient=secretary)
    assert to_secretary.kind == Kind.REPLY


def test_a_private_note_notifies_nobody(people, member, article):
    private = AnnotationFactory(author=member, paragraph=article.paragraphs.last())
    reply_to_annotation(private, author=member, text="私人批注下的自言自语")

    assert Notification.objects.count() == 0


def test_someone_who_no_longer_sees_the_note_is_not_told(
    people, shared_note, secretary, member
):
    reply_to_annotation(shared_note, author=secretary, text="秘书的回复")
    edit_annotation(shared_note, editor=member, note=NOTE, group=None)

    reply_to_annotation(shared_note, author=member, text="改为私人后的回复")

    assert received(people)["secretary"] == []


# --- What the inbox shows: never text the recipient may not see --------------------
def _secretary_told_of_member_reply(shared_note, secretary, member):
    reply_to_annotation(shared_note, author=secretary, text="秘书的回复")
    reply_to_annotation(shared_note, author=member, text=PRIVATE_REPLY)


def _inbox(client, person) -> str:
    client.force_login(person)
    return client.get(reverse("articles:notifications")).content.decode()


def test_the_inbox_shows_the_reply_to_whom_may_read_it(
    client, shared_note, secretary, member
):
    _secretary_told_of_member_reply(shared_note, secretary, member)

    html = _inbox(client, secretary)

    assert PRIVATE_REPLY in html
    assert "王成员在您参与讨论的批注下回复" in html


@pytest.mark.parametrize("hide", ["private", "deleted", "unpublished"])
def test_a_reply_whose_note_was_hidden_later_shows_a_neutral_line(
    client, shared_note, secretary, member, hide
):
    _secretary_told_of_member_reply(shared_note, secretary, member)
    article = shared_note.paragraph.article
    if hide == "private":
        edit_annotation(shared_note, editor=member, note=NOTE, group=None)
    elif hide == "deleted":
        delete_annotation(shared_note, by=member)
    else:
        Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)

    html = _inbox(client, secretary)

    assert PRIVATE_REPLY not in html
    assert NOTE not in html
    assert "此条通知所涉及的内容您已无法查看" in html
    notification = Notification.objects.get(recipient=secretary)
    response = client.get(notification.get_absolute_url())
    assert response["Location"] == reverse("articles:notifications")
    notification.refresh_from_db()
    assert notification.is_read


# --- Sessions ------------------------------------------------------------------------
def test_a_new_session_tells_its_group_members_but_not_the_keeper_who_added_it(
    people, group, other_group, secretary, outsider
):
    ours = create_session(
        group, topic="专题学习：新质生产力", author=secretary, **_future()
    )
    theirs = create_session(
        other_group, topic="西青专题学习", author=outsider, **_future()
    )

    assert received(people, Kind.SESSION_NEW) == {
        "leader": [ours.pk],
        "secretary": [],
        "member": [ours.pk],
        "outsider": [],
        "both": sorted([ours.pk, theirs.pk]),
    }


def test_a_session_recorded_after_the_fact_tells_nobody(group, secretary):
    start = timezone.now() - timedelta(days=2)
    create_session(
        group,
        topic="补录的学习",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        author=secretary,
    )

    assert Notification.objects.count() == 0


def test_the_session_notice_lists_its_materials_and_links_to_it(
    client, group, secretary, member
):
    article = bundled_article()
    session = create_session(
        group,
        topic="专题学习：基层治理",
        place="区委第一会议室",
        materials=[article],
        author=secretary,
        **_future(),
    )
    notification = Notification.objects.get(recipient=member)

    html = _inbox(client, member)

    assert "新安排集体学习：专题学习：基层治理" in html
    assert f"《{article.title}》" in html
    assert "区委第一会议室" in html
    response = client.get(notification.get_absolute_url())
    assert response["Location"] == session.get_absolute_url()


def test_a_member_who_left_the_group_no_longer_reads_its_session_notice(
    client, group, secretary, member
):
    create_session(group, topic="南开内部专题学习", author=secretary, **_future())
    group.memberships.filter(member=member).delete()

    html = _inbox(client, member)

    assert "南开内部专题学习" not in html
    assert "此条通知所涉及的内容您已无法查看" in html


def test_a_change_tells_the_group_once_while_the_notice_is_unread(
    people, group, secretary, leader, member
):
    session = create_session(group, topic="专题学习", author=secretary, **_future())
    Notification.objects.filter(recipient=member).update(read_at=timezone.now())

    update_session(session, author=secretary, place="改到区委第二会议室")
    update_session(session, author=secretary, place="改到区委第三会议室")
    update_session(session, author=secretary, place="改到区委第三会议室")  # no change

    got = received(people, Kind.SESSION_CHANGED)
    assert got["member"] == [session.pk]  # had read the first notice: told once
    assert got["leader"] == []  # the first notice is unread and shows the change
    assert got["secretary"] == got["outsider"] == []
    assert got["both"] == []  # also unread


def test_a_correction_of_a_held_record_tells_nobody(group, secretary):
    start = timezone.now() - timedelta(days=2)
    session = create_session(
        group, topic="已举行", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    mark_session_held(session)

    update_session(session, author=secretary, place="更正地点")

    assert Notification.objects.count() == 0


# --- Make-up study -------------------------------------------------------------------
def test_a_make_up_item_tells_the_member_who_missed_the_session(
    people, group, secretary, member, both, leader
):
    start = timezone.now() - timedelta(hours=3)
    session = create_session(
        group, topic="已举行", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    record_attendance(
        session,
        [
            AttendanceEntry(member, Attendance.Status.ON_LEAVE, "外出调研"),
            AttendanceEntry(both, Attendance.Status.ABSENT),
            AttendanceEntry(leader, Attendance.Status.PRESENT),
        ],
        author=secretary,
    )
    # Saving again creates no second item and no second notification.
    record_attendance(
        session,
        [AttendanceEntry(member, Attendance.Status.ON_LEAVE, "外出调研")],
        author=secretary,
    )

    items = {m.attendance.member_id: m.pk for m in MakeUpStudy.objects.all()}
    assert received(people, Kind.MAKE_UP) == {
        "leader": [],
        "secretary": [],
        "member": [items[member.pk]],
        "outsider": [],
        "both": [items[both.pk]],
    }


def test_marking_held_opens_make_ups_and_tells_their_members(
    client, group, secretary, member
):
    start = timezone.now() + timedelta(minutes=1)
    session = create_session(
        group,
        topic="提前请假的学习",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    record_attendance(
        session,
        [AttendanceEntry(member, Attendance.Status.ON_LEAVE, "出差")],
        author=secretary,
    )
    assert not Notification.objects.filter(kind=Kind.MAKE_UP).exists()
    type(session).objects.filter(pk=session.pk).update(
        starts_at=start - timedelta(hours=1)
    )
    session.refresh_from_db()

    mark_session_held(session)

    notification = Notification.objects.get(kind=Kind.MAKE_UP)
    assert notification.recipient == member
    client.force_login(member)
    response = client.get(notification.get_absolute_url())
    assert response["Location"] == reverse(
        "articles:make_up_detail", args=[notification.target_id]
    )


# --- Reminders -----------------------------------------------------------------------
@pytest.fixture
def tomorrow(group, secretary):
    session = create_session(
        group,
        topic="明天的集体学习",
        materials=[bundled_article()],
        author=secretary,
        **_future(days=0, hours=20),
    )
    Notification.objects.all().delete()
    return session


def test_the_reminder_goes_to_members_who_have_not_studied_the_materials(
    people, tomorrow, leader, member, secretary, both
):
    mark_article_studied(member, tomorrow.materials.get())
    Attendance.objects.create(
        session=tomorrow,
        member=both,
        status=Attendance.Status.ON_LEAVE,
        leave_reason="出差",
    )

    assert send_session_reminders() == 2

    assert received(people, Kind.SESSION_REMINDER) == {
        "leader": [tomorrow.pk],
        "secretary": [tomorrow.pk],
        "member": [],  # studied it
        "outsider": [],
        "both": [],  # on leave
    }


def test_reminders_are_sent_once_however_often_they_run(people, tomorrow, capsys):
    call_command("send_reminders")
    call_command("send_reminders")

    assert Notification.objects.filter(kind=Kind.SESSION_REMINDER).count() == 4
    out = capsys.readouterr().out
    assert "Reminded 4 member(s)." in out and "Reminded 0 member(s)." in out


def test_no_reminder_for_sessions_further_off_or_without_materials(group, secretary):
    create_session(
        group,
        topic="后天的学习",
        materials=[bundled_article()],
        author=secretary,
        **_future(days=2),
    )
    create_session(group, topic="没有材料", author=secretary, **_future(hours=2))

    assert send_session_reminders() == 0


# --- E-mail --------------------------------------------------------------------------
def _with_address(*people, opt_in=True):
    for person in people:
        person.email = f"{person.username}@example.cn"
        person.email_notifications = opt_in
        person.save()


def test_the_email_goes_after_commit_without_the_reply_text(
    shared_note, secretary, member, mailoutbox, django_capture_on_commit_callbacks
):
    _with_address(member, secretary)
    with django_capture_on_commit_callbacks(execute=True):
        reply_to_annotation(shared_note, author=secretary, text=PRIVATE_REPLY)

    (mail,) = mailoutbox
    assert mail.to == ["member@example.cn"]
    assert mail.subject.startswith("【学习中心组】李秘书回复了您在《")
    assert PRIVATE_REPLY not in mail.subject + mail.body
    assert NOTE not in mail.subject + mail.body
    notification = Notification.objects.get(recipient=member)
    assert notification.get_absolute_url() in mail.body
    assert notification.emailed_at is not None


def test_no_email_before_the_transaction_commits(
    shared_note, secretary, member, mailoutbox, django_capture_on_commit_callbacks
):
    _with_address(member)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply_to_annotation(shared_note, author=secretary, text="回复")

    # The read models' version bumps are on_commit callbacks too: the e-mail is
    # the one that sends anything.
    assert mailoutbox == [] and callbacks
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1


def test_a_member_who_turned_email_off_gets_none(
    shared_note, secretary, member, mailoutbox, django_capture_on_commit_callbacks
):
    _with_address(member, opt_in=False)
    with django_capture_on_commit_callbacks(execute=True):
        reply_to_annotation(shared_note, author=secretary, text="回复")

    assert mailoutbox == []
    assert Notification.objects.filter(recipient=member).count() == 1  # inbox still


def test_a_note_hidden_before_the_worker_runs_is_not_mailed(
    shared_note, secretary, member, mailoutbox, django_capture_on_commit_callbacks
):
    _with_address(secretary)
    reply_to_annotation(shared_note, author=secretary, text="秘书的回复")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply_to_annotation(shared_note, author=member, text=PRIVATE_REPLY)
    edit_annotation(shared_note, editor=member, note=NOTE, group=None)

    for callback in callbacks:
        callback()

    assert mailoutbox == []
    assert Notification.objects.get(recipient=secretary).emailed_at is None


def test_an_email_is_sent_once(
    group, secretary, leader, mailoutbox, django_capture_on_commit_callbacks
):
    _with_address(leader)
    with django_capture_on_commit_callbacks(execute=True):
        session = create_session(group, topic="专题学习", author=secretary, **_future())
    ids = list(Notification.objects.values_list("pk", flat=True))

    assert send_notification_emails(ids) == 0  # already sent on commit
    (mail,) = mailoutbox
    assert session.topic in mail.subject


# --- The inbox and the header count ------------------------------------------------
def test_the_header_counts_unread_and_opening_marks_read(
    client, shared_note, leader, member
):
    reply = reply_to_annotation(shared_note, author=leader, text="组长的回复")
    reply_to_annotation(shared_note, author=leader, text="组长的第二条回复")
    client.force_login(member)

    home = client.get(reverse("home")).content.decode()
    assert 'class="inbox-link__count">2<' in home

    first = Notification.objects.get(kind=Kind.REPLY, target_id=reply.pk)
    response = client.get(first.get_absolute_url())
    article = shared_note.paragraph.article
    assert response["Location"] == (
        f"{reverse('articles:detail', args=[article.pk])}"
        f"?focus={shared_note.pk}#r-{reply.pk}"
    )
    assert (
        'class="inbox-link__count">1<' in client.get(reverse("home")).content.decode()
    )

    response = client.post(reverse("articles:notifications_read"))
    assert response["Location"] == reverse("articles:notifications")
    assert not Notification.objects.unread().exists()
    assert "inbox-link__count" not in client.get(reverse("home")).content.decode()


def test_someone_elses_notification_is_missing(client, shared_note, leader, secretary):
    reply_to_annotation(shared_note, author=leader, text="组长的回复")
    notification = Notification.objects.get()
    client.force_login(secretary)

    assert client.get(notification.get_absolute_url()).status_code == 404
    client.post(reverse("articles:notifications_read"))
    notification.refresh_from_db()
    assert not notification.is_read


def test_mark_all_read_is_a_post(client, member):
    client.force_login(member)

    assert client.get(reverse("articles:notifications_read")).status_code == 405


@pytest.mark.parametrize("count", [1, 3])
def test_the_inbox_runs_the_same_queries_for_one_or_three_of_each(
    client, group, secretary, member, leader, article, count, django_assert_num_queries
):
    start = timezone.now() - timedelta(hours=3)
    for index in range(count):
        note = AnnotationFactory(
            author=member, paragraph=article.paragraphs.last(), group=group
        )
        reply_to_annotation(note, author=leader, text=f"回复{index}")
        create_session(
            group,
            topic=f"专题{index}",
            materials=[bundled_article()],
            author=secretary,
            **_future(),
        )
        held = create_session(
            group,
            topic=f"已举行{index}",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
        record_attendance(
            held,
            [AttendanceEntry(member, Attendance.Status.ABSENT)],
            author=secretary,
        )
    assert Notification.objects.filter(recipient=member).count() == 3 * count
    client.force_login(member)

    # session, user, page, count, replies, sessions + materials (+ paragraphs),
    # make-ups, the header's unread count.
    with django_assert_num_queries(10):
        response = client.get(reverse("articles:notifications"))
    assert response.status_code == 200


def test_the_inbox_is_paginated(client, group, member, leader, article):
    note = AnnotationFactory(
        author=member, paragraph=article.paragraphs.last(), group=group
    )
    for index in range(23):
        reply_to_annotation(note, author=leader, text=f"第{index}条回复")
    client.force_login(member)

    first = client.get(reverse("articles:notifications")).content.decode()
    second = client.get(reverse("articles:notifications") + "?page=2").content.decode()

    assert first.count('<li class="notification') == 20
    assert second.count('<li class="notification') == 3
    assert "第22条回复" in first and "第0条回复" in second


# --- The e-mail setting on the profile page ----------------------------------------
def test_a_member_turns_email_off_and_on(client, member):
    _with_address(member)
    client.force_login(member)

    response = client.post(reverse("profile"), {})
    member.refresh_from_db()
    assert response.status_code == 302 and member.email_notifications is False
    assert "checked" not in client.get(reverse("profile")).content.decode()

    client.post(reverse("profile"), {"email_notifications": "on"})
    member.refresh_from_db()
    assert member.email_notifications is True


# --- Settings ------------------------------------------------------------------------
def test_email_goes_by_smtp_in_production_and_to_the_console_in_development():
    show = (
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.EMAIL_HOST, s.EMAIL_PORT,"
        " s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL, s.SITE_URL)"
    )
    production = run_django(
        show,
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_EMAIL_HOST="smtp.example.cn",
        DJANGO_EMAIL_PORT="465",
        DJANGO_EMAIL_USE_TLS="0",
        DJANGO_EMAIL_USE_SSL="1",
        DJANGO_DEFAULT_FROM_EMAIL="study@example.cn",
        DJANGO_SITE_URL="https://study.example.cn",
    )
    development = run_django(show, DJANGO_DEBUG="1")

    assert production.stdout.split() == [
        "smtp",
        "smtp.example.cn",
        "465",
        "False",
        "True",
        "study@example.cn",
        "https://study.example.cn",
    ], production.stderr
    assert development.stdout.split()[0] == "console", development.stderr


def test_the_header_count_is_counted_once_and_only_when_shown(
    rf, member, django_assert_num_queries
):
    request = rf.get("/")
    request.user = member

    with django_assert_num_queries(0):
        context = notifications(request)
    with django_assert_num_queries(1):
        assert str(context["unread_notifications"]) == "0"
        assert not context["unread_notifications"]
    # The next page reads it from the cache, kept per member.
    with django_assert_num_queries(0):
        assert str(notifications(request)["unread_notifications"]) == "0"


def test_the_cached_count_follows_each_write_for_its_recipient_only(
    client, shared_note, leader, member, secretary, django_assert_num_queries
):
    counts = lambda: {  # noqa: E731
        person.username: unread_count(person) for person in (leader, member, secretary)
    }
    before = counts()  # cached for all three
    reply = reply_to_annotation(shared_note, author=leader, text="组长的回复")
    reply_to_annotation(shared_note, author=leader, text="组长的第二条回复")

    after = counts()
    assert after[member.username] == before[member.username] + 2
    assert after[leader.username] == before[leader.username]
    assert after[secretary.username] == before[secretary.username]
    with django_assert_num_queries(0):
        assert counts() == after  # nothing written: all from the cache

    mark_read(Notification.objects.get(kind=Kind.REPLY, target_id=reply.pk))
    assert counts() == {**after, member.username: after[member.username] - 1}
    client.force_login(member)
    assert (
        f'class="inbox-link__count">{after[member.username] - 1}<'
        in client.get(reverse("home")).content.decode()
    )

    mark_all_read(member)
    assert counts() == {**after, member.username: 0}
    assert "inbox-link__count" not in client.get(reverse("home")).content.decode()
