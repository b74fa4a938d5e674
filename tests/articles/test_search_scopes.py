"""Search result pages renewed by who may find what changed: a write renews the
cached pages of exactly those who may find the row written or removed (its group's
members, its owner, a reply's annotation author, a speech's drafter) and leaves
everyone else's page cached (a HIT: nothing is rendered again), and no page ever
shows anyone a row they may not find.

Personas (tests/conftest.py): member, leader and secretary of the group; outsider in
the other group; both in the two groups; staff, an editor in no group; loner, a
member of no group. Every write goes through the service the site uses; each test
warms every persona's page first.
"""

import pytest
from django.urls import reverse

from accounts import changes
from accounts.models import Membership
from articles import search as search_package
from articles.models import Annotation, Article, DiscussionNote, Reply
from articles.reading import cache as read_models
from articles.search import index_objects, remove_objects
from articles.search.index import _write
from articles.search.study_kinds import (
    ANNOTATION,
    NOTE,
    REPLY,
    annotation_sources,
    reply_sources,
)
from articles.services import (
    delete_annotation,
    delete_reply,
    edit_annotation,
    reply_to_annotation,
    save_discussion_note,
)
from articles.services.search import index_article

from ..factories import (
    AnnotationFactory,
    ArticleFactory,
    MemberFactory,
    MembershipFactory,
    ParagraphFactory,
)
from .annotation_support import annotate_opening
from .sessions_support import make_session

pytestmark = pytest.mark.django_db

TEXT = "坚持守正创新，赓续历史文脉，推动中华优秀传统文化创造性转化。"
# The word searched for, and a part of the note only a hit shows.
WORDS = ("千万工程", "新批注：千万工程经验要转化为实效。")
SHOWN = "经验要转化为实效"
REPLY_WORDS = ("枫桥经验", "回复：枫桥经验值得推广。")
REPLY_SHOWN = "值得推广"


@pytest.fixture
def loner(db):
    return MemberFactory(username="loner", display_name="孙无组")


@pytest.fixture
def people(member, leader, secretary, outsider, both, staff, loner):
    return {
        "member": member,
        "leader": leader,
        "secretary": secretary,
        "outsider": outsider,
        "both": both,
        "staff": staff,
        "loner": loner,
    }


@pytest.fixture
def paragraph(db):
    article = ArticleFactory(title="在推动文化传承发展上善作善成")
    paragraph = ParagraphFactory(article=article, text=TEXT)
    index_article(article)
    return paragraph


@pytest.fixture
def rendered(monkeypatch):
    """The usernames whose results were rendered (a miss), in order."""
    names = []
    original = search_package.search

    def counting(user, *args, **kwargs):
        names.append(user.username)
        return original(user, *args, **kwargs)

    monkeypatch.setattr(search_package, "search", counting)
    return names


def note(author, paragraph, group, words=WORDS):
    return annotate_opening(author, paragraph, words[1], group)


def finds(client, person, query=WORDS[0], shown=SHOWN, *, login=True) -> bool:
    if login:
        client.force_login(person)
    response = client.get(reverse("articles:search"), {"q": query})
    assert response.status_code == 200
    return shown in response.content.decode()


def survey(client, people, rendered, query=WORDS[0], shown=SHOWN):
    """(who finds it, whose pages were rendered again) over every persona.

    The leader and the secretary share their entries (the same groups and kept
    groups, no part of their own): the leader, asking first, renders the one
    page both are served, so a miss of the leader counts for the secretary."""
    rendered.clear()
    found = {name for name, p in people.items() if finds(client, p, query, shown)}
    names = {person.username: name for name, person in people.items()}
    misses = {names[username] for username in rendered}
    if "leader" in misses and "secretary" not in misses:
        misses.add("secretary")
    return found, misses


def leave(person, group) -> None:
    Membership.objects.filter(member=person, group=group).delete()
    changes.announce("membership", member_id=person.pk, group_id=group.pk)


EVERYONE = {"member", "leader", "secretary", "outsider", "both", "staff", "loner"}
GROUP = {"member", "leader", "secretary", "both"}
OTHER_GROUP = {"outsider", "both"}


# --- Private notes -----------------------------------------------------------------
def test_a_private_note_renews_its_authors_page_only(
    client, people, rendered, paragraph, member, leader
):
    survey(client, people, rendered)
    note(member, paragraph, None)
    found, misses = survey(client, people, rendered)
    # The author finds it at once (their first note outside their groups: their
    # pages become their own); a colleague of the same group keeps their page.
    assert found == {"member"}
    assert misses == {"member"}
    assert not finds(client, leader)
    # Once more: everyone is served from the cache now.
    assert survey(client, people, rendered) == ({"member"}, set())


def test_a_colleagues_page_comes_from_the_cache(
    client, paragraph, member, leader, rendered, django_assert_max_num_queries
):
    assert not finds(client, leader)
    note(member, paragraph, None)
    assert finds(client, member)
    client.force_login(leader)
    rendered.clear()
    # Session, user, the leader's groups: the page itself comes from the cache.
    with django_assert_max_num_queries(3):
        assert not finds(client, leader, login=False)
    assert rendered == []


