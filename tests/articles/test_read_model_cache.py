"""The reader's cached read models: every write is seen at once by everyone who
may see it and by nobody else, and no layer mixes two visibility sets.

Personas: member and leader in the group; outsider in the other group; both in
the two groups; staff in none. Each test reads the article as every persona first,
so the cache is warm, then writes through the service the pages use, then reads
again.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse
from taggit.models import Tag

from accounts import changes
from accounts.models import Membership
from articles.models import Article
from articles.reading import cache as read_models
from articles.reading.items import CSRF_SLOT
from articles.reading.layers import layers_for
from articles.services import (
    annotate_paragraph,
    delete_annotation,
    delete_reply,
    edit_annotation,
    edit_reply,
    merge_themes,
    reply_to_annotation,
    update_paragraph_text,
)
from articles.services.search import index_article

from ..factories import (
    AnnotationFactory,
    ArticleFactory,
    MemberFactory,
    MembershipFactory,
    ParagraphFactory,
)

pytestmark = pytest.mark.django_db

SHARED = "共享批注：要把学习成果转化为推动工作的实际成效。"
PRIVATE = "私人批注：这一段要在支部会上再讲一讲。"
OTHER = "外组批注：西青区的做法可以借鉴。"
NEW = "新批注：学在深处，谋在新处。"
REPLY = "回复：同意，要学在深处。"

PERSONAS = ["member", "leader", "outsider", "both", "staff"]


@pytest.fixture
def both(group, other_group):
    person = MemberFactory(username="both", display_name="孙两组")
    MembershipFactory(group=group, member=person)
    MembershipFactory(group=other_group, member=person)
    return person


@pytest.fixture
def scene(member, leader, outsider, both, staff, group, other_group):
    article = ArticleFactory(title="在推动文化传承发展上善作善成")
    paragraph = ParagraphFactory(article=article)
    shared = AnnotationFactory(
        author=member, paragraph=paragraph, group=group, note=SHARED
    )
    private = AnnotationFactory(author=member, paragraph=paragraph, note=PRIVATE)
    other = AnnotationFactory(
        author=outsider, paragraph=paragraph, group=other_group, note=OTHER
    )
    people = {
        "member": member,
        "leader": leader,
        "outsider": outsider,
        "both": both,
        "staff": staff,
    }
    return {
        "article": article,
        "paragraph": paragraph,
        "shared": shared,
        "private": private,
        "other": other,
        "people": people,
    }


def read(client, person, article) -> str:
    client.force_login(person)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def read_all(client, scene) -> dict[str, str]:
    return {
        name: read(client, person, scene["article"])
        for name, person in scene["people"].items()
    }


def who_sees(client, scene, text) -> set[str]:
    return {name for name, html in read_all(client, scene).items() if text in html}


def leader_annotates(scene, group):
    """The leader writes NEW on characters 5-9 through the service the page uses."""
    paragraph = scene["paragraph"]
    return annotate_paragraph(
        author=scene["people"]["leader"],
        paragraph=paragraph,
        start=5,
        end=9,
        quote=paragraph.text[5:9],
        note=NEW,
        group=group,
    )


def test_warm_reader_needs_fewer_queries(
    client, scene, member, django_assert_max_num_queries
):
    client.force_login(member)
    url = scene["article"].get_absolute_url()
    # As before the cache: session, user, article, paragraphs, themes, keywords,
    # groups, annotations (with authors, groups, themes, replies), cited sessions,
    # studied mark, the header's unread notifications.
    with django_assert_max_num_queries(15) as cold:
        client.get(url)
    # session, user, article, the member's groups, the studied mark: the text,
    # keywords, themes, annotations, cited sessions (the whole body) and the
    # header's unread count come from the cache.
    with django_assert_max_num_queries(5) as warm:
        response = client.get(url)
    assert len(warm) < len(cold)
    assert SHARED in response.content.decode()


def test_the_start_sees_exactly_the_visibility_rule(client, scene):
    assert who_sees(client, scene, SHARED) == {"member", "leader", "both"}
    assert who_sees(client, scene, PRIVATE) == {"member"}
    assert who_sees(client, scene, OTHER) == {"outsider", "both"}


@pytest.mark.parametrize("shared", [True, False])
def test_new_annotation_is_seen_at_once_by_those_who_may(client, scene, group, shared):
    read_all(client, scene)  # warm
    leader_annotates(scene, group if shared else None)
    expected = {"member", "leader", "both"} if shared else {"leader"}
    assert who_sees(client, scene, NEW) == expected


def test_private_to_group_and_back_is_never_served_stale(client, scene, group):
    private = scene["private"]
    member = scene["people"]["member"]
    read_all(client, scene)
    edit_annotation(private, editor=member, note=PRIVATE, group=group)
    assert who_sees(client, scene, PRIVATE) == {"member", "leader", "both"}
    edit_annotation(private, editor=member, note=PRIVATE, group=None)
    assert who_sees(client, scene, PRIVATE) == {"member"}


def test_moving_a_note_to_another_group_leaves_the_first(
    client, scene, both, group, other_group
):
    note = AnnotationFactory(
        author=both, paragraph=scene["paragraph"], group=group, note=NEW
    )
    assert who_sees(client, scene, NEW) == {"member", "leader", "both"}
    edit_annotation(note, editor=both, note=NEW, group=other_group)
    assert who_sees(client, scene, NEW) == {"outsider", "both"}


def test_edit_and_delete_of_an_annotation_reach_every_reader(client, scene):
    shared = scene["shared"]
    member = scene["people"]["member"]
    read_all(client, scene)
    edit_annotation(shared, editor=member, note=NEW, group=shared.group)
    assert who_sees(client, scene, NEW) == {"member", "leader", "both"}
    assert who_sees(client, scene, SHARED) == set()
    delete_annotation(shared, by=member)
    assert who_sees(client, scene, NEW) == set()


def test_replies_written_edited_and_deleted_reach_every_reader(client, scene):
    shared = scene["shared"]
    leader = scene["people"]["leader"]
    read_all(client, scene)
    reply = reply_to_annotation(shared, author=leader, text=REPLY)
    assert who_sees(client, scene, REPLY) == {"member", "leader", "both"}
    edit_reply(reply, editor=leader, text="回复：改过了。")
    assert who_sees(client, scene, "回复：改过了。") == {"member", "leader", "both"}
    assert who_sees(client, scene, REPLY) == set()
    delete_reply(reply, by=leader)
    assert who_sees(client, scene, "回复：改过了。") == set()


def test_a_deleted_note_keeps_its_thread_for_its_readers_only(client, scene):
    shared = scene["shared"]
    reply_to_annotation(shared, author=scene["people"]["leader"], text=REPLY)
    read_all(client, scene)
    delete_annotation(shared, by=scene["people"]["member"])
    assert who_sees(client, scene, SHARED) == set()
    assert who_sees(client, scene, REPLY) == {"member", "leader", "both"}


def test_member_leaving_a_group_stops_seeing_its_layer_at_once(client, scene, group):
    both = scene["people"]["both"]
    assert SHARED in read(client, both, scene["article"])
    Membership.objects.filter(member=both, group=group).delete()
    html = read(client, both, scene["article"])
    assert SHARED not in html
    assert OTHER in html


def test_a_note_of_a_group_one_left_stays_the_authors_own(client, scene, group):
    both = scene["people"]["both"]
    AnnotationFactory(author=both, paragraph=scene["paragraph"], group=group, note=NEW)
    assert who_sees(client, scene, NEW) == {"member", "leader", "both"}
    Membership.objects.filter(member=both, group=group).delete()
    # The rule: one's own notes, and those of one's groups.
    assert who_sees(client, scene, NEW) == {"member", "leader", "both"}
    assert SHARED not in read(client, both, scene["article"])


def test_joining_a_group_shows_its_layer_at_once(client, scene, other_group):
    member = scene["people"]["member"]
    assert OTHER not in read(client, member, scene["article"])
    MembershipFactory(group=other_group, member=member)
    assert OTHER in read(client, member, scene["article"])


def test_unpublished_article_is_not_served_from_the_cache(client, scene):
    article = scene["article"]
    read_all(client, scene)
    article.status = Article.Status.DRAFT
    article.save()
    index_article(article)  # what the admin does after saving an article
    for name in ["member", "leader", "outsider", "both"]:
        client.force_login(scene["people"][name])
        assert client.get(article.get_absolute_url()).status_code == 404


def test_paragraph_edit_reaches_text_and_highlights(client, scene):
    paragraph = scene["paragraph"]
    read_all(client, scene)
    update_paragraph_text(paragraph, "全新的段落文字，与原文毫不相同。")
    html = read(client, scene["people"]["leader"], scene["article"])
    assert "全新的段落文字" in html
    assert (
        "学不厌精，探赜钩深"
        not in html.split('class="reader__body"')[1].split("note__quote")[0]
    )
    # The quote is gone from the text: the shared note is listed apart, detached.
    assert "note--detached" in html
    assert SHARED in html


def test_index_article_refreshes_the_cached_text(client, scene):
    article = scene["article"]
    read_all(client, scene)
    ParagraphFactory(article=article, text="新增的一段：推进中国式现代化。")
    index_article(article)
    assert who_sees(client, scene, "新增的一段") == set(PERSONAS)


def test_theme_merge_and_rename_reach_the_layers(client, scene):
    shared = scene["shared"]
    shared.tags.add("文化自信")
    scene["private"].tags.add("私人主题")
    assert who_sees(client, scene, "文化自信") == {"member", "leader", "both"}
    merge_themes([Tag.objects.get(name="文化自信")], "深学细悟")
    assert who_sees(client, scene, "深学细悟") == {"member", "leader", "both"}
    assert who_sees(client, scene, "文化自信") == set()
    assert who_sees(client, scene, "私人主题") == {"member"}


def test_a_renamed_member_is_renamed_in_cached_layers(client, scene):
    member = scene["people"]["member"]
    assert "王成员" in read(client, scene["people"]["leader"], scene["article"])
    member.display_name = "王新名"
    member.save()
    changes.announce("member", member_id=member.pk)  # as the admin does
    html = read(client, scene["people"]["leader"], scene["article"])
    assert "王新名" in html
    assert "王成员" not in html


def test_own_links_and_csrf_are_per_viewer_not_cached(client, scene):
    shared = scene["shared"]
    edit_url = reverse("articles:annotation_edit", args=[shared.pk])
    leader_html = read(client, scene["people"]["leader"], scene["article"])
    member_html = read(client, scene["people"]["member"], scene["article"])
    assert edit_url in member_html
    assert edit_url not in leader_html
    for html in (leader_html, member_html):
        assert CSRF_SLOT not in html
        assert 'name="csrfmiddlewaretoken" value=""' not in html


def test_a_reply_posted_through_the_cached_form_is_accepted(client, scene):
    leader = scene["people"]["leader"]
    client = client.__class__(enforce_csrf_checks=True)
    html = read(client, leader, scene["article"])
    html = read(client, leader, scene["article"])  # from the cache
    action = reverse("articles:reply_create", args=[scene["shared"].pk])
    form = html.split(f'action="{action}"')[1]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(action, {"text": REPLY, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert who_sees(client, scene, REPLY) == {"member", "leader", "both"}


def test_layers_never_mix_visibility_sets(scene, group, other_group):
    article, paragraph = scene["article"], scene["paragraph"]
    member, both = scene["people"]["member"], scene["people"]["both"]

    def notes_of(layer):
        return {n.pk for notes in layer.notes.values() for n in notes}

    group_layer, own_layer = layers_for(member, article, [paragraph], [group.pk])
    assert notes_of(group_layer) == {scene["shared"].pk}
    assert notes_of(own_layer) == {scene["private"].pk}
    # The same group's layer is the one cached for every member of it.
    [a, b, own] = layers_for(both, article, [paragraph], [group.pk, other_group.pk])
    assert notes_of(a) == {scene["shared"].pk}
    assert notes_of(b) == {scene["other"].pk}
    assert notes_of(own) == set()
    assert PRIVATE not in repr(a) + repr(b) + repr(own)


def test_bump_renews_the_version_now_and_on_commit(
    django_capture_on_commit_callbacks,
):
    scope = read_models.article(1)
    first = read_models.versions([scope])[scope]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        read_models.bump(scope)
        during = read_models.versions([scope])[scope]
    assert len(callbacks) == 1
    after = read_models.versions([scope])[scope]
    assert len({first, during, after}) == 3


def test_a_bump_in_a_transaction_is_written_once_unless_read_before_the_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    scope, other = read_models.article(1), read_models.article(2)
    first = read_models.versions([scope, other])
    written = []
    set_many = cache.set_many
    monkeypatch.setattr(
        cache,
        "set_many",
        lambda data, **kw: (written.append(set(data)), set_many(data, **kw)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        read_models.bump(scope)
        assert written == []  # nothing read yet: renewed when it commits
    assert written == [{read_models._version_key(scope)}]
    assert read_models.versions([scope])[scope] != first[scope]
    written.clear()
    with django_capture_on_commit_callbacks(execute=True):
        read_models.bump(other)
        # Read again in the same transaction: renewed at once, for this read.
        during = read_models.versions([other])[other]
        assert during != first[other]
        assert written == [{read_models._version_key(other)}]
    assert len(written) == 2  # and again on commit
    assert read_models.versions([other])[other] not in {first[other], during}


def test_a_dropped_version_never_returns_to_an_old_one():
    scope = read_models.article_group(1, 2)
    first = read_models.versions([scope])[scope]
    cache.delete(read_models._version_key(scope))
    assert read_models.versions([scope])[scope] != first


def test_a_dissolved_group_s_notes_become_their_authors_private_ones(
    client, scene, group
):
    both = scene["people"]["both"]
    AnnotationFactory(author=both, paragraph=scene["paragraph"], group=group, note=NEW)
    Membership.objects.filter(member=both, group=group).delete()  # left before
    assert who_sees(client, scene, NEW) == {"member", "leader", "both"}
    group_id = group.pk
    group.delete()
    changes.announce("group_deleted", group_id=group_id)  # as the admin does
    assert who_sees(client, scene, NEW) == {"both"}
    assert SHARED in read(client, scene["people"]["member"], scene["article"])


# Home's recent activity, cached per group and per member's own part.


def home_of(client, person) -> str:
    client.force_login(person)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def who_sees_at_home(client, scene, text) -> set[str]:
    return {
        name
        for name, person in scene["people"].items()
        if text in home_of(client, person)
    }


def test_home_activity_follows_annotations_and_replies(client, scene, group):
    assert who_sees_at_home(client, scene, SHARED[:20]) == {"member", "leader", "both"}
    assert who_sees_at_home(client, scene, OTHER[:10]) == {"outsider", "both"}
    assert who_sees_at_home(client, scene, PRIVATE[:10]) == set()
    leader_annotates(scene, group)
    assert who_sees_at_home(client, scene, NEW) == {"member", "leader", "both"}
    reply_to_annotation(scene["shared"], author=scene["people"]["both"], text=REPLY)
    assert who_sees_at_home(client, scene, REPLY) == {"member", "leader", "both"}
    # A shared note made private leaves its group's activity.
    edit_annotation(scene["shared"], editor=scene["people"]["member"], note=SHARED)
    assert who_sees_at_home(client, scene, SHARED[:20]) == set()
    assert who_sees_at_home(client, scene, REPLY) == {"member"}


def test_home_activity_of_a_group_one_left_is_gone_at_once(client, scene, group):
    both = scene["people"]["both"]
    assert SHARED[:20] in home_of(client, both)
    Membership.objects.filter(member=both, group=group).delete()
    html = home_of(client, both)
    assert SHARED[:20] not in html
    assert OTHER[:10] in html


def test_home_activity_follows_article_titles_and_status(client, scene):
    article = scene["article"]
    assert who_sees_at_home(client, scene, article.title) >= {"member", "leader"}
    article.title = "在学思践悟上下功夫"
    article.save()
    index_article(article)
    assert who_sees_at_home(client, scene, "在学思践悟上下功夫") >= {"member", "leader"}
    article.status = Article.Status.DRAFT
    article.save()
    index_article(article)
    assert who_sees_at_home(client, scene, SHARED[:20]) == set()


def test_a_write_bumps_exactly_the_scopes_it_changes(scene, group, other_group):
    article = scene["article"]
    elsewhere = ArticleFactory()
    leader, member = scene["people"]["leader"], scene["people"]["member"]
    changed = [
        read_models.article_group(article.pk, group.pk),
        read_models.article_member(article.pk, leader.pk),
        read_models.activity(group.pk),
        read_models.member(leader.pk),
    ]
    kept = [
        read_models.article(article.pk),
        read_models.article_group(article.pk, other_group.pk),
        read_models.article_member(article.pk, member.pk),
        read_models.article_group(elsewhere.pk, group.pk),
        read_models.group(group.pk),
        read_models.activity(other_group.pk),
        read_models.PEOPLE,
        read_models.LIBRARY,
    ]
    before = read_models.versions(changed + kept)
    leader_annotates(scene, group)
    after = read_models.versions(changed + kept)
    assert [s for s in changed if before[s] == after[s]] == []
    assert [s for s in kept if before[s] != after[s]] == []


def test_a_member_deleted_in_the_admin_takes_their_notes_off_every_cached_page(
    client, scene, group
):
    """Their notes go with them (CASCADE): the reader, home and search of the
    group, read before, show them no more. Nothing names which pages held them
    once the rows are gone, so the deletion renews every read model."""
    leader_annotates(scene, group)
    member = scene["people"]["member"]
    pages = [
        scene["article"].get_absolute_url(),
        reverse("home"),
        reverse("articles:search") + "?q=学在深处",
    ]

    def seen(url) -> bool:
        client.force_login(member)
        # Not the words searched for: the results mark those.
        return "谋在新处" in client.get(url).content.decode()

    assert [url for url in pages if not seen(url)] == []
    admin = MemberFactory(username="root", is_staff=True, is_superuser=True)
    editor = client.__class__()
    editor.force_login(admin)
    leader = scene["people"]["leader"]
    response = editor.post(
        reverse("admin:accounts_member_delete", args=[leader.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not type(leader).objects.filter(pk=leader.pk).exists()
    assert [url for url in pages if seen(url)] == []
