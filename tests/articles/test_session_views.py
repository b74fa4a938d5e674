"""The study-record pages: who sees what, what each form writes, query counts."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from articles.models import (
    Article,
    Attendance,
    Correction,
    DiscussionNote,
    MakeUpStudy,
    PlanItem,
    StudySession,
)
from articles.reading.notifications import unread_count
from articles.services import (
    AttendanceEntry,
    add_plan_item,
    archive_session,
    create_session,
    record_attendance,
    save_discussion_note,
)

from .sessions_support import (
    add_members,
    at,
    attendance_post,
    bundled_article,
    make_session,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return bundled_article()


@pytest.fixture
def session(group, article, leader, secretary, member):
    return make_session(group, article=article, host=leader, recorder=secretary)


def _login(client, user):
    client.force_login(user)
    return client


SESSION_URLS = [
    "articles:session_detail",
    "articles:session_attendance",
    "articles:sign_in_sheet",
    "articles:sign_in_docx",
    "articles:session_docx",
    "articles:note_create",
    "articles:session_edit",
]


@pytest.mark.parametrize("name", SESSION_URLS)
def test_anonymous_is_sent_to_login(client, session, name):
    response = client.get(reverse(name, args=[session.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", SESSION_URLS)
def test_outsider_gets_404_for_another_groups_session(client, outsider, session, name):
    response = _login(client, outsider).get(reverse(name, args=[session.pk]))

    assert response.status_code == 404
    assert session.topic not in response.content.decode()


@pytest.mark.parametrize(
    "name", ["articles:session_attendance", "articles:session_edit"]
)
def test_plain_member_cannot_open_record_keeping_screens(client, member, session, name):
    response = _login(client, member).get(reverse(name, args=[session.pk]))

    assert response.status_code == 403


@pytest.mark.parametrize(
    "name,method",
    [
        ("articles:session_detail", "post"),
        ("articles:session_status", "get"),
        ("articles:sign_in_sheet", "post"),
        ("articles:sign_in_docx", "post"),
        ("articles:session_docx", "post"),
    ],
)
def test_wrong_method_is_405(client, secretary, session, name, method):
    response = getattr(_login(client, secretary), method)(
        reverse(name, args=[session.pk])
    )

    assert response.status_code == 405


def test_list_shows_my_groups_sessions_only(client, member, session, other_group):
    make_session(other_group, topic="西青区委专题学习")

    html = _login(client, member).get(reverse("articles:session_list")).content
    html = html.decode()

    assert session.topic in html
    assert "西青区委专题学习" not in html
    assert "2026年3月12日" in html


def test_list_query_count_does_not_grow(
    client, member, group, django_assert_max_num_queries
):
    _login(client, member)
    make_session(group)
    unread_count(member)  # the header's count cached alike for both
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("articles:session_list"))
    for index in range(9):
        make_session(
            group,
            topic=f"第{index}次专题学习",
            starts_at=at(2026, 4, index + 1, 9),
            ends_at=at(2026, 4, index + 1, 12),
        )
    unread_count(member)  # the header's count cached alike for both
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(reverse("articles:session_list"))

    assert response.content.decode().count("session-card__title") == 10
    assert len(many) == len(few)


def test_record_page_shows_the_whole_record(
    client, member, secretary, leader, session, article
):
    paragraph = article.paragraphs.filter(kind="body").first()
    record_attendance(
        session,
        [
            AttendanceEntry(member=leader, status="present"),
            AttendanceEntry(member=secretary, status="late"),
            AttendanceEntry(member=member, status="on_leave", leave_reason="因公出差"),
        ],
        author=secretary,
        observers=[("孙晓", "区委宣传部")],
    )
    save_discussion_note(
        session,
        author=secretary,
        speaker=leader,
        kind="keynote",
        content="要把党的领导贯穿基层治理全过程。",
        cited_paragraphs=[paragraph],
    )

    html = _login(client, member).get(session.get_absolute_url()).content.decode()

    for text in [
        "以党建引领基层治理创新",
        "区委常委会议室",
        "专题研讨",
        "张组长",
        "李秘书（迟到）",
        "应到3人，实到2人",
        "王成员：因公出差",
        "待补学",
        "孙晓（区委宣传部）",
        "不计入出勤",
        article.title,
        "中心发言",
        "要把党的领导贯穿基层治理全过程。",
        f"{reverse('articles:detail', args=[article.pk])}#p-{paragraph.pk}",
        "您未参加本次学习",
    ]:
        assert text in html, text
    assert "登记考勤" not in html  # a plain member keeps no record


def test_record_page_query_count_same_for_5_and_30_members(
    client, secretary, group, article, django_assert_max_num_queries
):
    def build(count, prefix):
        session = make_session(group, article=article, topic=f"{prefix}专题")
        people = add_members(group, count, prefix)
        record_attendance(
            session,
            [
                AttendanceEntry(
                    member=p,
                    status="on_leave" if i % 3 == 0 else "present",
                    leave_reason="公务" if i % 3 == 0 else "",
                )
                for i, p in enumerate(people)
            ],
            author=secretary,
            observers=[("孙晓", "宣传部"), ("周某", "办公室")],
        )
        paragraphs = list(article.paragraphs.all()[:3])
        for person in people[:4]:
            save_discussion_note(
                session,
                author=secretary,
                speaker=person,
                content="发言。",
                cited_paragraphs=paragraphs,
            )
        return session

    _login(client, secretary)
    small, large = build(5, "a"), build(30, "b")
    unread_count(secretary)  # the header's count cached alike for both
    with django_assert_max_num_queries(30) as few:
        client.get(small.get_absolute_url())
    unread_count(secretary)  # the header's count cached alike for both
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(large.get_absolute_url())

    assert "应到30人，实到20人" in response.content.decode()
    assert len(many) == len(few)


def test_attendance_screen_lists_every_member_present_by_default(
    client, secretary, session
):
    add_members(session.group, 3)

    html = _login(client, secretary).get(
        reverse("articles:session_attendance", args=[session.pk])
    )
    html = html.content.decode()

    assert html.count('value="present" checked') == 6
    assert "成员2" in html and "王成员" in html


def test_secretary_records_everyone_at_once(client, secretary, leader, member, session):
    data = attendance_post(
        {leader: "present", secretary: "present", member: ("on_leave", "因病住院")},
        observers="孙晓，区委宣传部\n周列席",
    )

    response = _login(client, secretary).post(
        reverse("articles:session_attendance", args=[session.pk]), data
    )

    assert response.status_code == 302
    statuses = dict(Attendance.objects.values_list("member__username", "status"))
    assert statuses == {
        "leader": "present",
        "secretary": "present",
        "member": "on_leave",
    }
    assert MakeUpStudy.objects.get().attendance.member == member
    assert list(session.observers.values_list("name", "unit")) == [
        ("孙晓", "区委宣传部"),
        ("周列席", ""),
    ]


def test_leave_without_reason_shows_chinese_error_and_writes_nothing(
    client, secretary, leader, member, session
):
    data = attendance_post(
        {leader: "present", secretary: "present", member: ("on_leave", "")}
    )

    response = _login(client, secretary).post(
        reverse("articles:session_attendance", args=[session.pk]), data
    )

    assert response.status_code == 400
    assert "王成员 请假，请填写请假原因。" in response.content.decode()
    assert not Attendance.objects.exists()


def test_archived_attendance_needs_a_reason_on_the_screen(
    client, secretary, leader, member, session
):
    record_attendance(
        session, [AttendanceEntry(member=member, status="present")], author=secretary
    )
    archive_session(session)
    client = _login(client, secretary)
    url = reverse("articles:session_attendance", args=[session.pk])
    rows = {leader: "present", secretary: "present", member: "absent"}

    refused = client.post(url, attendance_post(rows))
    accepted = client.post(url, attendance_post(rows, reason="核对签到表"))

    assert refused.status_code == 400
    assert "更正原因" in refused.content.decode()
    assert accepted.status_code == 302
    correction = Correction.objects.get()
    assert correction.reason == "核对签到表"
    history = client.get(session.get_absolute_url()).content.decode()
    assert "更正历史" in history and "核对签到表" in history


def test_corrections_hidden_from_plain_members(client, secretary, member, session):
    record_attendance(
        session, [AttendanceEntry(member=member, status="present")], author=secretary
    )
    archive_session(session)
    record_attendance(
        session,
        [AttendanceEntry(member=member, status="late")],
        author=secretary,
        reason="核对签到表",
    )

    html = _login(client, member).get(session.get_absolute_url()).content.decode()

    assert "核对签到表" not in html


def test_secretary_adds_keynote_citing_a_paragraph(
    client, secretary, leader, session, article
):
    paragraph = article.paragraphs.filter(kind="body")[2]

    response = _login(client, secretary).post(
        reverse("articles:note_create", args=[session.pk]),
        {
            "speaker": leader.pk,
            "kind": "keynote",
            "content": "坚持和发展新时代“枫桥经验”。",
            "cited_paragraphs": [paragraph.pk],
            "status": "final",
        },
    )

    assert response.status_code == 302
    note = DiscussionNote.objects.get()
    assert (note.speaker, note.kind, note.drafted_by) == (leader, "keynote", secretary)
    assert list(note.cited_paragraphs.all()) == [paragraph]


def test_speech_form_groups_cited_paragraphs_by_article(
    client, secretary, group, leader
):
    """Two materials: one fieldset per article, titled by it, body paragraphs
    numbered from 1 in each, headings marked; ticking one still saves it."""
    bundled_article()
    first, second = Article.objects.filter(
        title__in=[
            Article.objects.get(title__contains="基层治理").title,
            Article.objects.get(title__contains="新质生产力").title,
        ]
    ).order_by("pk")
    session = create_session(
        group,
        materials=[first, second],
        topic="两篇材料",
        starts_at=at(2026, 4, 2, 9),
        ends_at=at(2026, 4, 2, 11),
        form=StudySession.Form.SEMINAR,
    )
    url = reverse("articles:note_create", args=[session.pk])

    html = _login(client, secretary).get(url).content.decode()

    legends = re.findall(r"<legend>(.*?)</legend>", html)
    assert legends == [escape(first.title), escape(second.title)]
    second_group = html.split("<legend>")[2]
    body = [p for p in second.paragraphs.all() if not p.is_heading]
    heading = next(p for p in second.paragraphs.all() if p.is_heading)
    assert f"第1段：{body[0].text[:20]}" in second_group
    assert f"第2段：{body[1].text[:20]}" in second_group
    assert f"小标题：{heading.text[:20]}" in second_group
    assert f'value="{body[1].pk}"' in second_group

    response = client.post(
        url,
        {
            "speaker": leader.pk,
            "kind": "discussion",
            "content": "结合第二篇材料谈体会。",
            "cited_paragraphs": [body[1].pk],
            "status": "final",
        },
    )
    assert response.status_code == 302
    assert list(DiscussionNote.objects.get().cited_paragraphs.all()) == [body[1]]


def test_member_drafts_own_speech_which_others_do_not_see(
    client, member, leader, session
):
    client = _login(client, member)
    response = client.post(
        reverse("articles:note_create", args=[session.pk]),
        {"kind": "discussion", "content": "我的发言提纲：一是学深悟透。"},
    )
    note = DiscussionNote.objects.get()

    assert response.status_code == 302
    assert (note.speaker, note.status) == (member, "draft")
    assert "我的发言提纲" in client.get(session.get_absolute_url()).content.decode()
    client.force_login(leader)
    # The leader keeps the record and sees drafts to finalise them.
    assert "我的发言提纲" in client.get(session.get_absolute_url()).content.decode()


def test_draft_is_private_from_other_members(client, member, session):
    other = add_members(session.group, 1, "peer")[0]
    save_discussion_note(
        session,
        author=member,
        speaker=member,
        content="尚未定稿。",
        status=DiscussionNote.Status.DRAFT,
    )

    html = _login(client, other).get(session.get_absolute_url()).content.decode()

    assert "尚未定稿。" not in html


def test_member_cannot_edit_someone_elses_speech(client, member, leader, session):
    note = save_discussion_note(
        session, author=leader, speaker=leader, content="组长发言。"
    )

    response = _login(client, member).post(
        reverse("articles:note_edit", args=[note.pk]),
        {"kind": "discussion", "content": "篡改。"},
    )

    assert response.status_code == 403
    note.refresh_from_db()
    assert note.content == "组长发言。"


def test_secretary_archives_then_edit_needs_reason(client, secretary, member, session):
    record_attendance(
        session, [AttendanceEntry(member=member, status="present")], author=secretary
    )
    client = _login(client, secretary)

    client.post(
        reverse("articles:session_status", args=[session.pk]), {"action": "archive"}
    )
    session.refresh_from_db()
    form = client.get(reverse("articles:session_edit", args=[session.pk]))

    assert session.status == StudySession.Status.ARCHIVED
    assert "更正原因" in form.content.decode()


def test_secretary_creates_a_session(client, secretary, leader, group, article):
    response = _login(client, secretary).post(
        reverse("articles:session_create", args=[group.pk]),
        {
            "topic": "学习贯彻全会精神",
            "form": "lecture",
            "starts_at": "2026-05-08T09:00",
            "ends_at": "2026-05-08T11:30",
            "place": "区委党校",
            "host": leader.pk,
            "recorder": secretary.pk,
            "materials": [article.pk],
            "summary": "",
        },
    )

    session = StudySession.objects.get()
    assert response["Location"] == session.get_absolute_url()
    assert (session.status, session.hours) == ("planned", 2.5)
    assert list(session.materials.all()) == [article]


def test_session_ending_before_start_is_refused(client, secretary, group):
    response = _login(client, secretary).post(
        reverse("articles:session_create", args=[group.pk]),
        {
            "topic": "时间错误",
            "form": "collective",
            "starts_at": "2026-05-08T11:00",
            "ends_at": "2026-05-08T09:00",
        },
    )

    assert "结束时间必须晚于开始时间" in response.content.decode()
    assert not StudySession.objects.exists()


def test_member_completes_make_up_and_it_shows_in_the_record(
    client, secretary, member, session
):
    record_attendance(
        session,
        [AttendanceEntry(member=member, status="on_leave", leave_reason="病假")],
        author=secretary,
    )
    make_up = MakeUpStudy.objects.get()
    client = _login(client, member)

    page = client.get(reverse("articles:make_up_detail", args=[make_up.pk]))
    client.post(
        reverse("articles:make_up_detail", args=[make_up.pk]),
        {"note": "认真学习了全文。"},
    )

    assert "以党建引领基层治理创新" in page.content.decode()
    make_up.refresh_from_db()
    assert make_up.is_done
    assert "已补学" in client.get(session.get_absolute_url()).content.decode()


def test_nobody_else_can_mark_my_make_up(client, secretary, member, session):
    record_attendance(
        session,
        [AttendanceEntry(member=member, status="on_leave", leave_reason="病假")],
        author=secretary,
    )
    make_up = MakeUpStudy.objects.get()

    response = _login(client, secretary).post(
        reverse("articles:make_up_detail", args=[make_up.pk]), {"note": "代补。"}
    )

    assert response.status_code == 404
    make_up.refresh_from_db()
    assert not make_up.is_done


def test_sign_in_sheet_lists_members_with_blank_signatures(client, member, session):
    html = _login(client, member).get(
        reverse("articles:sign_in_sheet", args=[session.pk])
    )
    html = html.content.decode()

    assert "签到表" in html and "签名" in html
    assert "张组长" in html and "李秘书" in html and "王成员" in html


def test_reader_shows_which_sessions_discussed_a_paragraph(
    client, member, secretary, session, article, other_group, outsider
):
    paragraph = article.paragraphs.filter(kind="body").first()
    save_discussion_note(
        session,
        author=secretary,
        speaker=secretary,
        content="引用。",
        cited_paragraphs=[paragraph],
    )

    mine = _login(client, member).get(article.get_absolute_url()).content.decode()
    theirs = _login(client, outsider).get(article.get_absolute_url()).content.decode()

    assert "本段在以下学习中被讨论" in mine
    assert session.get_absolute_url() in mine
    assert session.get_absolute_url() not in theirs


def test_statistics_page_shows_figures_chart_and_warnings(
    client, member, secretary, leader, session
):
    record_attendance(
        session,
        [
            AttendanceEntry(member=leader, status="present"),
            AttendanceEntry(member=secretary, status="present"),
            AttendanceEntry(member=member, status="absent"),
        ],
        author=secretary,
    )

    html = _login(client, member).get(
        reverse("articles:group_statistics", args=[session.group.pk]),
        {"year": 2026},
    )
    html = html.content.decode()

    assert "66.7%" in html
    assert "<svg" in html and "chart__bar--below" in html
    assert "王成员：出勤率0.0%，低于90%的要求。" in html
    assert "少于本组要求的每年12次" in html
    assert 'style="' not in html and "<script" not in html


def test_statistics_of_another_group_is_404(client, outsider, group):
    response = _login(client, outsider).get(
        reverse("articles:group_statistics", args=[group.pk])
    )

    assert response.status_code == 404


def test_plan_page_compares_planned_with_held(client, secretary, member, session):
    client = _login(client, secretary)
    url = reverse("articles:group_plan", args=[session.group.pk])

    client.post(f"{url}?year=2026", {"month": 3, "topic": "党建引领基层治理"})
    client.post(f"{url}?year=2026", {"month": 6, "topic": "文化传承发展"})
    html = _login(client, member).get(url, {"year": 2026}).content.decode()

    assert PlanItem.objects.count() == 2
    assert "党建引领基层治理" in html and "文化传承发展" in html
    assert session.topic in html
    assert "尚未举行" in html
    assert member.pk and "加入计划" not in html  # members read the plan


def test_member_cannot_add_to_the_plan(client, member, group):
    response = _login(client, member).post(
        reverse("articles:group_plan", args=[group.pk]),
        {"month": 3, "topic": "越权"},
    )

    assert response.status_code == 403
    assert not PlanItem.objects.exists()


def test_secretary_edits_a_planned_topic_in_place(
    client, secretary, member, group, article
):
    item = add_plan_item(group, 2026, month=3, topic="党建引领基层治理")
    client = _login(client, secretary)
    edit_url = reverse("articles:plan_item_edit", args=[group.pk, item.pk])
    plan_html = client.get(
        reverse("articles:group_plan", args=[group.pk]), {"year": 2026}
    ).content.decode()
    assert f'href="{edit_url}"' in plan_html

    form_html = client.get(edit_url).content.decode()
    assert 'value="党建引领基层治理"' in form_html

    response = client.post(
        edit_url,
        {"month": 5, "topic": "  党建引领基层治理现代化 ", "materials": [article.pk]},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("?year=2026")
    item.refresh_from_db()
    assert (item.month, item.topic) == (5, "党建引领基层治理现代化")
    assert list(item.materials.all()) == [article]
    assert PlanItem.objects.count() == 1


def test_plan_topic_edit_refuses_empty_topic_and_member(
    client, secretary, member, group
):
    item = add_plan_item(group, 2026, month=3, topic="党建引领基层治理")
    edit_url = reverse("articles:plan_item_edit", args=[group.pk, item.pk])

    refused = _login(client, secretary).post(edit_url, {"month": 7, "topic": " "})
    forbidden = _login(client, member).post(edit_url, {"month": 7, "topic": "越权"})

    assert refused.status_code == 400
    assert "这个字段是必填项" in refused.content.decode()
    assert forbidden.status_code == 403
    item.refresh_from_db()
    assert (item.month, item.topic) == (3, "党建引领基层治理")


def test_member_archive_shows_attendance_leaves_and_speeches(
    client, member, secretary, session
):
    record_attendance(
        session,
        [AttendanceEntry(member=member, status="on_leave", leave_reason="外出学习")],
        author=secretary,
    )
    save_discussion_note(
        session, author=secretary, speaker=member, content="书面发言：要学以致用。"
    )

    html = _login(client, member).get(reverse("articles:my_archive"), {"year": 2026})
    html = html.content.decode()

    assert "个人学习档案" in html
    assert "外出学习" in html and "待补学" in html
    assert "书面发言：要学以致用。" in html


def test_archive_of_another_member_only_for_record_keepers(
    client, member, secretary, leader, outsider
):
    url = reverse("articles:member_archive", args=[leader.pk])

    assert _login(client, member).get(url).status_code == 404
    assert _login(client, outsider).get(url).status_code == 404
    assert "张组长" in _login(client, secretary).get(url).content.decode()


def test_statistics_of_an_empty_year_has_no_rates_but_warns(client, member, group):
    response = _login(client, member).get(
        reverse("articles:group_statistics", args=[group.pk]), {"year": 2025}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "2025年已举行集体学习0次" in html
    assert "出勤率" in html and "—" in html


def test_only_record_keepers_see_new_session_button(client, member, secretary, group):
    url = reverse("articles:session_list")
    create = reverse("articles:session_create", args=[group.pk])

    assert create not in _login(client, member).get(url).content.decode()
    assert create in _login(client, secretary).get(url).content.decode()


def test_admin_shows_only_records_one_keeps_and_never_edits_them(
    client, staff, secretary, member, session
):
    record_attendance(
        session, [AttendanceEntry(member=member, status="present")], author=secretary
    )
    change = reverse("admin:articles_studysession_change", args=[session.pk])
    changelist = reverse("admin:articles_studysession_changelist")
    client.force_login(staff)  # a superuser in no group
    staff_list = client.get(changelist)
    staff_change = client.get(change)
    secretary.is_staff = secretary.is_superuser = True
    secretary.save()
    client.force_login(secretary)
    keeper_list = client.get(changelist)
    keeper_change = client.get(change)
    keeper_post = client.post(change, {"topic": "改过的题目"})

    assert session.topic not in staff_list.content.decode()
    assert staff_change.status_code == 302  # "does not exist", as for a missing id
    assert session.topic in keeper_list.content.decode()
    assert keeper_change.status_code == 200
    assert 'name="topic"' not in keeper_change.content.decode()
    assert keeper_post.status_code == 403
    session.refresh_from_db()
    assert session.topic != "改过的题目"


def test_list_is_paginated_keeping_the_group_filter(client, member, group):
    for index in range(22):
        make_session(
            group,
            topic=f"第{index}次",
            starts_at=at(2026, 1, index + 1, 9),
            ends_at=at(2026, 1, index + 1, 12),
        )
    client = _login(client, member)

    first = client.get(reverse("articles:session_list"), {"group": group.pk})
    second = client.get(
        reverse("articles:session_list"), {"group": group.pk, "page": 2}
    )

    assert first.content.decode().count("session-card__title") == 20
    assert f"?group={group.pk}&amp;page=2" in first.content.decode()
    assert second.content.decode().count("session-card__title") == 2


def test_secretary_chooses_paragraphs_of_a_material(
    client, secretary, session, article
):
    first, second = article.paragraphs.filter(kind="body")[:2]
    client = _login(client, secretary)
    url = reverse("articles:material_paragraphs", args=[session.pk, article.pk])

    page = client.get(url)
    client.post(url, {"paragraphs": [first.pk, second.pk]})
    record = client.get(session.get_absolute_url()).content.decode()

    assert first.text[:20] in page.content.decode()
    material = session.sessionmaterial_set.get()
    assert set(material.paragraphs.all()) == {first, second}
    assert "选学段落" in record
    assert f"#{first.anchor}" in record


def test_choosing_paragraphs_of_an_archived_record_needs_a_reason(
    client, secretary, member, session, article
):
    record_attendance(
        session, [AttendanceEntry(member=member, status="present")], author=secretary
    )
    archive_session(session)
    first = article.paragraphs.filter(kind="body").first()
    client = _login(client, secretary)
    url = reverse("articles:material_paragraphs", args=[session.pk, article.pk])

    refused = client.post(url, {"paragraphs": [first.pk]})
    client.post(url, {"paragraphs": [first.pk], "reason": "补录选学段落"})

    assert refused.status_code == 400
    assert "更正原因" in refused.content.decode()
    assert Correction.objects.get().reason == "补录选学段落"
    assert list(session.sessionmaterial_set.get().paragraphs.all()) == [first]


def test_member_cannot_choose_paragraphs(client, member, session, article):
    url = reverse("articles:material_paragraphs", args=[session.pk, article.pk])

    assert _login(client, member).post(url, {"paragraphs": []}).status_code == 403


def test_scheduling_a_planned_topic_prefills_the_new_session(
    client, secretary, group, article
):
    from articles.services import add_plan_item

    item = add_plan_item(
        group, 2026, month=6, topic="文化传承发展", materials=[article]
    )
    client = _login(client, secretary)

    plan = client.get(reverse("articles:group_plan", args=[group.pk]), {"year": 2026})
    form = client.get(
        reverse("articles:session_create", args=[group.pk]), {"plan_item": item.pk}
    )

    assert f"?plan_item={item.pk}" in plan.content.decode()
    html = form.content.decode()
    assert 'value="文化传承发展"' in html
    box = re.search(rf'<input[^>]*name="materials" value="{article.pk}"[^>]*>', html)
    assert box and "checked" in box.group(0)


def test_statistics_query_count_same_for_1_and_10_sessions(
    client, secretary, group, django_assert_max_num_queries
):
    people = add_members(group, 5)

    def hold(index):
        session = make_session(
            group,
            topic=f"第{index}次",
            starts_at=at(2026, 2, index + 1, 9),
            ends_at=at(2026, 2, index + 1, 12),
        )
        record_attendance(
            session,
            [AttendanceEntry(member=p, status="present") for p in people],
            author=secretary,
        )
        save_discussion_note(
            session, author=secretary, speaker=people[0], kind="keynote", content="发言"
        )

    client = _login(client, secretary)
    url = reverse("articles:group_statistics", args=[group.pk])
    hold(0)
    unread_count(secretary)  # the header's count cached alike for both
    with django_assert_max_num_queries(20) as few:
        client.get(url, {"year": 2026})
    for index in range(1, 10):
        hold(index)
    unread_count(secretary)  # the header's count cached alike for both
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url, {"year": 2026})

    assert "少于本组要求的每年12次" in response.content.decode()
    assert len(many) == len(few)