def test_a_staff_editor_in_no_group_and_a_member_of_none(
    client, people, rendered, paragraph, staff, loner
):
    survey(client, people, rendered)
    note(staff, paragraph, None)
    assert survey(client, people, rendered) == ({"staff"}, {"staff"})
    note(loner, paragraph, None, ("千万工程", "孤批注：千万工程久久为功。"))
    found, misses = survey(client, people, rendered, shown="久久为功")
    assert found == {"loner"} and misses == {"loner"}


# --- Group notes -------------------------------------------------------------------
def test_a_group_note_renews_its_groups_pages_only(
    client, people, rendered, paragraph, member, group
):
    survey(client, people, rendered)
    note(member, paragraph, group)
    found, misses = survey(client, people, rendered)
    assert found == GROUP
    # The other group, staff and the loner keep their pages.
    assert misses == GROUP


def test_a_note_in_the_other_group(
    client, people, rendered, paragraph, outsider, other_group
):
    survey(client, people, rendered)
    note(outsider, paragraph, other_group)
    found, misses = survey(client, people, rendered)
    assert found == OTHER_GROUP and misses == OTHER_GROUP


def test_private_to_group_and_back(
    client, people, rendered, paragraph, both, group, other_group
):
    own = note(both, paragraph, None)
    assert survey(client, people, rendered)[0] == {"both"}
    edit_annotation(own, editor=both, note=WORDS[1], group=group)
    found, misses = survey(client, people, rendered)
    assert found == GROUP and misses == GROUP
    edit_annotation(own, editor=both, note=WORDS[1], group=other_group)
    found, misses = survey(client, people, rendered)
    # The group it left stops finding it at once, the one it joined finds it.
    assert found == OTHER_GROUP and misses == GROUP | OTHER_GROUP
    edit_annotation(own, editor=both, note=WORDS[1], group=None)
    found, misses = survey(client, people, rendered)
    assert found == {"both"} and misses == OTHER_GROUP


def test_a_deleted_note_is_gone_for_everyone_at_once(
    client, people, rendered, paragraph, member, group
):
    shared = note(member, paragraph, group)
    assert survey(client, people, rendered)[0] == GROUP
    delete_annotation(shared, by=member)
    found, misses = survey(client, people, rendered)
    assert found == set() and misses == GROUP


def test_a_deleted_note_with_replies_is_gone_at_once(
    client, people, rendered, paragraph, member, leader, group
):
    shared = note(member, paragraph, group)
    reply_to_annotation(shared, author=leader, text=REPLY_WORDS[1])
    assert survey(client, people, rendered)[0] == GROUP
    delete_annotation(shared, by=member)  # the thread stays, the note goes
    found, misses = survey(client, people, rendered)
    assert found == set() and misses == GROUP


# --- Replies -----------------------------------------------------------------------
def test_a_reply_on_a_note_whose_author_left_the_group(
    client, people, rendered, paragraph, both, leader, group
):
    shared = note(both, paragraph, group)
    leave(both, group)
    args = (REPLY_WORDS[0], REPLY_SHOWN)
    assert survey(client, people, rendered, *args)[0] == set()
    reply = reply_to_annotation(shared, author=leader, text=REPLY_WORDS[1])
    found, misses = survey(client, people, rendered, *args)
    # The author finds the reply on their note at once, from outside the group.
    assert found == {"member", "leader", "secretary", "both"}
    assert misses == found
    assert "outsider" not in misses and "staff" not in misses
    delete_reply(reply, by=leader)
    found, misses = survey(client, people, rendered, *args)
    assert found == set() and misses == {"member", "leader", "secretary", "both"}


def test_a_reply_on_a_note_made_private_is_its_authors_alone(
    client, people, rendered, paragraph, member, leader, group
):
    shared = note(member, paragraph, group)
    reply_to_annotation(shared, author=leader, text=REPLY_WORDS[1])
    args = (REPLY_WORDS[0], REPLY_SHOWN)
    assert survey(client, people, rendered, *args)[0] == GROUP
    edit_annotation(shared, editor=member, note=WORDS[1], group=None)
    found, misses = survey(client, people, rendered, *args)
    assert found == {"member"} and misses == GROUP


def test_a_dissolved_groups_notes_are_found_by_their_authors_alone(
    client, people, rendered, paragraph, member, leader, group
):
    # Deleting the group makes its notes their authors' private ones (SET_NULL);
    # their index rows went with the group (CASCADE) and are written again.
    shared = note(member, paragraph, group)
    reply_to_annotation(shared, author=leader, text=REPLY_WORDS[1])
    assert survey(client, people, rendered)[0] == GROUP
    group_id = group.pk
    group.delete()
    changes.announce("group_deleted", group_id=group_id)  # as the admin does
    assert survey(client, people, rendered)[0] == {"member"}
    args = (REPLY_WORDS[0], REPLY_SHOWN)
    assert survey(client, people, rendered, *args)[0] == {"member"}
    assert Annotation.objects.get(pk=shared.pk).group_id is None


