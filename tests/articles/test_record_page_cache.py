"""The record pages' cached fragments (session list, a session's record, a group's
statistics, a member's archive): every write is seen on the next read by everyone
who may see it and by nobody else, a keeper's controls never reach a member from
the cache, and the warm pages' queries do not grow with the record.

Personas: leader and secretary (keepers), member, both (a plain member of the two
groups), outsider (the other group) and staff (in no group). Each test reads the
pages as every persona first, so the cache is warm, then writes through the
service the pages use (factories bypass the bumps), then reads again.
"""

import re
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts import changes
from accounts.models import Member, Membership
from accounts.services import move_membership
from articles.admin.sessions import GroupStudySettingsAdmin
from articles.models import (
    Article,
    Attendance,
    DiscussionNote,
    GroupStudySettings,
    MakeUpStudy,
    ReadingProgress,
)
from articles.reading import cache as read_models
from articles.services import (
    add_plan_item,
    archive_session,
    choose_material_paragraphs,
    complete_make_up,
    decide_leave,
    delete_discussion_note,
    delete_plan_item,
    edit_plan_item,
    hand_in_reflection,
    mark_article_studied,
    mark_session_held,
    move_discussion_note,
    record_attendance,
    request_leave,
    save_discussion_note,
    share_reflection,
    unmark_article_studied,
    update_session,
    withdraw_leave,
)
from articles.services.search import index_article
from articles.services.sessions import AttendanceEntry
from articles.services.signin import (
    decide_observer_entry,
    enter_observer,
    sign_in_member,
)

from ..factories import MembershipFactory
from .sessions_support import at, bundled_article, make_session

pytestmark = pytest.mark.django_db

YEAR = 2026
PEOPLE = ["leader", "secretary", "member", "both", "outsider", "staff"]
GROUP = {"leader", "secretary", "member", "both"}
KEEPERS = {"leader", "secretary"}
TOPIC = "深入学习贯彻党的二十届三中全会精神"
OTHER_TOPIC = "西青区委专题学习：推进乡村全面振兴"
ATTENDANCE_LINK = "/attendance/"


@pytest.fixture
def scene(leader, secretary, member, both, outsider, staff, group, other_group):
    article = bundled_article()
    session = make_session(
        group,
        topic=TOPIC,
        article=article,
        starts_at=at(YEAR, 3, 12, 9),
        ends_at=at(YEAR, 3, 12, 12),
    )
    record_attendance(
        session,
        [
            AttendanceEntry(leader, "present"),
            AttendanceEntry(secretary, "present"),
            AttendanceEntry(member, "present"),
            AttendanceEntry(both, "present"),
        ],
        author=secretary,
    )
    other = make_session(
        other_group,
        topic=OTHER_TOPIC,
        starts_at=at(YEAR, 3, 13, 9),
        ends_at=at(YEAR, 3, 13, 12),
    )
    people = {
        "leader": leader,
        "secretary": secretary,
        "member": member,
        "both": both,
        "outsider": outsider,
        "staff": staff,
    }
    return {
        "session": session,
        "other": other,
        "article": article,
        "group": group,
        "other_group": other_group,
        "people": people,
    }


def get(client, person, url) -> str | None:
    """The page as ``person`` sees it; None for a 404 (hidden as missing)."""
    client.force_login(person)
    response = client.get(url)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def urls(scene) -> dict[str, str]:
    session, group = scene["session"], scene["group"]
    return {
        "sessions": reverse("articles:session_list"),
        "session": reverse("articles:session_detail", args=[session.pk]),
        "statistics": reverse("articles:group_statistics", args=[group.pk])
        + f"?year={YEAR}",
        "my archive": reverse("articles:my_archive") + f"?year={YEAR}",
        "member's archive": reverse(
            "articles:member_archive", args=[scene["people"]["member"].pk]
        )
        + f"?year={YEAR}",
    }


def read_all(client, scene) -> dict[str, dict[str, str | None]]:
    """Every page as every persona: page → persona → HTML (None: 404)."""
    return {
        page: {
            name: get(client, person, url) for name, person in scene["people"].items()
        }
        for page, url in urls(scene).items()
    }


