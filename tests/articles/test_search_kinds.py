"""Annotations, replies and speeches in search: found exactly by whoever their pages
show them to, never counted or hinted at for anyone else, and kept in step by the
services that write them. The expectations are computed from the models' own
visibility and plain substring search, so SQLite and PostgreSQL must agree."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Member
from articles import search
from articles.models import (
    Annotation,
    Article,
    DiscussionNote,
    Reply,
    SearchDocument,
    StudySession,
)
from articles.search.text import normalize
from articles.services import (
    annotate_paragraph,
    delete_annotation,
    delete_discussion_note,
    delete_reply,
    edit_annotation,
    edit_reply,
    rebuild_search_index,
    reply_to_annotation,
    save_discussion_note,
)
from tests.factories import MemberFactory, MembershipFactory

from .annotation_support import annotate_opening

pytestmark = pytest.mark.django_db
URL = reverse("articles:search")
STUDY_KINDS = ["annotation", "reply", "note"]
NOTE = "网格员要把社区矛盾化解在萌芽状态，这是枫桥经验的精髓。"
REPLY = "赞同：矛盾化解要靠前一步，调解室要建在群众家门口。"


@pytest.fixture
def demo(group, other_group, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    # The library alone: the hits below are counted against the paragraphs.
    call_command("load_demo", "--no-annotations", stdout=io.StringIO())


@pytest.fixture
def paragraph(demo):
    article = Article.objects.get(title__contains="基层治理")
    return article.paragraphs.filter(kind="body").first()


@pytest.fixture
def shared(paragraph, member, group):
    return annotate_paragraph(
        author=member,
        paragraph=paragraph,
        start=0,
        end=12,
        quote=paragraph.text[:12],
        note=NOTE,
        group=group,
    )


@pytest.fixture
def leader(demo):
    """The demo group's leader (one per group: load_demo creates 张伟)."""
    return Member.objects.get(username="zhangwei")


@pytest.fixture
def colleague(group):
    """A plain member of the same group (not a record keeper)."""
    person = MemberFactory(username="colleague", display_name="同组同事")
    MembershipFactory(group=group, member=person, role="member")
    return person


def found(user, query: str, kinds=None) -> set[tuple[str, int]]:
    results = search.search(user, query, kinds=kinds, page_size=10_000)
    assert results.total == len(results.hits)
    return {(h.document.kind, h.document.object_id) for h in results.hits}


def test_a_shared_note_is_found_by_its_group_not_by_outsiders(
    shared, member, leader, colleague, outsider
):
    hit = ("annotation", shared.pk)
    for user in (member, leader, colleague):
        assert hit in found(user, "矛盾化解")
    assert hit not in found(outsider, "矛盾化解")
    assert search.search(outsider, "矛盾化解", kinds=["annotation"]).total == 0


def test_the_quote_finds_the_annotation_too(shared, member, paragraph):
    quote = paragraph.text[2:8]
    assert ("annotation", shared.pk) in found(member, quote, ["annotation"])


def test_made_private_it_leaves_everyone_but_its_author(
    shared, member, colleague, leader
):
    edit_annotation(shared, editor=member, note=NOTE, group=None)
    assert ("annotation", shared.pk) in found(member, "萌芽状态")
    for user in (colleague, leader):
        assert found(user, "萌芽状态", ["annotation"]) == set()
        assert search.search(user, "萌芽状态").total == 0
    # Even before re-indexing the rule is the reader's: flip it without the service.
    Annotation.objects.filter(pk=shared.pk).update(group=None)
    assert found(colleague, "萌芽状态") == set()


def test_counts_and_kind_filters_never_include_hidden_ones(
    shared, member, outsider, paragraph
):
    annotate_opening(member, paragraph, "我自己的体会：矛盾化解先要听得进群众的话。")
    mine = search.search(member, "矛盾化解", kinds=["annotation"])
    assert mine.total == 2
    theirs = search.search(outsider, "矛盾化解", kinds=["annotation"])
    assert theirs.total == 0 and not theirs.hits
    everywhere = search.search(outsider, "矛盾化解")
    assert all(h.document.kind not in STUDY_KINDS for h in everywhere.hits)
    response_page = search.search(outsider, "萌芽状态")
    assert response_page.total == 0