# --- Speeches ----------------------------------------------------------------------
def test_a_draft_speech_and_its_finalisation(
    client, people, rendered, group, member, both, secretary
):
    session = make_session(group)
    words = ("全过程人民民主", "中心发言：践行全过程人民民主。")
    args = (words[0], "中心发言")
    survey(client, people, rendered, *args)
    # Drafted by a plain member, given by another: both find it at once with the
    # keepers of the record; the rest of the group does not.
    draft = save_discussion_note(
        session,
        author=both,
        content=words[1],
        speaker=member,
        status=DiscussionNote.Status.DRAFT,
    )
    found, misses = survey(client, people, rendered, *args)
    assert found == {"member", "both", "leader", "secretary"}
    assert misses == GROUP
    save_discussion_note(
        session,
        author=secretary,
        content=words[1],
        speaker=member,
        status=DiscussionNote.Status.FINAL,
        note=draft,
    )
    found, misses = survey(client, people, rendered, *args)
    assert found == GROUP and misses == GROUP


# --- Articles and memberships ------------------------------------------------------
def test_an_unpublished_article_takes_its_notes_along(
    client, people, rendered, paragraph, member, group
):
    note(member, paragraph, group)
    assert survey(client, people, rendered)[0] == GROUP
    article = paragraph.article
    article.status = Article.Status.DRAFT
    article.save()
    index_article(article)  # what the admin does after saving an article
    found, misses = survey(client, people, rendered)
    assert found == set() and misses == EVERYONE


def test_leaving_a_group_stops_finding_its_notes_at_once(
    client, people, rendered, paragraph, member, both, group
):
    note(member, paragraph, group)
    assert survey(client, people, rendered)[0] == GROUP
    leave(both, group)
    found, misses = survey(client, people, rendered)
    # Of the other group alone now, they are served the outsider's page (the same
    # set of groups); nobody's page was rendered again.
    assert found == GROUP - {"both"} and misses == set()


# --- The index layer ---------------------------------------------------------------
def versions(*scopes):
    return read_models.versions(scopes)


def test_a_write_bumps_the_scopes_of_its_old_and_new_audience(
    paragraph, member, group, other_group
):
    own = note(member, paragraph, group)
    scopes = (
        read_models.SEARCH,
        read_models.search_group(group.pk),
        read_models.search_group(other_group.pk),
        read_models.search_person(member.pk),
    )
    before = versions(*scopes)
    edit_annotation(own, editor=member, note=WORDS[1], group=None)
    after = versions(*scopes)
    changed = {scope for scope in scopes if before[scope] != after[scope]}
    assert changed == {scopes[1], scopes[3]}  # the group it left, its author


def test_nothing_written_or_removed_bumps_nothing(paragraph, member, group):
    note(member, paragraph, group)
    scopes = (
        read_models.SEARCH,
        read_models.search_group(group.pk),
        read_models.search_person(member.pk),
    )
    before = versions(*scopes)
    # A note without replies: its replies are indexed, none is written.
    assert index_objects(REPLY.name, reply_sources(Reply.objects.none())) == 0
    remove_objects(REPLY.name, [])
    assert versions(*scopes) == before


def test_a_removal_without_its_readers_renews_every_page(
    paragraph, member, leader, group
):
    shared = note(member, paragraph, group)
    reply = reply_to_annotation(shared, author=leader, text=REPLY_WORDS[1])
    before = versions(read_models.SEARCH)
    remove_objects(REPLY.name, [reply.pk])
    assert versions(read_models.SEARCH) != before
    # Nothing left to remove: nothing renewed.
    before = versions(read_models.SEARCH, read_models.search_group(group.pk))
    remove_objects(REPLY.name, [reply.pk])
    remove_objects(NOTE.name, [])
    assert versions(read_models.SEARCH, read_models.search_group(group.pk)) == before


def test_a_first_private_note_committed_during_a_render_enters_no_shared_page(
    client, paragraph, member, leader, group, monkeypatch
):
    """The member has nothing of their own: they are given the shared entry of
    their set. Their first private note commits after ``_sees_own`` said so and
    before the search ran (another request of theirs), and bumps none of the
    entry's scopes: the entry still holds only what the set finds."""
    original = search_package.search

    def a_note_commits_meanwhile(user, *args, **kwargs):
        if user == member and not member.annotations.exists():
            # What a concurrent request's commit looks like from here: the rows,
            # and no bump of the versions this request has read.
            own = AnnotationFactory(
                author=member, paragraph=paragraph, group=None, note=WORDS[1]
            )
            only = Annotation.objects.filter(pk=own.pk)
            _write(ANNOTATION.name, annotation_sources(only))
        return original(user, *args, **kwargs)

    monkeypatch.setattr(search_package, "search", a_note_commits_meanwhile)
    assert not finds(client, member)
    # A plain member of the same group shares the member's set and asks next.
    colleague = MemberFactory(username="colleague")
    MembershipFactory(group=group, member=colleague)
    assert not finds(client, colleague)
    assert not finds(client, leader)
    # The bump of the note's commit: the author finds it at once, nobody else.
    read_models.bump_search(person_ids=[member.pk])
    assert finds(client, member)
    assert not finds(client, colleague)