def who_sees(client, scene, text) -> dict[str, set[str]]:
    return {
        page: {name for name, html in by_person.items() if html and text in html}
        for page, by_person in read_all(client, scene).items()
    }


def test_the_start_follows_the_visibility_rule(client, scene):
    seen = who_sees(client, scene, TOPIC)
    assert seen["sessions"] == GROUP
    assert seen["session"] == GROUP
    assert seen["member's archive"] == KEEPERS | {"member"}
    assert who_sees(client, scene, OTHER_TOPIC)["sessions"] == {"both", "outsider"}
    pages = read_all(client, scene)
    # Outsiders and staff get 404 on the group's pages, as for a missing id.
    assert pages["session"]["outsider"] is None
    assert pages["session"]["staff"] is None
    assert pages["statistics"]["outsider"] is None
    assert pages["statistics"]["staff"] is None
    assert pages["member's archive"]["both"] is None
    assert pages["member's archive"]["outsider"] is None


def test_a_new_session_is_listed_at_once_for_its_group_only(client, scene):
    read_all(client, scene)
    make_session(
        scene["group"],
        topic="新的专题学习",
        status="planned",
        starts_at=timezone.now() + timedelta(days=7),
        ends_at=timezone.now() + timedelta(days=7, hours=3),
    )
    assert who_sees(client, scene, "新的专题学习")["sessions"] == GROUP


def test_an_edited_session_shows_at_once_everywhere(client, scene):
    read_all(client, scene)
    update_session(
        scene["session"], author=scene["people"]["secretary"], topic="修改后的专题"
    )
    seen = who_sees(client, scene, "修改后的专题")
    assert seen["sessions"] == GROUP
    assert seen["session"] == GROUP
    assert seen["my archive"] == GROUP
    assert seen["member's archive"] == KEEPERS | {"member"}
    assert who_sees(client, scene, TOPIC)["session"] == set()


def test_attendance_reaches_the_record_statistics_and_archives(client, scene):
    people = scene["people"]
    read_all(client, scene)
    record_attendance(
        scene["session"],
        [
            AttendanceEntry(people["leader"], "present"),
            AttendanceEntry(people["secretary"], "present"),
            AttendanceEntry(people["member"], "on_leave", "赴北京参加专题培训"),
            AttendanceEntry(people["both"], "present"),
        ],
        author=people["secretary"],
    )
    seen = who_sees(client, scene, "赴北京参加专题培训")
    assert seen["session"] == GROUP
    assert seen["member's archive"] == KEEPERS | {"member"}
    assert seen["my archive"] == {"member"}
    pages = read_all(client, scene)
    for name in GROUP:
        assert "75.0%" in pages["statistics"][name]
    # Only the member who missed it is told to study it afterwards.
    make_up = MakeUpStudy.objects.get(attendance__member=people["member"])
    notice = reverse("articles:make_up_detail", args=[make_up.pk])
    holders = {n for n, html in pages["session"].items() if html and notice in html}
    assert holders == {"member"}


def test_a_final_speech_is_seen_by_the_group_a_draft_by_its_owners(client, scene):
    people, session = scene["people"], scene["session"]
    read_all(client, scene)
    save_discussion_note(
        session,
        author=people["secretary"],
        speaker=people["member"],
        content="中心发言：要把改革精神落到基层治理的每个环节。",
        kind=DiscussionNote.Kind.KEYNOTE,
    )
    draft = save_discussion_note(
        session,
        author=people["both"],
        speaker=people["both"],
        content="我的发言草稿：还需要补充数据。",
        status=DiscussionNote.Status.DRAFT,
    )
    final = who_sees(client, scene, "要把改革精神落到基层治理")
    assert final["session"] == GROUP
    assert final["member's archive"] == KEEPERS | {"member"}
    assert final["my archive"] == {"member"}
    drafts = who_sees(client, scene, "我的发言草稿")
    assert drafts["session"] == KEEPERS | {"both"}
    # The draft's edit link reaches its owner and the keepers only.
    edit = reverse("articles:note_edit", args=[draft.pk])
    assert who_sees(client, scene, edit)["session"] == KEEPERS | {"both"}

    delete_discussion_note(draft, author=people["both"])
    assert who_sees(client, scene, "我的发言草稿")["session"] == set()


