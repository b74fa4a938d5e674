"""Home, my annotations and the theme page from cached fragments: every write is
seen on the next read by everyone who may see it and by nobody else, and no
fragment is served across two visibility sets.

Personas: member and leader (a record keeper) of the group; outsider in the
other group; both in the two groups; staff, an editor in no group (who previews
drafts). Each test reads the pages as every persona first, so the fragments are
cached, then writes through the service (or the admin) the site uses, then reads
again.
"""

import importlib
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from taggit.models import Tag

from accounts.models import Membership
from articles.models import Article
from articles.reading import cache as read_models
from articles.reading import fragments
from articles.services import (
    AttendanceEntry,
    annotate_paragraph,
    complete_make_up,
    create_session,
    delete_annotation,
    delete_reply,
    edit_annotation,
    edit_reply,
    mark_article_studied,
    merge_themes,
    record_attendance,
    reply_to_annotation,
    unmark_article_studied,
    update_session,
)
from articles.services.search import index_article
from articles.views.home import RECENT_ANNOTATIONS, RECENT_REPLIES

from ..factories import (
    AnnotationFactory,
    ArticleFactory,
    MemberFactory,
    MembershipFactory,
    ParagraphFactory,
)
from .annotation_support import annotate_opening

pytestmark = pytest.mark.django_db

THEME = "笃行致远"
SHARED = "共享批注：要把学习成果转化为实际成效。"
PRIVATE = "私人批注：这一段要在支部会上再讲。"
OTHER = "外组批注：西青区的做法可以借鉴。"
NEW = "新批注：学以致用，用以促学。"
REPLY = "回复：同意，要学深悟透。"
TITLE = "在推动文化传承发展上善作善成"

PERSONAS = ["member", "leader", "outsider", "both", "staff"]
GROUP = {"member", "leader", "both"}
NOBODY: set[str] = set()


@pytest.fixture
def scene(member, leader, outsider, both, staff, group, other_group):
    article = ArticleFactory(title=TITLE)
    paragraph = ParagraphFactory(article=article)
    article.tags.add(THEME)
    # A second article with the theme: its page stays there for everyone when
    # the first is taken back to draft.
    ParagraphFactory(
        article=ArticleFactory(title="在学思践悟上下功夫")
    ).article.tags.add(THEME)
    notes = {
        "shared": AnnotationFactory(
            author=member, paragraph=paragraph, group=group, note=SHARED
        ),
        "private": AnnotationFactory(author=member, paragraph=paragraph, note=PRIVATE),
        "other": AnnotationFactory(
            author=outsider, paragraph=paragraph, group=other_group, note=OTHER
        ),
    }
    for note in notes.values():
        note.tags.add(THEME)
    return {
        "article": article,
        "paragraph": paragraph,
        **notes,
        "people": {
            "member": member,
            "leader": leader,
            "outsider": outsider,
            "both": both,
            "staff": staff,
        },
    }


def theme_url(name: str = THEME) -> str:
    return reverse("articles:theme", args=[Tag.objects.get(name=name).slug])


def urls(theme: str = THEME) -> dict[str, str]:
    return {
        "home": reverse("home"),
        "mine": reverse("articles:my_annotations"),
        "theme": theme_url(theme),
    }


def read(client, person, url: str) -> str:
    """The page as ``person`` sees it; a 404 is an empty page."""
    client.force_login(person)
    response = client.get(url)
    if response.status_code == 404:
        return ""
    assert response.status_code == 200, url
    return response.content.decode()


def seen(client, scene, text: str, theme: str = THEME) -> dict[str, set[str]]:
    """For each page, the personas it shows ``text`` to."""
    return {
        page: {
            name
            for name, person in scene["people"].items()
            if text in read(client, person, url)
        }
        for page, url in urls(theme).items()
    }


def read_all(client, scene) -> None:
    for url in urls().values():
        for person in scene["people"].values():
            read(client, person, url)


def pages(home=NOBODY, mine=NOBODY, theme=NOBODY) -> dict[str, set[str]]:
    return {"home": set(home), "mine": set(mine), "theme": set(theme)}


