"""The reader's body cached whole per visibility set (articles/reading/body.py).

The cached page is byte for byte the page rendered paragraph by paragraph (CSRF
tokens aside), for every persona, before and after writes; each write is seen on
the next read by everyone who may see it and by nobody else; a private note never
enters an entry shared by a visibility set; warm, the page needs a fixed handful of
queries.

Personas: member, leader and secretary of the group; outsider in the other group;
both in the two groups (with private notes); staff in no group.
"""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import _does_token_match
from django.urls import reverse
from taggit.models import Tag

from accounts import changes
from accounts.models import Membership
from articles.models import Article
from articles.reading import body as reader_body
from articles.reading.items import CSRF_SLOT
from articles.services import (
    annotate_paragraph,
    delete_annotation,
    delete_discussion_note,
    delete_reply,
    edit_annotation,
    mark_article_studied,
    merge_themes,
    reply_to_annotation,
    save_discussion_note,
    unmark_article_studied,
    update_paragraph_text,
    update_session,
)
from articles.services.search import index_article
from articles.views import materials

from ..factories import (
    AnnotationFactory,
    ArticleFactory,
    MemberFactory,
    MembershipFactory,
    ParagraphFactory,
)
from .sessions_support import make_session

pytestmark = pytest.mark.django_db

SHARED = "共享批注：把学习成果转化为实际成效。"
PRIVATE = "私人批注：支部会上再讲一讲。"
OTHER = "外组批注：西青区的做法可以借鉴。"
NEW = "新批注：学在深处，谋在新处。"
REPLY = "回复：同意，要学在深处。"
TOPIC = "以学铸魂专题研讨"


@pytest.fixture
def both(group, other_group):
    person = MemberFactory(username="both", display_name="孙两组")
    MembershipFactory(group=group, member=person)
    MembershipFactory(group=other_group, member=person)
    return person


@pytest.fixture
def scene(member, leader, secretary, outsider, both, staff, group, other_group):
    article = ArticleFactory(title="在推动文化传承发展上善作善成")
    ParagraphFactory(article=article, kind="heading", text="一、坚持守正创新")
    paragraphs = [
        ParagraphFactory(
            article=article, text=f"第{n}段：推进<文化>自信 & 铸就新辉煌。"
        )
        for n in range(1, 4)
    ]
    first = paragraphs[0]

    def note(author, text, group=None, paragraph=first, start=2, end=8, themes=()):
        return annotate_paragraph(
            author=author,
            paragraph=paragraph,
            start=start,
            end=end,
            quote=paragraph.text[start:end],
            note=text,
            themes=list(themes),
            group=group,
        )

    shared = note(member, SHARED, group, themes=["文化自信"])
    reply_to_annotation(shared, author=leader, text="组长的回复")
    note(both, PRIVATE, None, start=4, end=10, themes=["私人主题"])
    note(outsider, OTHER, other_group, paragraph=paragraphs[1])
    people = {
        "member": member,
        "leader": leader,
        "secretary": secretary,
        "outsider": outsider,
        "both": both,
        "staff": staff,
    }
    return {
        "article": article,
        "paragraphs": paragraphs,
        "shared": shared,
        "note": note,
        "people": people,
    }