def test_moving_a_speech_reorders_it_for_everyone(client, scene):
    people, session = scene["people"], scene["session"]
    first = save_discussion_note(
        session, author=people["secretary"], speaker=people["leader"], content="甲发言"
    )
    save_discussion_note(
        session, author=people["secretary"], speaker=people["member"], content="乙发言"
    )
    pages = read_all(client, scene)
    assert pages["session"]["member"].index("甲发言") < pages["session"][
        "member"
    ].index("乙发言")
    move_discussion_note(first, up=False)
    for name, html in read_all(client, scene)["session"].items():
        if name in GROUP:
            assert html.index("乙发言") < html.index("甲发言"), name


def test_keeper_controls_never_reach_a_member_from_the_cache(client, scene):
    session = scene["session"]
    url = urls(scene)["session"]
    people = scene["people"]
    # The keeper's page is cached first, then the member's, then again.
    for order in (["leader", "member"], ["member", "secretary", "both"]):
        for name in order:
            html = get(client, people[name], url)
            controls = reverse("articles:session_attendance", args=[session.pk])
            assert (controls in html) == (name in KEEPERS), name
            assert ('value="archive"' in html) == (name in KEEPERS), name
    stats = urls(scene)["statistics"]
    dossier = reverse("articles:group_dossier_docx", args=[scene["group"].pk, YEAR])
    for name in ["leader", "member", "secretary", "both"]:
        assert (dossier in get(client, people[name], stats)) == (name in KEEPERS)
    listing = urls(scene)["sessions"]
    create = reverse("articles:session_create", args=[scene["group"].pk])
    for name in ["secretary", "member", "leader", "both"]:
        assert (create in get(client, people[name], listing)) == (name in KEEPERS)


def test_groups_never_share_a_fragment(client, scene):
    other_url = reverse("articles:session_detail", args=[scene["other"].pk])
    people = scene["people"]
    assert OTHER_TOPIC in get(client, people["outsider"], other_url)
    assert get(client, people["member"], other_url) is None
    read_all(client, scene)
    listing = {n: get(client, p, urls(scene)["sessions"]) for n, p in people.items()}
    assert OTHER_TOPIC not in listing["member"]
    assert TOPIC not in listing["outsider"]
    assert TOPIC in listing["both"] and OTHER_TOPIC in listing["both"]
    assert TOPIC not in listing["staff"]


def test_status_changes_and_an_archived_correction_show_at_once(client, scene):
    people, session = scene["people"], scene["session"]
    read_all(client, scene)
    archive_session(session)
    for name, html in read_all(client, scene)["session"].items():
        if name in GROUP:
            assert "session-status--archived" in html, name
    session.refresh_from_db()
    read_all(client, scene)
    update_session(
        session,
        author=people["secretary"],
        reason="会议地点记录有误",
        place="区委党校报告厅",
    )
    seen = who_sees(client, scene, "区委党校报告厅")
    assert seen["session"] == GROUP
    # The correction's history is the keepers' alone.
    assert who_sees(client, scene, "会议地点记录有误")["session"] == KEEPERS