# --- Annotations and replies ---------------------------------------------------------
def test_the_start_follows_the_visibility_rule(client, scene):
    assert seen(client, scene, SHARED) == pages(GROUP, {"member"}, GROUP)
    assert seen(client, scene, PRIVATE) == pages(mine={"member"}, theme={"member"})
    assert seen(client, scene, OTHER) == pages(
        {"outsider", "both"}, {"outsider"}, {"outsider", "both"}
    )


@pytest.mark.parametrize("shared", [True, False])
def test_a_new_annotation_is_seen_at_once_by_those_who_may(
    client, scene, group, shared
):
    read_all(client, scene)
    paragraph = scene["paragraph"]
    annotate_paragraph(
        author=scene["people"]["leader"],
        paragraph=paragraph,
        start=5,
        end=9,
        quote=paragraph.text[5:9],
        note=NEW,
        themes=[THEME],
        group=group if shared else None,
    )
    if shared:
        assert seen(client, scene, NEW) == pages(GROUP, {"leader"}, GROUP)
    else:
        assert seen(client, scene, NEW) == pages(mine={"leader"}, theme={"leader"})


def test_an_edit_and_a_deletion_reach_every_page(client, scene, group):
    shared, member = scene["shared"], scene["people"]["member"]
    read_all(client, scene)
    edit_annotation(shared, editor=member, note=NEW, themes=[THEME], group=group)
    assert seen(client, scene, NEW) == pages(GROUP, {"member"}, GROUP)
    assert seen(client, scene, SHARED) == pages()
    delete_annotation(shared, by=member)
    assert seen(client, scene, NEW) == pages()


def test_replies_written_edited_and_deleted_reach_every_page(client, scene):
    both = scene["people"]["both"]
    read_all(client, scene)
    reply = reply_to_annotation(scene["shared"], author=both, text=REPLY)
    # On the member's own page: the thread of their annotation.
    assert seen(client, scene, REPLY) == pages(GROUP, {"member"}, GROUP)
    edit_reply(reply, editor=both, text="回复：改过了。")
    assert seen(client, scene, "回复：改过了。") == pages(GROUP, {"member"}, GROUP)
    assert seen(client, scene, REPLY) == pages()
    delete_reply(reply, by=both)
    assert seen(client, scene, "回复：改过了。") == pages()


def test_private_to_group_and_back_is_never_served_stale(client, scene, group):
    private, member = scene["private"], scene["people"]["member"]
    read_all(client, scene)
    edit_annotation(private, editor=member, note=PRIVATE, themes=[THEME], group=group)
    assert seen(client, scene, PRIVATE) == pages(GROUP, {"member"}, GROUP)
    edit_annotation(private, editor=member, note=PRIVATE, themes=[THEME], group=None)
    assert seen(client, scene, PRIVATE) == pages(mine={"member"}, theme={"member"})


# --- Themes --------------------------------------------------------------------------
def test_a_theme_merge_reaches_the_theme_pages_and_my_annotations(client, scene):
    read_all(client, scene)
    old_url = theme_url()
    merge_themes([Tag.objects.get(name=THEME)], "深学细悟")
    for person in scene["people"].values():
        client.force_login(person)
        assert client.get(old_url).status_code == 404
    assert seen(client, scene, SHARED, theme="深学细悟") == pages(
        GROUP, {"member"}, GROUP
    )
    assert seen(client, scene, PRIVATE, theme="深学细悟")["theme"] == {"member"}
    # Each own page lists the new theme (filter and items), the old one nowhere.
    mine = reverse("articles:my_annotations")
    for name in ["member", "outsider"]:
        html = read(client, scene["people"][name], mine)
        assert "深学细悟" in html and THEME not in html