def read(client, person, article, query="") -> str:
    client.force_login(person)
    response = client.get(article.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def who_sees(client, scene, text) -> set[str]:
    return {
        name
        for name, person in scene["people"].items()
        if text in read(client, person, scene["article"])
    }


_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def masked(html: str) -> str:
    assert _TOKEN.search(html)
    return _TOKEN.sub('name="csrfmiddlewaretoken" value="…"', html)


def per_paragraph(client, monkeypatch, person, article) -> str:
    """The page as the filtered reader renders it, with no filter: paragraph by
    paragraph, nothing of the body cached."""
    with monkeypatch.context() as patched:
        patched.setattr(materials, "_filtered", lambda request: True)
        return read(client, person, article)


def assert_same_pages(client, monkeypatch, scene, names):
    for name in names:
        person = scene["people"][name]
        expected = masked(per_paragraph(client, monkeypatch, person, scene["article"]))
        cold = masked(read(client, person, scene["article"]))
        warm = masked(read(client, person, scene["article"]))
        assert cold == expected, name
        assert warm == expected, name


# --- The cached body is the page rendered paragraph by paragraph -------------------


def test_cached_body_is_byte_for_byte_the_per_paragraph_page(
    client, monkeypatch, scene, group, other_group
):
    article, paragraphs = scene["article"], scene["paragraphs"]
    people = scene["people"]
    session = make_session(group, article=article, topic=TOPIC)
    save_discussion_note(
        session,
        author=people["secretary"],
        content="发言：要坚持以文化人。",
        speaker=people["leader"],
        cited_paragraphs=[paragraphs[1]],
    )
    names = ["both", "member", "outsider", "staff"]
    assert_same_pages(client, monkeypatch, scene, names)

    # Writes of each kind, then the same comparison.
    scene["note"](people["both"], NEW, other_group, paragraph=paragraphs[2])
    reply_to_annotation(scene["shared"], author=people["both"], text=REPLY)
    edit_annotation(scene["shared"], editor=people["member"], note=SHARED, group=None)
    update_paragraph_text(paragraphs[1], "全新的段落文字，与原文毫不相同。")
    update_session(session, author=people["secretary"], topic="新的研讨主题")
    assert_same_pages(client, monkeypatch, scene, names)
    html = read(client, people["both"], article)  # OTHER's passage is gone
    assert "note--detached" in html and "新的研讨主题" in html


def test_a_draft_is_a_404_on_both_paths_for_members_and_the_same_page_for_staff(
    client, monkeypatch, scene
):
    article = scene["article"]
    article.status = Article.Status.DRAFT
    article.save()
    index_article(article)
    for name in ["member", "outsider", "both"]:
        client.force_login(scene["people"][name])
        assert client.get(article.get_absolute_url()).status_code == 404
        with monkeypatch.context() as patched:
            patched.setattr(materials, "_filtered", lambda request: True)
            assert client.get(article.get_absolute_url()).status_code == 404
    assert_same_pages(client, monkeypatch, scene, ["staff"])


def test_filtered_and_searched_views_are_rendered_per_paragraph(client, scene):
    both = scene["people"]["both"]
    article = scene["article"]
    read(client, both, article)
    reader_body.recent.clear()
    cache.clear()
    filtered = read(client, both, article, f"?member={scene['people']['member'].pk}")
    assert SHARED in filtered and PRIVATE not in filtered and OTHER not in filtered
    searched = read(client, both, article, "?q=文化")
    assert 'class="search-hit"' in searched
    assert not reader_body.recent.entries  # neither read the body's entry


# --- Every write is seen at once by who may see it, by nobody else ------------------

GROUP_READERS = {"member", "leader", "secretary", "both"}
OTHER_READERS = {"outsider", "both"}


def test_the_start_sees_exactly_the_visibility_rule(client, scene):
    assert who_sees(client, scene, SHARED) == GROUP_READERS
    assert who_sees(client, scene, PRIVATE) == {"both"}
    assert who_sees(client, scene, OTHER) == OTHER_READERS


@pytest.mark.parametrize("shared", [True, False])
def test_annotate(client, scene, group, shared):
    who_sees(client, scene, SHARED)  # every persona's body cached
    scene["note"](scene["people"]["leader"], NEW, group if shared else None)
    assert who_sees(client, scene, NEW) == (GROUP_READERS if shared else {"leader"})


def test_edit_and_delete(client, scene):
    shared, member = scene["shared"], scene["people"]["member"]
    who_sees(client, scene, SHARED)
    edit_annotation(shared, editor=member, note=NEW, group=shared.group)
    assert who_sees(client, scene, NEW) == GROUP_READERS
    assert who_sees(client, scene, SHARED) == set()
    delete_annotation(shared, by=member)
    assert who_sees(client, scene, NEW) == set()
    # The deleted note keeps its thread for the group.
    assert who_sees(client, scene, "组长的回复") == GROUP_READERS


def test_reply_and_reply_delete(client, scene):
    both = scene["people"]["both"]
    who_sees(client, scene, SHARED)
    reply = reply_to_annotation(scene["shared"], author=both, text=REPLY)
    assert who_sees(client, scene, REPLY) == GROUP_READERS
    delete_reply(reply, by=both)
    assert who_sees(client, scene, REPLY) == set()


def test_private_to_group_and_back(client, scene, group, other_group):
    member = scene["people"]["member"]
    shared = scene["shared"]
    who_sees(client, scene, SHARED)
    edit_annotation(shared, editor=member, note=SHARED, group=None)
    assert who_sees(client, scene, SHARED) == {"member"}
    edit_annotation(shared, editor=member, note=SHARED, group=group)
    assert who_sees(client, scene, SHARED) == GROUP_READERS


def test_a_member_leaving_a_group_through_the_accounts_hook(client, scene, group):
    both = scene["people"]["both"]
    who_sees(client, scene, SHARED)
    Membership.objects.filter(member=both, group=group).delete()
    changes.announce("membership", member_id=both.pk, group_id=group.pk)
    assert who_sees(client, scene, SHARED) == GROUP_READERS - {"both"}
    html = read(client, both, scene["article"])
    assert OTHER in html and PRIVATE in html
    # The group is no longer offered in their annotate forms.
    assert f'<option value="{group.pk}">' not in html
    assert f'<option value="{group.pk}">' in read(
        client, scene["people"]["member"], scene["article"]
    )


def test_a_renamed_group_is_renamed_in_the_annotate_forms(client, scene, group):
    who_sees(client, scene, SHARED)
    group.name = "中共天津市南开区委宣传部理论学习中心组"
    group.save()
    changes.announce("group", group_id=group.pk)  # as the admin does
    assert who_sees(client, scene, "南开区委宣传部") == GROUP_READERS


def test_article_unpublished_and_paragraphs_edited(client, scene):
    article, paragraph = scene["article"], scene["paragraphs"][2]
    who_sees(client, scene, SHARED)
    update_paragraph_text(paragraph, "改写后的第三段：守正创新。")
    assert who_sees(client, scene, "改写后的第三段") == set(scene["people"])
    article.status = Article.Status.DRAFT
    article.save()
    index_article(article)  # what the admin does after saving an article
    for name in ["member", "leader", "secretary", "outsider", "both"]:
        client.force_login(scene["people"][name])
        assert client.get(article.get_absolute_url()).status_code == 404
    assert "改写后的第三段" in read(client, scene["people"]["staff"], article)


def test_theme_merge(client, scene):
    assert who_sees(client, scene, "文化自信") == GROUP_READERS
    merge_themes([Tag.objects.get(name="文化自信")], "深学细悟")
    assert who_sees(client, scene, "深学细悟") == GROUP_READERS
    assert who_sees(client, scene, "文化自信") == set()
    assert who_sees(client, scene, "私人主题") == {"both"}


def test_a_session_citing_a_paragraph(client, scene, group):
    article, paragraphs = scene["article"], scene["paragraphs"]
    people = scene["people"]
    session = make_session(group, article=article, topic=TOPIC)
    assert who_sees(client, scene, TOPIC) == set()
    speech = save_discussion_note(
        session,
        author=people["secretary"],
        content="发言：坚持以文化人。",
        speaker=people["leader"],
        cited_paragraphs=[paragraphs[2]],
    )
    assert who_sees(client, scene, TOPIC) == GROUP_READERS
    url = reverse("articles:session_detail", args=[session.pk])
    blocks = read(client, people["member"], article).split('<div class="para-block')
    cited = f'data-paragraph="{paragraphs[2].pk}"'
    # Under the cited paragraph, and no other.
    assert [url in block for block in blocks if cited in block] == [True]
    assert sum(url in block for block in blocks) == 1
    update_session(session, author=people["secretary"], topic="新的研讨主题")
    assert who_sees(client, scene, "新的研讨主题") == GROUP_READERS
    assert who_sees(client, scene, TOPIC) == set()
    delete_discussion_note(speech, author=people["secretary"])
    assert who_sees(client, scene, "新的研讨主题") == set()


def test_a_draft_speech_cites_nothing_until_final(client, scene, group):
    people = scene["people"]
    session = make_session(group, article=scene["article"], topic=TOPIC)
    speech = save_discussion_note(
        session,
        author=people["secretary"],
        content="发言：草稿。",
        speaker=people["leader"],
        cited_paragraphs=[scene["paragraphs"][0]],
        status="draft",
    )
    assert who_sees(client, scene, TOPIC) == set()
    save_discussion_note(
        session,
        author=people["secretary"],
        content="发言：定稿。",
        speaker=people["leader"],
        cited_paragraphs=[scene["paragraphs"][0]],
        note=speech,
    )
    assert who_sees(client, scene, TOPIC) == GROUP_READERS


def test_the_studied_mark_is_the_reader_s_own(client, scene):
    member, leader = scene["people"]["member"], scene["people"]["leader"]
    entries = entries_read(client, scene)
    mark_article_studied(member, scene["article"])
    assert who_sees(client, scene, "studied-mark") == {"member"}
    # The body the two share is the same entry as before.
    assert entries_read(client, scene)["leader"] == entries["leader"]
    assert entries["member"] == entries["leader"]
    unmark_article_studied(member, scene["article"])
    assert who_sees(client, scene, "studied-mark") == set()
    assert "studied-mark" not in read(client, leader, scene["article"])


def test_the_head_is_rendered_once_per_body_and_studied_mark(
    client, scene, monkeypatch
):
    """The page's head (title, themes, keywords, actions, the filter) is kept per
    body entry and studied mark; each reader's form carries their own token."""
    member, leader = scene["people"]["member"], scene["people"]["leader"]
    rendered = []
    render = reader_body.render_to_string

    def counted(name, *args, **kwargs):
        if name == reader_body.HEAD:
            rendered.append(name)
        return render(name, *args, **kwargs)

    monkeypatch.setattr(reader_body, "render_to_string", counted)
    monkeypatch.setattr(reader_body, "_heads", {})
    pages = {}
    for person in (member, leader):
        pages[person.username] = read(client, person, scene["article"])
        secret = client.cookies[settings.CSRF_COOKIE_NAME].value
        studied_form = pages[person.username].split('class="studied-form"')[1]
        assert CSRF_SLOT not in pages[person.username]
        # The form's token is one of this session's (masked per request).
        value = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', studied_form)
        assert value and _does_token_match(value[1], secret)
    assert len(rendered) == 1  # the same body, neither has studied
    mark_article_studied(member, scene["article"])
    assert 'name="undo"' in read(client, member, scene["article"])
    assert 'name="undo"' not in read(client, leader, scene["article"])
    assert len(rendered) == 2  # the member's studied head; the leader's kept
    for person in (member, leader):
        read(client, person, scene["article"])
    assert len(rendered) == 2


# --- Entries never mix visibility sets ----------------------------------------------


def entries_read(client, scene) -> dict[str, str]:
    """Persona → the key of the body entry their page was made of."""
    found = {}
    for name, person in scene["people"].items():
        reader_body.recent.clear()
        read(client, person, scene["article"])
        [found[name]] = reader_body.recent.entries
    return found


def stored(key) -> bytes:
    """The entry as the shared cache holds it, with nobody's own links."""
    body = cache.get(key)
    assert body is not None
    return b"".join(body.parts)


def test_a_private_note_never_enters_a_shared_entry(client, scene, group):
    entries = entries_read(client, scene)
    # Member, leader and secretary share one entry; "both" has notes outside
    # their groups: their entry is theirs alone; outsider and staff one each.
    assert entries["member"] == entries["leader"] == entries["secretary"]
    assert len(set(entries.values())) == 4
    for name, key in entries.items():
        assert (PRIVATE.encode() in stored(key)) == (name == "both")
    # A shared entry holds no one's edit links: they are put in per request.
    edit = reverse("articles:annotation_edit", args=[scene["shared"].pk])
    assert edit.encode() not in stored(entries["member"])


def test_own_edit_links_are_only_the_owner_s(client, scene):
    edit = reverse("articles:annotation_edit", args=[scene["shared"].pk])
    people = scene["people"]
    member_html = read(client, people["member"], scene["article"])
    leader_html = read(client, people["leader"], scene["article"])
    secretary_html = read(client, people["secretary"], scene["article"])
    assert edit in member_html
    assert edit not in leader_html and edit not in secretary_html
    # The keeper's reply in the shared thread: their edit link, nobody else's.
    reply = scene["shared"].replies.get()
    reply_edit = reverse("articles:reply_edit", args=[reply.pk])
    assert reply_edit in leader_html
    assert reply_edit not in member_html and reply_edit not in secretary_html


def test_a_group_s_body_is_never_served_to_another_group(client, scene, other_group):
    outsider_html = read(client, scene["people"]["outsider"], scene["article"])
    assert SHARED not in outsider_html and "组长的回复" not in outsider_html
    member_html = read(client, scene["people"]["member"], scene["article"])
    assert OTHER not in member_html
    assert f'<option value="{other_group.pk}">' not in member_html


def test_a_member_with_private_notes_gets_their_own_entry_then_the_shared_one(
    client, scene
):
    member = scene["people"]["member"]
    shared_before = entries_read(client, scene)["leader"]
    private = scene["note"](member, NEW, None, start=3, end=6)
    entries = entries_read(client, scene)
    assert entries["member"] != entries["leader"] == shared_before
    assert NEW.encode() in stored(entries["member"])
    assert NEW.encode() not in stored(entries["leader"])
    delete_annotation(private, by=member)
    entries = entries_read(client, scene)
    assert entries["member"] == entries["leader"] == entries["secretary"]


# --- Queries ------------------------------------------------------------------------


def test_warm_reader_queries_are_few_and_independent_of_the_data(
    client, scene, group, django_assert_max_num_queries
):
    both = scene["people"]["both"]
    url = scene["article"].get_absolute_url()
    client.force_login(both)
    client.get(url)
    # session, user, article, the member's groups, the studied mark.
    with django_assert_max_num_queries(5):
        html = client.get(url).content.decode()
    assert SHARED in html
    cache.clear()  # factories below bypass the bumps
    for n in range(30):
        AnnotationFactory(
            author=scene["people"]["member"],
            paragraph=scene["paragraphs"][n % 3],
            group=group,
            note=f"批注{n}",
        )
    client.get(url)
    with django_assert_max_num_queries(5):
        html = client.get(url).content.decode()
    assert "批注29" in html