def test_edits_and_deletions_follow(shared, member, colleague):
    edit_annotation(
        shared, editor=member, note="改为：调解工作重在早。", group=shared.group
    )
    assert found(colleague, "萌芽状态", ["annotation"]) == set()
    assert ("annotation", shared.pk) in found(colleague, "调解工作重在早")
    reply = reply_to_annotation(shared, author=colleague, text=REPLY)
    assert ("reply", reply.pk) in found(member, "调解室")
    edit_reply(reply, editor=colleague, text="调解室要建在村口。")
    assert ("reply", reply.pk) in found(member, "村口")
    assert found(member, "家门口", ["reply"]) == set()
    delete_reply(reply, by=colleague)
    assert found(member, "村口", ["reply"]) == set()
    # Soft delete (the thread stays): the note leaves the index, a live reply stays.
    kept = reply_to_annotation(shared, author=colleague, text=REPLY)
    delete_annotation(shared, by=member)
    assert found(member, "调解工作", ["annotation"]) == set()
    assert ("reply", kept.pk) in found(member, "调解室")
    assert not SearchDocument.objects.filter(kind="annotation", object_id=shared.pk)


def test_a_hard_deleted_annotation_leaves_the_index(shared, member):
    delete_annotation(shared, by=member)
    assert not Annotation.objects.filter(pk=shared.pk).exists()
    assert found(member, "萌芽状态") == set()
    assert not SearchDocument.objects.filter(kind="annotation", object_id=shared.pk)


def test_replies_are_seen_by_exactly_those_who_see_the_annotation(
    shared, member, colleague, outsider
):
    reply = reply_to_annotation(shared, author=colleague, text=REPLY)
    assert ("reply", reply.pk) in found(member, "家门口")
    assert found(outsider, "家门口") == set()
    edit_annotation(shared, editor=member, note=NOTE, group=None)
    # The replier no longer sees the annotation, so neither its replies.
    assert found(colleague, "家门口") == set()
    assert SearchDocument.objects.get(kind="reply", object_id=reply.pk).group_id is None


def test_speeches_are_found_by_the_group_not_by_outsiders(
    demo, member, leader, outsider, client
):
    speeches = DiscussionNote.objects.filter(content__contains="学深悟透")
    assert speeches.exists()
    expected = {("note", pk) for pk in speeches.values_list("pk", flat=True)}
    assert found(member, "学深悟透", ["note"]) == expected
    assert found(leader, "学深悟透") >= expected
    assert found(outsider, "学深悟透") == set()


def _draft(member, colleague_text="我的发言草稿：要把学习成果转化为便民服务的实招。"):
    session = StudySession.objects.exclude(status=StudySession.Status.ARCHIVED).first()
    return save_discussion_note(
        session,
        author=member,
        speaker=member,
        content=colleague_text,
        status=DiscussionNote.Status.DRAFT,
    )


def test_a_draft_speech_is_found_by_whoever_the_record_page_shows_it_to(
    demo, member, secretary, leader, colleague, outsider, staff, client
):
    draft = _draft(member)
    for user in (member, secretary, leader, colleague, outsider, staff):
        client.force_login(user)
        page = client.get(reverse("articles:session_detail", args=[draft.session_id]))
        on_page = "便民服务的实招" in page.content.decode()
        in_search = ("note", draft.pk) in found(user, "便民服务")
        assert on_page == in_search, user
        # Staff are in no group: they see no group's record, drafts least of all.
        assert on_page == (user not in (colleague, outsider, staff)), user
    save_discussion_note(
        draft.session,
        author=secretary,
        speaker=member,
        content=draft.content,
        status=DiscussionNote.Status.FINAL,
        note=draft,
    )
    assert ("note", draft.pk) in found(colleague, "便民服务")
    delete_discussion_note(draft, author=secretary)
    assert found(member, "便民服务") == set()


def test_a_speech_hit_leads_to_its_place_in_the_record(demo, member, client, outsider):
    draft = _draft(member)
    client.force_login(member)
    response = client.get(URL, {"q": "便民服务", "kind": "note"})
    html = response.content.decode()
    link = reverse("articles:note_in_record", args=[draft.pk])
    assert link in html
    assert "<mark>便民服务</mark>" in html
    target = client.get(link)
    assert target.status_code == 302
    assert target["Location"] == (
        reverse("articles:session_detail", args=[draft.session_id]) + f"#n-{draft.pk}"
    )
    record = client.get(target["Location"])
    assert f'id="n-{draft.pk}"' in record.content.decode()
    assert client.post(link).status_code == 405
    client.force_login(outsider)
    assert client.get(link).status_code == 404
    client.logout()
    assert client.get(link).status_code == 302  # to the login page
    assert "login" in client.get(link)["Location"]