def test_a_theme_renamed_in_the_admin_is_renamed_at_once(client, scene, staff):
    read_all(client, scene)
    tag = Tag.objects.get(name=THEME)
    response = admin_client(client, staff).post(
        reverse("admin:taggit_tag_change", args=[tag.pk]),
        {"name": "知行合一", "slug": tag.slug},
    )
    assert response.status_code == 302
    assert seen(client, scene, "主题：知行合一", theme="知行合一")["theme"] == set(
        PERSONAS
    )
    # The name is gone where it was shown (the slug stays, in the links).
    assert seen(client, scene, f">{THEME}<", theme="知行合一") == pages()
    assert seen(client, scene, f"主题：{THEME}", theme="知行合一") == pages()
    assert seen(client, scene, ">知行合一<", theme="知行合一")["mine"] == {
        "member",
        "outsider",
    }


# --- Articles ------------------------------------------------------------------------
def test_an_unpublished_article_leaves_every_page_but_the_editors(client, scene):
    article = scene["article"]
    assert seen(client, scene, TITLE)["home"] == set(PERSONAS)  # new materials
    assert seen(client, scene, TITLE)["theme"] == set(PERSONAS)
    article.status = Article.Status.DRAFT
    article.save()
    index_article(article)  # what the admin does after saving an article
    assert seen(client, scene, TITLE) == pages(theme={"staff"})
    assert seen(client, scene, SHARED) == pages()
    assert seen(client, scene, OTHER) == pages()
    assert "草稿" in read(client, scene["people"]["staff"], theme_url())


def test_an_article_deleted_in_the_admin_leaves_home_and_the_theme_page(
    client, staff, member
):
    article = ArticleFactory(title=TITLE)
    ParagraphFactory(article=article)
    article.tags.add(THEME)
    ArticleFactory(title="在学思践悟上下功夫").tags.add(THEME)
    assert TITLE in read(client, member, reverse("home"))
    assert TITLE in read(client, member, theme_url())
    response = admin_client(client, staff).post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert TITLE not in read(client, member, reverse("home"))
    assert TITLE not in read(client, member, theme_url())


# --- Memberships and groups ----------------------------------------------------------
def admin_client(client, staff):
    """The editor's own browser: the admin's messages stay in it."""
    editor = client.__class__()
    editor.force_login(staff)
    return editor