def test_marking_held_shows_at_once(client, scene):
    session = make_session(
        scene["group"],
        topic="刚结束的专题学习",
        status="planned",
        starts_at=timezone.now() - timedelta(hours=3),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    url = reverse("articles:session_detail", args=[session.pk])
    member = scene["people"]["member"]
    assert "session-status--awaiting" in get(client, member, url)
    mark_session_held(session)
    html = get(client, member, url)
    assert "session-status--held" in html


def test_a_planned_session_reads_awaiting_once_it_is_over(client, scene):
    session = make_session(
        scene["group"],
        topic="即将结束的专题学习",
        status="planned",
        starts_at=timezone.now() - timedelta(hours=2),
        # Time for the four reads before it ends, on a busy CI machine too.
        ends_at=timezone.now() + timedelta(seconds=3),
    )
    url = reverse("articles:session_detail", args=[session.pk])
    member = scene["people"]["member"]
    listing = urls(scene)["sessions"]
    assert "session-status--awaiting" not in get(client, member, url)
    assert "session-status--awaiting" not in get(client, member, listing)
    versions = read_models.versions([read_models.records(session.group_id)])
    time.sleep(max(0, (session.ends_at - timezone.now()).total_seconds()) + 0.1)
    # Nothing was written: only the time changed what the pages say, and a
    # fragment is kept no longer than until that moment.
    assert read_models.versions([read_models.records(session.group_id)]) == versions
    assert "session-status--awaiting" in get(client, member, url)
    assert "session-status--awaiting" in get(client, member, listing)


def test_chosen_paragraphs_show_at_once(client, scene):
    session, people = scene["session"], scene["people"]
    material = session.sessionmaterial_set.get()
    paragraph = scene["article"].paragraphs.filter(kind="body").order_by("position")[2]
    read_all(client, scene)
    choose_material_paragraphs(material, [paragraph], author=people["secretary"])
    anchor = f"#{paragraph.anchor}"
    assert who_sees(client, scene, anchor)["session"] == GROUP


def test_a_completed_make_up_shows_at_once(client, scene):
    people, session = scene["people"], scene["session"]
    record_attendance(
        session,
        [
            AttendanceEntry(people["member"], "absent"),
            AttendanceEntry(people["both"], "present"),
        ],
        author=people["secretary"],
    )
    make_up = MakeUpStudy.objects.get(attendance__member=people["member"])
    seen = who_sees(client, scene, "badge--draft")
    assert "member" in seen["my archive"]
    complete_make_up(make_up, note="补学心得：重读了第三部分。")
    seen = who_sees(client, scene, "补学心得：重读了第三部分。")
    assert seen["my archive"] == {"member"}
    assert seen["member's archive"] == KEEPERS | {"member"}
    assert "badge--ok" in get(client, people["leader"], urls(scene)["session"])


def test_the_plan_reaches_the_statistics(client, scene):
    group = scene["group"]
    read_all(client, scene)
    item = add_plan_item(group, YEAR, month=5, topic="学习新修订的条例")
    planned = "<small> / 1</small>"
    assert who_sees(client, scene, planned)["statistics"] == GROUP
    # The month chart's planned bar: May, then June (x = 8 + 34 × index + 4).
    may = 'class="chart__planned" x="148" y="30" width="13" height="100"'
    june = 'class="chart__planned" x="182" y="30" width="13" height="100"'
    assert who_sees(client, scene, may)["statistics"] == GROUP
    edit_plan_item(item, month=6, topic="学习新修订的条例")
    assert who_sees(client, scene, may)["statistics"] == set()
    assert who_sees(client, scene, june)["statistics"] == GROUP
    delete_plan_item(item)
    assert who_sees(client, scene, planned)["statistics"] == set()


def test_leave_asked_decided_and_withdrawn_shows_at_once(client, scene):
    people = scene["people"]
    session = make_session(
        scene["group"],
        topic="下周的专题学习",
        status="planned",
        starts_at=timezone.now() + timedelta(days=7),
        ends_at=timezone.now() + timedelta(days=7, hours=3),
    )
    url = reverse("articles:session_detail", args=[session.pk])
    for person in people.values():
        get(client, person, url)
    leave = request_leave(session, people["member"], reason="到市委党校参加轮训")
    pages = {name: get(client, person, url) for name, person in people.items()}
    # The request's reason: its member and the leader, who is asked to decide;
    # the keepers list it.
    assert {n for n, h in pages.items() if h and "到市委党校参加轮训" in h} == {
        "leader",
        "member",
    }
    detail = reverse("articles:leave_detail", args=[leave.pk])
    assert {n for n, h in pages.items() if h and detail in h} == KEEPERS | {"member"}
    decide_leave(leave, people["leader"], approve=True)
    pages = {name: get(client, person, url) for name, person in people.items()}
    # Approved, it is in the record's attendance for the whole group.
    assert {n for n, h in pages.items() if h and "到市委党校参加轮训" in h} == GROUP
    leave.refresh_from_db()
    withdraw_leave(leave, people["member"])
    pages = {name: get(client, person, url) for name, person in people.items()}
    assert "leave-row" not in pages["both"]


def test_reflections_reach_statistics_and_archives(client, scene):
    people, session = scene["people"], scene["session"]
    read_all(client, scene)
    reflection = hand_in_reflection(
        session, people["member"], text="学习体会：改革要落到实处。"
    )
    seen = who_sees(client, scene, "学习体会：改革要落到实处。")
    assert seen["my archive"] == {"member"}
    assert seen["member's archive"] == KEEPERS | {"member"}
    figure = re.compile(
        r'figure__value">1(<small>[^<]*</small>)?</span>'
        r'<span class="figure__label">学习心得提交'
    )
    pages = read_all(client, scene)
    assert {n for n, h in pages["statistics"].items() if h and figure.search(h)} == (
        GROUP
    )
    share_reflection(reflection, shared=True)
    assert who_sees(client, scene, "学习体会：改革要落到实处。")["my archive"] == {
        "member"
    }


def test_studied_marks_reach_statistics_and_the_archive(client, scene):
    people = scene["people"]
    read_all(client, scene)
    mark_article_studied(people["member"], scene["article"])
    title = scene["article"].title
    seen = who_sees(client, scene, "studied-table")
    assert seen["my archive"] == {"member"}
    assert seen["member's archive"] == KEEPERS | {"member"}
    figure = re.compile(
        r'figure__value">1</span><span class="figure__label">已学习文章'
    )
    pages = read_all(client, scene)
    assert {n for n, h in pages["my archive"].items() if h and figure.search(h)} == {
        "member"
    }
    assert title
    unmark_article_studied(people["member"], scene["article"])
    assert who_sees(client, scene, "studied-table")["my archive"] == set()


def test_sign_in_and_observers_bump_the_groups_record(scene):
    people, group = scene["people"], scene["group"]
    session = make_session(
        group,
        topic="正在进行的专题学习",
        status="planned",
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=2),
    )

    def version():
        return read_models.versions([read_models.records(group.pk)])

    before = version()
    sign_in_member(session, people["member"], at=timezone.now())
    assert version() != before
    before = version()
    entry = enter_observer(session, name="周列席", unit="区委办")
    assert version() != before
    before = version()
    decide_observer_entry(entry, author=people["secretary"], confirm=True)
    assert version() != before
    other = read_models.versions([read_models.records(scene["other_group"].pk)])
    sign_in_member(session, people["both"], at=timezone.now())
    assert read_models.versions([read_models.records(scene["other_group"].pk)]) == (
        other
    )