def test_annotation_and_reply_hits_link_to_their_place_and_are_highlighted(
    shared, member, colleague, client
):
    reply = reply_to_annotation(shared, author=colleague, text=REPLY)
    client.force_login(member)
    html = client.get(URL, {"q": "矛盾化解"}).content.decode()
    article_url = reverse("articles:detail", args=[shared.paragraph.article_id])
    assert f"{article_url}?focus={shared.pk}&amp;q=" in html
    assert f"#a-{shared.pk}" in html
    assert f"#r-{reply.pk}" in html
    assert "<mark>矛盾化解</mark>" in html
    assert "批注" in html  # the kind's label, translated


def test_hits_are_exactly_the_visible_objects_holding_the_text(
    shared, member, colleague, outsider, leader, paragraph
):
    """The truth from the models: visible_to plus substring search (any backend)."""
    reply_to_annotation(shared, author=colleague, text=REPLY)
    annotate_paragraph(
        author=leader,
        paragraph=paragraph,
        start=3,
        end=9,
        quote=paragraph.text[3:9],
        note="组长的私人批注：网格员队伍要稳定。",
    )
    _draft(member)
    for user in (member, colleague, outsider, leader):
        texts = {
            ("annotation", a.pk): a.note + "\n" + a.quote
            for a in Annotation.objects.visible_to(user).live()
        }
        texts |= {
            ("reply", r.pk): r.text for r in Reply.objects.visible_to(user).live()
        }
        texts |= {
            ("note", n.pk): n.content for n in DiscussionNote.objects.visible_to(user)
        }
        for needle in ["网格员", "矛盾", "学习", "便民服务", "家门口", "枫桥经验"]:
            truth = {key for key, text in texts.items() if needle in normalize(text)}
            assert found(user, needle, STUDY_KINDS) == truth, (user, needle)


def test_rebuild_covers_the_new_kinds_and_gives_the_same_hits(
    shared, member, colleague
):
    reply_to_annotation(shared, author=colleague, text=REPLY)
    before = {q: found(member, q) for q in ["矛盾化解", "家门口", "学深悟透"]}
    counts = rebuild_search_index()
    assert counts["annotation"] == 1 and counts["reply"] == 1
    assert counts["note"] == DiscussionNote.objects.count()
    assert {q: found(member, q) for q in before} == before


def test_results_page_query_count_does_not_grow_with_study_hits(
    shared, member, colleague, client, paragraph, django_assert_max_num_queries
):
    client.force_login(member)
    with django_assert_max_num_queries(14) as few:
        client.get(URL, {"q": "矛盾化解"})
    for n in range(6):
        annotate_paragraph(
            author=member,
            paragraph=paragraph,
            start=n,
            end=n + 4,
            quote=paragraph.text[n : n + 4],
            note=f"第{n}条：矛盾化解要早。",
            group=shared.group,
        )
        reply_to_annotation(shared, author=colleague, text=f"第{n}条回复：矛盾化解。")
    _draft(member, "发言：矛盾化解在基层。")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"q": "矛盾化解"})
    assert len(re.findall(r'class="hit__link"', response.content.decode())) > 12


def test_members_of_the_demo_group_find_speeches_by_name_of_the_words(demo):
    wangfang = Member.objects.get(username="wangfang")
    liuyang = Member.objects.get(username="liuyang")
    assert found(wangfang, "真抓实干", ["note"])
    assert not found(liuyang, "真抓实干", ["note"])


def test_the_rule_is_compiled_once_per_member_and_still_follows_memberships(
    shared, member, outsider, group, monkeypatch
):
    from articles.search import kinds

    built = []
    rule = kinds._rule
    monkeypatch.setattr(kinds, "_rule", lambda *a: built.append(1) or rule(*a))
    kinds._COMPILED.clear()
    hit = ("annotation", shared.pk)
    assert hit not in found(Member.objects.get(pk=outsider.pk), "矛盾化解")
    # Joins the group: a later request (a fresh user object) reuses the compiled
    # rule, which reads memberships when it runs.
    MembershipFactory(group=group, member=outsider, role="member")
    assert hit in found(Member.objects.get(pk=outsider.pk), "矛盾化解")
    assert hit in found(Member.objects.get(pk=member.pk), "矛盾化解")
    assert len(built) == 2  # once for the outsider, once for the author
    # Made staff: another rule (staff find drafts), compiled anew.
    Member.objects.filter(pk=outsider.pk).update(is_staff=True)
    found(Member.objects.get(pk=outsider.pk), "矛盾化解")
    assert len(built) == 3