def remove_in_the_admin(client, staff, group, person) -> None:
    """Take ``person`` out of ``group`` on the group's admin page."""
    client = admin_client(client, staff)
    url = reverse("admin:accounts_studygroup_change", args=[group.pk])
    page = client.get(url)
    formset = page.context["inline_admin_formsets"][0].formset
    prefix = formset.prefix
    rows = list(Membership.objects.filter(group=group).order_by("pk"))
    data = {
        "name": group.name,
        "organisation": group.organisation,
        "description": group.description,
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
    }
    for index, row in enumerate(rows):
        data.update(
            {
                f"{prefix}-{index}-id": str(row.pk),
                f"{prefix}-{index}-group": str(group.pk),
                f"{prefix}-{index}-member": str(row.member_id),
                f"{prefix}-{index}-role": row.role,
                f"{prefix}-{index}-sort_order": str(row.sort_order),
            }
        )
        if row.member_id == person.pk:
            data[f"{prefix}-{index}-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Membership.objects.filter(group=group, member=person).exists()


def test_a_member_removed_in_the_admin_stops_seeing_the_group_at_once(
    client, scene, staff, group
):
    both = scene["people"]["both"]
    AnnotationFactory(
        author=both, paragraph=scene["paragraph"], group=group, note=NEW
    ).tags.add(THEME)
    read_all(client, scene)
    remove_in_the_admin(client, staff, group, both)
    assert seen(client, scene, SHARED) == pages(
        {"member", "leader"}, {"member"}, {"member", "leader"}
    )
    assert seen(client, scene, OTHER) == pages(
        {"outsider", "both"}, {"outsider"}, {"outsider", "both"}
    )
    # A note shared with the group they left stays theirs, on their own pages
    # (home lists it among their activity outside their groups).
    assert seen(client, scene, NEW) == pages(GROUP, {"both"}, GROUP)


def test_a_group_renamed_in_the_admin_is_renamed_on_own_pages(
    client, scene, staff, group
):
    both = scene["people"]["both"]
    AnnotationFactory(
        author=both, paragraph=scene["paragraph"], group=group, note=NEW
    ).tags.add(THEME)
    remove_in_the_admin(client, staff, group, both)
    read_all(client, scene)
    response = admin_client(client, staff).post(
        reverse("admin:accounts_studygroup_change", args=[group.pk]),
        {
            "name": "中共天津市南开区委学习中心组",
            "organisation": "",
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    # Its members' headers, badges and filters; for both, who left it, the badge
    # of their own note shared with it.
    assert seen(client, scene, "中共天津市南开区委学习中心组") == pages(
        GROUP, GROUP, GROUP
    )
    assert seen(client, scene, "中共天津市南开区委理论学习中心组") == pages()


# --- Sessions and reading progress on home --------------------------------------------
def plan_session(group, author, *, topic, days=3.0, materials=(), hours=3):
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return create_session(
        group,
        topic=topic,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        materials=materials,
        author=author,
    )


def last_session(group, author):
    """上次专题学习: yesterday's session of ``group``, over, not recorded yet."""
    start = timezone.now().replace(microsecond=0) - timedelta(days=1)
    return create_session(
        group,
        topic="上次专题学习",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        author=author,
    )


def who_sees_at_home(client, scene, text) -> set[str]:
    return {
        name
        for name, person in scene["people"].items()
        if text in read(client, person, reverse("home"))
    }


def test_a_studied_mark_shows_at_once_on_the_member_s_home_only(
    client, scene, group, leader
):
    article, member = scene["article"], scene["people"]["member"]
    plan_session(group, leader, topic="专题学习：文化传承", materials=[article])
    assert who_sees_at_home(client, scene, "尚未学习") == GROUP
    mark_article_studied(member, article)
    assert who_sees_at_home(client, scene, "✓ 已学习") == {"member"}
    assert who_sees_at_home(client, scene, "尚未学习") == {"leader", "both"}
    unmark_article_studied(member, article)
    assert who_sees_at_home(client, scene, "✓ 已学习") == NOBODY


def test_a_session_planned_and_edited_shows_at_once_in_its_group(
    client, scene, group, leader
):
    read_all(client, scene)
    session = plan_session(group, leader, topic="专题学习：文化传承")
    assert who_sees_at_home(client, scene, "专题学习：文化传承") == GROUP
    update_session(session, author=leader, topic="专题学习：文化自信")
    assert who_sees_at_home(client, scene, "专题学习：文化自信") == GROUP
    assert who_sees_at_home(client, scene, "专题学习：文化传承") == NOBODY
    assert who_sees_at_home(client, scene, "会前请阅读") == NOBODY
    update_session(session, author=leader, materials=[scene["article"]])
    assert who_sees_at_home(client, scene, "会前请阅读") == GROUP


def test_make_up_study_is_its_member_s_own_and_the_record_the_group_s(
    client, scene, group, leader
):
    member = scene["people"]["member"]
    session = last_session(group, leader)
    read_all(client, scene)
    record_attendance(
        session,
        [
            AttendanceEntry(member=member, status="on_leave", leave_reason="出差"),
            AttendanceEntry(member=leader, status="present"),
        ],
        author=leader,
    )
    make_up = member.attendances.get(session=session).make_up
    detail = reverse("articles:make_up_detail", args=[make_up.pk])
    assert who_sees_at_home(client, scene, detail) == {"member"}
    # Held now: in the group's recent records.
    record = reverse("articles:session_detail", args=[session.pk])
    assert who_sees_at_home(client, scene, record) == GROUP
    complete_make_up(make_up, note="学习了会议材料，写了体会。")
    assert who_sees_at_home(client, scene, detail) == NOBODY


def test_attendance_of_a_held_session_renews_the_plan_of_make_ups_only(
    client, scene, group, leader, monkeypatch
):
    """Attendance corrected for a session already held changes no session: the
    plans stay cached, but for the member whose make-up study it opens; the
    record shows the correction at once."""
    home_view = importlib.import_module("articles.views.home")
    plans = []
    lists = home_view._reading_lists
    monkeypatch.setattr(
        home_view,
        "_reading_lists",
        lambda user, sessions: (plans.append(user.username), lists(user, sessions)),
    )
    member = scene["people"]["member"]
    session = last_session(group, leader)
    present = [
        AttendanceEntry(member=member, status="present"),
        AttendanceEntry(member=leader, status="present"),
    ]
    to_do = reverse("articles:session_attendance", args=[session.pk])
    assert to_do in read(client, leader, reverse("home"))
    # The first record holds the session: the keeper's to-do changes.
    record_attendance(session, present, author=leader)
    assert to_do not in read(client, leader, reverse("home"))
    read_all(client, scene)
    plans.clear()
    record = reverse("articles:session_detail", args=[session.pk])
    record_attendance(
        session,
        [
            AttendanceEntry(member=member, status="present"),
            AttendanceEntry(member=leader, status="late"),
        ],
        author=leader,
        reason="核对考勤",
    )
    assert "迟到" in read(client, leader, record)
    for person in scene["people"].values():
        read(client, person, reverse("home"))
    assert plans == []
    record_attendance(
        session,
        [
            AttendanceEntry(member=member, status="on_leave", leave_reason="出差"),
            AttendanceEntry(member=leader, status="late"),
        ],
        author=leader,
        reason="补记请假",
    )
    make_up = member.attendances.get(session=session).make_up
    detail = reverse("articles:make_up_detail", args=[make_up.pk])
    assert who_sees_at_home(client, scene, detail) == {"member"}
    assert plans == ["member"]
    # Back in the room: the make-up item is moot, and gone from their plan.
    record_attendance(session, present, author=leader, reason="更正")
    assert who_sees_at_home(client, scene, detail) == NOBODY


def test_a_new_note_keeps_the_author_s_part_elsewhere_a_reply_renews_it(
    client, scene, staff, group, leader, monkeypatch
):
    """What home shows of a member outside their groups (a note shared with a
    group they left) does not change when they write a new note, so it is not
    built again; a reply on that note reaches them at once."""
    activity = importlib.import_module("articles.reading.activity")
    builds = []
    newest = activity._newest
    monkeypatch.setattr(
        activity,
        "_newest",
        lambda annotations, *args: (
            builds.append(str(annotations.query)),
            newest(annotations, *args),
        )[1],
    )
    member = scene["people"]["member"]
    remove_in_the_admin(client, staff, group, member)
    assert SHARED in read(client, member, reverse("home"))
    for person in scene["people"].values():
        read(client, person, reverse("home"))
    builds.clear()
    annotate_opening(member, scene["paragraph"], NEW)
    assert SHARED in read(client, member, reverse("home"))
    assert builds == []
    reply_to_annotation(scene["shared"], author=leader, text=REPLY)
    assert REPLY in read(client, member, reverse("home"))
    assert REPLY in read(client, leader, reverse("home"))
    assert REPLY not in read(client, scene["people"]["outsider"], reverse("home"))
    assert len(builds) == 2  # the author's part and the group's


def test_a_session_past_its_end_leaves_next_and_awaits_its_record(
    client, scene, group, leader
):
    start = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    ends = timezone.now() + timedelta(seconds=3)
    session = create_session(
        group, topic="正在进行的学习", starts_at=start, ends_at=ends, author=leader
    )
    attendance = reverse("articles:session_attendance", args=[session.pk])
    assert who_sees_at_home(client, scene, "正在进行的学习") == GROUP
    assert who_sees_at_home(client, scene, attendance) == NOBODY
    time.sleep(max(0, (ends - timezone.now()).total_seconds()) + 0.1)
    # Nothing was written: the clock alone moved it out of "next session".
    assert who_sees_at_home(client, scene, "正在进行的学习") == {"leader"}
    assert who_sees_at_home(client, scene, attendance) == {"leader"}


def test_a_make_up_item_follows_its_session_after_its_member_left_the_group(
    client, scene, staff, group, leader
):
    member = scene["people"]["member"]
    session = last_session(group, leader)
    record_attendance(
        session,
        [AttendanceEntry(member=member, status="absent")],
        author=leader,
    )
    remove_in_the_admin(client, staff, group, member)
    assert "上次专题学习" in read(client, member, reverse("home"))
    update_session(session, author=leader, topic="上次专题学习（补记）")
    assert "上次专题学习（补记）" in read(client, member, reverse("home"))


def test_a_fragment_lives_no_longer_than_its_lifetime(rf, member):
    request = rf.get("/")
    request.user = member
    builds = []

    def render(seconds):
        def context():
            builds.append(seconds)
            return {"new_materials": []}

        return fragments.render_fragment(
            request,
            "lifetime-test",
            [read_models.LIBRARY],
            "articles/_home_new_materials.html",
            context,
            seconds,
            lifetime=lambda values: seconds,
        )

    render(0.5), render(0.5)  # under a second: never stored
    render(60), render(60)  # stored
    assert builds == [0.5, 0.5, 60]


# --- Fragments never cross visibility sets -------------------------------------------
def test_fragments_never_cross_visibility_sets(client, scene, group, other_group):
    member, leader = scene["people"]["member"], scene["people"]["leader"]
    outsider = scene["people"]["outsider"]
    start = timezone.now().replace(microsecond=0) - timedelta(days=2)
    create_session(
        group,
        topic="待记录的专题学习",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        author=leader,
    )
    home = reverse("home")
    # The keeper's home first: their to-do is not served to a plain member.
    assert "待记录的学习" in read(client, leader, home)
    assert "待记录的学习" not in read(client, member, home)
    # Group A's home is not served to group B.
    assert "待记录的专题学习" not in read(client, outsider, home)
    assert SHARED not in read(client, outsider, home)
    # Own edit links are in the author's theme page only.
    edit = reverse("articles:annotation_edit", args=[scene["shared"].pk])
    assert edit in read(client, member, theme_url())
    assert edit not in read(client, leader, theme_url())
    assert edit not in read(client, scene["people"]["both"], theme_url())

    # The entries shared by several members hold no private note.
    with translation.override(settings.LANGUAGE_CODE):
        variant = fragments._variant()
    shared_entries = {
        "new materials": ("home-new-materials", [read_models.LIBRARY], ()),
        "records": (
            "home-recent-records",
            [read_models.sessions(group.pk)],
            (str(group.pk),),
        ),
    }
    for label, (name, scopes, extra) in shared_entries.items():
        key = read_models.key(
            name, scopes, read_models.versions(scopes), *extra, *variant
        )
        html = cache.get(key)
        assert html is not None, label
        assert PRIVATE not in html and SHARED not in html, label
    limits = (RECENT_ANNOTATIONS, RECENT_REPLIES)
    for group_id in (group.pk, other_group.pk):
        scopes = [
            read_models.group(group_id),
            read_models.activity(group_id),
            read_models.LIBRARY,
            read_models.PEOPLE,
        ]
        key = read_models.key(
            "activity-group",
            scopes,
            read_models.versions(scopes),
            group_id,
            False,
            *limits,
        )
        annotations, _replies = cache.get(key)
        assert annotations, group_id
        assert {a.group_id for a in annotations} == {group_id}


# --- Warm query counts ------------------------------------------------------------
@pytest.mark.parametrize(
    ("page", "warm_queries"),
    # session, user, the member's groups (the theme page also its theme)
    [("home", 3), ("mine", 3), ("theme", 4)],
)
def test_warm_pages_run_a_fixed_number_of_queries(
    client, scene, group, leader, django_assert_max_num_queries, page, warm_queries
):
    member = scene["people"]["member"]
    url = urls()[page]
    client.force_login(member)
    client.get(url)
    with django_assert_max_num_queries(warm_queries) as few:
        client.get(url)
    warm = len(few)  # now: the connection's log keeps the last 9,000 only
    paragraph = scene["paragraph"]
    for index in range(12):
        note = annotate_paragraph(
            author=member,
            paragraph=paragraph,
            start=index,
            end=index + 4,
            quote=paragraph.text[index : index + 4],
            note=f"第{index}条批注",
            themes=[THEME],
            group=group,
        )
        reply_to_annotation(note, author=leader, text=f"第{index}条回复")
        plan_session(group, leader, topic=f"第{index}次专题学习", days=2 + index)
    client.get(url)  # cold: the writes bumped the fragments
    with django_assert_max_num_queries(warm) as many:
        html = client.get(url).content.decode()
    assert len(many) == warm
    assert ("第0次专题学习" if page == "home" else "第11条批注") in html


def test_the_activity_is_rendered_once_for_a_group_and_the_plan_outlives_notes(
    client, scene, group, monkeypatch
):
    """Members of the same groups with no part of their own share one rendered
    activity; a member's own note renews the activity, not their plan."""
    home_view = importlib.import_module("articles.views.home")
    calls = {"activity": 0, "plan": 0}
    activity, lists = home_view.recent_activity, home_view._reading_lists

    def counted_activity(*args, **kwargs):
        calls["activity"] += 1
        return activity(*args, **kwargs)

    def counted_lists(*args, **kwargs):
        calls["plan"] += 1
        return lists(*args, **kwargs)

    monkeypatch.setattr(home_view, "recent_activity", counted_activity)
    monkeypatch.setattr(home_view, "_reading_lists", counted_lists)
    member, leader = scene["people"]["member"], scene["people"]["leader"]
    read(client, member, reverse("home"))
    assert calls == {"activity": 1, "plan": 1}
    read(client, leader, reverse("home"))  # same groups: the same activity
    assert calls == {"activity": 1, "plan": 2}
    annotate_opening(member, scene["paragraph"], NEW, group)
    assert NEW in read(client, leader, reverse("home"))
    assert NEW in read(client, member, reverse("home"))
    # One new activity for both; neither plan rendered again.
    assert calls == {"activity": 2, "plan": 2}


def test_the_theme_page_is_shared_by_a_group_and_edit_links_stay_their_owners(
    client, scene, group, leader, monkeypatch
):
    """Without notes of their own outside their groups, members of the same groups
    share one rendered theme page; each sees only their own edit links on it."""
    materials = importlib.import_module("articles.views.materials")
    colleague = MemberFactory()
    MembershipFactory(group=group, member=colleague, role="member")
    note = annotate_opening(leader, scene["paragraph"], NEW, group, themes=[THEME])
    renders = []
    original = materials.render_items
    monkeypatch.setattr(
        materials,
        "render_items",
        lambda *a, **k: renders.append(1) or original(*a, **k),
    )
    edit = reverse("articles:annotation_edit", args=[note.pk])
    mine = read(client, leader, theme_url())
    theirs = read(client, colleague, theme_url())
    assert len(renders) == 1  # the colleague got the leader's rendering
    assert NEW in mine and NEW in theirs
    assert edit in mine and edit not in theirs
    assert "<!--owned:" not in mine + theirs
    # The member, with a private note of the theme, has a page of their own.
    member_page = read(client, scene["people"]["member"], theme_url())
    assert PRIVATE in member_page and PRIVATE not in theirs + mine
    assert len(renders) == 2


def test_a_theme_page_follows_its_own_notes_only(client, scene, group, leader):
    """A note with another theme leaves a theme's page as it was; a note that
    takes the theme off leaves it at once for everyone."""
    materials = importlib.import_module("articles.views.materials")
    renders = []
    original = materials.render_items

    def counted(*args, **kwargs):
        renders.append(1)
        return original(*args, **kwargs)

    materials.render_items = counted
    try:
        other = annotate_opening(
            leader, scene["paragraph"], NEW, group, themes=["另一个主题"]
        )
        read(client, leader, theme_url())
        rendered = len(renders)
        reply_to_annotation(other, author=leader, text=REPLY)
        read(client, leader, theme_url())
        assert len(renders) == rendered  # nothing of this theme changed
        edit_annotation(
            scene["shared"],
            editor=scene["people"]["member"],
            note=SHARED,
            themes=["另一个主题"],
            group=group,
        )
        assert seen(client, scene, SHARED)["theme"] == NOBODY
        assert SHARED in read(client, leader, theme_url("另一个主题"))
    finally:
        materials.render_items = original