def test_confirmed_observer_shows_on_the_record(client, scene):
    people = scene["people"]
    session = make_session(
        scene["group"],
        topic="正在进行的专题学习",
        status="held",
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    url = reverse("articles:session_detail", args=[session.pk])
    get(client, people["member"], url)
    entry = enter_observer(session, name="周列席", unit="区委办")
    decide_observer_entry(entry, author=people["secretary"], confirm=True)
    assert "周列席" in get(client, people["member"], url)


def test_membership_changes_show_at_once(client, scene):
    people, group = scene["people"], scene["group"]
    read_all(client, scene)
    # Leaving: the group's pages are gone at once (404, as missing).
    Membership.objects.filter(member=people["both"], group=group).delete()
    changes.announce("membership", member_id=people["both"].pk, group_id=group.pk)
    pages = read_all(client, scene)
    assert pages["session"]["both"] is None
    assert TOPIC not in pages["sessions"]["both"]
    # Joining: seen at once, as a plain member.
    MembershipFactory(group=group, member=people["outsider"])
    changes.announce("membership", member_id=people["outsider"].pk, group_id=group.pk)
    pages = read_all(client, scene)
    assert TOPIC in pages["session"]["outsider"]
    assert TOPIC in pages["sessions"]["outsider"]
    assert ATTENDANCE_LINK not in pages["session"]["outsider"]
    # Becoming a keeper: the keeper's fragment, at once.
    Membership.objects.filter(member=people["member"], group=group).update(
        role=Membership.Role.DEPUTY
    )
    changes.announce("membership", member_id=people["member"].pk, group_id=group.pk)
    html = get(client, people["member"], urls(scene)["session"])
    assert reverse("articles:session_attendance", args=[scene["session"].pk]) in html


def test_position_order_and_settings_reach_the_statistics(client, scene, rf):
    people, group = scene["people"], scene["group"]
    url = urls(scene)["statistics"]
    member, secretary = people["member"].name, people["secretary"].name
    for page in ("statistics", "session"):
        html = get(client, people["both"], urls(scene)[page])
        assert html.index(secretary) < html.index(member), page
    membership = Membership.objects.get(member=people["member"], group=group)
    assert move_membership(membership, up=True)
    for page in ("statistics", "session"):
        html = get(client, people["both"], urls(scene)[page])
        assert html.index(member) < html.index(secretary), page
    settings_row = GroupStudySettings.for_group(group)
    settings_row.min_attendance_rate = 97
    admin = GroupStudySettingsAdmin(GroupStudySettings, None)
    admin.save_model(rf.post("/"), settings_row, None, True)
    assert "97%" in get(client, people["member"], url)


@pytest.mark.parametrize("page", ["sessions", "session", "statistics", "my archive"])
def test_warm_queries_do_not_grow_with_the_record(
    client, scene, page, django_assert_max_num_queries
):
    people = scene["people"]
    url = urls(scene)[page]
    member = people["member"]
    client.force_login(member)
    client.get(url)
    # The floor's two (session, user) and the page's access query.
    with django_assert_max_num_queries(4) as few:
        assert client.get(url).status_code == 200
    # Counted now: captured queries are a window on the connection's log.
    warm = len(few)
    for day in range(1, 6):
        session = make_session(
            scene["group"],
            topic=f"第{day}次补充学习",
            starts_at=at(YEAR, 4, day, 9),
            ends_at=at(YEAR, 4, day, 12),
        )
        record_attendance(
            session,
            [
                AttendanceEntry(member, "present"),
                AttendanceEntry(people["both"], "absent"),
            ],
            author=people["secretary"],
        )
        save_discussion_note(
            session, author=people["secretary"], speaker=member, content="交流发言"
        )
        save_discussion_note(
            scene["session"],
            author=people["secretary"],
            speaker=member,
            content=f"第{day}次交流发言",
        )
    client.get(url)
    with django_assert_max_num_queries(warm) as many:
        html = client.get(url).content.decode()
    assert len(many) == warm
    grown = {
        "sessions": "第5次补充学习",
        "session": "第5次交流发言",
        "statistics": 'figure__value">6',
        "my archive": "第5次补充学习",
    }
    assert grown[page] in html


def test_cache_clear_rebuilds_every_page(client, scene):
    before = read_all(client, scene)
    cache.clear()
    after = read_all(client, scene)
    for page, by_person in before.items():
        for name, html in by_person.items():
            assert (html is None) == (after[page][name] is None), (page, name)
    assert Attendance.objects.count()


def test_a_withdrawn_material_and_a_renamed_member_show_at_once(client, scene):
    article, people = scene["article"], scene["people"]
    link = reverse("articles:detail", args=[article.pk])
    assert who_sees(client, scene, link)["session"] == GROUP
    # The admin's save of an article ends in index_article (its one bump).
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    index_article(Article.objects.get(pk=article.pk))
    assert who_sees(client, scene, link)["session"] == set()
    assert who_sees(client, scene, article.title)["session"] == GROUP

    Member.objects.filter(pk=people["member"].pk).update(display_name="王新名")
    changes.announce("member", member_id=people["member"].pk)
    seen = who_sees(client, scene, "王新名")
    assert seen["session"] == GROUP
    assert seen["statistics"] == GROUP
    assert seen["member's archive"] == KEEPERS | {"member"}


def test_the_archive_offers_every_year_with_activity(client, scene):
    people, group = scene["people"], scene["group"]
    old = make_session(
        group,
        topic="往年专题学习",
        starts_at=at(2024, 5, 6, 9),
        ends_at=at(2024, 5, 6, 12),
    )
    record_attendance(
        old, [AttendanceEntry(people["member"], "present")], author=people["leader"]
    )
    progress = mark_article_studied(people["member"], scene["article"])
    ReadingProgress.objects.filter(pk=progress.pk).update(studied_at=at(2023, 2, 1))
    cache.clear()  # the studied mark was moved back by hand
    html = get(client, people["member"], urls(scene)["my archive"])
    for year in (2023, 2024, YEAR, timezone.localdate().year):
        assert f'<option value="{year}"' in html, year
    assert '<option value="2022"' not in html
