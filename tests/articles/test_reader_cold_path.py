"""The reader's read after a write (articles/reading/layers.py, body.py).

After a write, a group's layer and the body are built again, but what did not
change is reused by content: the items' segments and the paragraphs' highlights
(``layers.segments_seen``, keyed by everything they show) and the "discussed at"
links (kept apart from the body, under the groups' discussions versions). These
tests hold that the page after any write is byte for byte the page built from
nothing (every cache and memo emptied), for every persona; that writes to two
paragraphs are both seen by everyone who may see them and by nobody else; and
that no visibility change (private↔group, leaving a group, unpublishing) is ever
served stale.

Personas and the scene: tests/articles/test_reader_body_cache.py.
"""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from accounts import changes
from accounts.models import Membership
from articles.models import Annotation, Article
from articles.reading import body as reader_body
from articles.reading import layers
from articles.services import (
    delete_annotation,
    delete_reply,
    edit_annotation,
    reply_to_annotation,
    save_discussion_note,
    update_session,
)
from articles.services.search import index_article

from . import test_reader_body_cache as body_tests
from .sessions_support import make_session
from .test_reader_body_cache import (
    GROUP_READERS,
    NEW,
    PRIVATE,
    REPLY,
    SHARED,
    TOPIC,
    masked,
    read,
    who_sees,
)

pytestmark = pytest.mark.django_db

# The scene and its personas (fixtures).
both = body_tests.both
scene = body_tests.scene

NAMES = ["member", "leader", "secretary", "outsider", "both", "staff"]
IN_P = "第二段的新批注：以学铸魂。"
IN_Q = "第三段的新批注：以学增智。"


def forget_everything() -> None:
    cache.clear()
    reader_body.recent.clear()
    layers.segments_seen.clear()


def pages(client, scene) -> dict[str, str]:
    return {
        name: masked(read(client, scene["people"][name], scene["article"]))
        for name in NAMES
    }


def assert_as_built_from_nothing(client, scene) -> None:
    """Each persona's page, read now (memos warm, the write's versions bumped),
    is the page built with every cache and memo empty."""
    now = pages(client, scene)
    forget_everything()
    assert pages(client, scene) == now


# --- Two writes to two paragraphs ---------------------------------------------------


def test_writes_to_two_paragraphs_are_both_seen_by_who_may_see_them(
    client, scene, group
):
    people, (_, p, q) = scene["people"], scene["paragraphs"]
    who_sees(client, scene, SHARED)  # every persona's body and layers cached
    scene["note"](people["member"], IN_P, group, paragraph=p)
    assert who_sees(client, scene, IN_P) == GROUP_READERS
    scene["note"](people["leader"], IN_Q, group, paragraph=q, start=1, end=5)
    assert who_sees(client, scene, IN_P) == GROUP_READERS
    assert who_sees(client, scene, IN_Q) == GROUP_READERS
    scene["note"](people["member"], NEW, None, paragraph=q, start=3, end=7)
    assert who_sees(client, scene, NEW) == {"member"}
    assert who_sees(client, scene, IN_Q) == GROUP_READERS
    assert_as_built_from_nothing(client, scene)
    # Each in its own paragraph's block.
    blocks = read(client, people["both"], scene["article"]).split(
        '<div class="para-block'
    )
    for text, paragraph in [(IN_P, p), (IN_Q, q)]:
        inside = [text in b for b in blocks if f'data-paragraph="{paragraph.pk}"' in b]
        assert inside == [True]
        assert sum(text in b for b in blocks) == 1


def test_the_page_after_each_kind_of_write_is_the_page_built_from_nothing(
    client, scene, group, other_group
):
    people, shared = scene["people"], scene["shared"]
    session = make_session(group, article=scene["article"], topic=TOPIC)
    save_discussion_note(
        session,
        author=people["secretary"],
        content="发言：要坚持以文化人。",
        speaker=people["leader"],
        cited_paragraphs=[scene["paragraphs"][1]],
    )
    assert_as_built_from_nothing(client, scene)
    writes = [
        lambda: scene["note"](people["both"], NEW, other_group),
        lambda: reply_to_annotation(shared, author=people["both"], text=REPLY),
        lambda: edit_annotation(
            shared, editor=people["member"], note="改过的共享批注", group=group
        ),
        lambda: edit_annotation(
            shared,
            editor=people["member"],
            note="改过的共享批注",
            group=group,
            themes=["以学增智"],
        ),
        lambda: delete_reply(shared.replies.order_by("pk").last(), by=people["both"]),
        lambda: update_session(session, author=people["secretary"], topic="新主题"),
        lambda: delete_annotation(shared, by=people["member"]),
    ]
    for write in writes:
        write()
        assert_as_built_from_nothing(client, scene)


def test_a_renamed_author_is_renamed_in_every_reused_item(client, scene, group):
    member = scene["people"]["member"]
    who_sees(client, scene, SHARED)
    member.display_name = "李改名"
    member.save()
    changes.announce("member", member_id=member.pk)  # as the accounts views do
    assert who_sees(client, scene, "李改名") == GROUP_READERS
    assert_as_built_from_nothing(client, scene)


def test_the_items_reused_are_those_of_the_same_time_zone(client, scene):
    """An item's segments are found by their dates and time zone: in another
    zone they are rendered again (their time labels differ)."""
    member = scene["people"]["member"]
    here = masked(read(client, member, scene["article"]))
    with override_settings(TIME_ZONE="America/New_York"):
        cache.clear()  # the segments memo kept
        there = masked(read(client, member, scene["article"]))
        forget_everything()
        assert masked(read(client, member, scene["article"])) == there
    assert there != here


# --- A private note never in a shared piece -----------------------------------------


def shared_bodies(client, scene) -> bytes:
    """The body entries read by the leader and the secretary (no notes of their
    own: entries shared by their visibility set), nobody's own links in."""
    held = b""
    for name in ["leader", "secretary"]:
        reader_body.recent.clear()
        read(client, scene["people"][name], scene["article"])
        [(body, _)] = reader_body.recent.entries.values()
        held += b"".join(body.parts)
    return held


def test_a_private_note_is_never_in_a_group_s_layer_or_shared_body(
    client, scene, group
):
    member = scene["people"]["member"]
    who_sees(client, scene, SHARED)
    scene["note"](member, NEW, None, paragraph=scene["paragraphs"][1])
    assert who_sees(client, scene, NEW) == {"member"}
    paragraphs = [p for p in scene["article"].paragraphs.all()]
    for layer in layers.layers_for(member, scene["article"], paragraphs, [group.pk])[
        :-1
    ]:
        for notes in layer.notes.values():
            assert all(not n.is_private for n in notes)
            assert all(NEW not in "".join(map(str, n.segments)) for n in notes)
    held = shared_bodies(client, scene)
    assert SHARED.encode() in held
    assert NEW.encode() not in held and PRIVATE.encode() not in held


# --- Visibility changes are never stale ---------------------------------------------


def test_private_to_group_and_back_after_reused_items(client, scene, group):
    member, shared = scene["people"]["member"], scene["shared"]
    who_sees(client, scene, SHARED)
    for _ in range(2):
        edit_annotation(shared, editor=member, note=SHARED, group=None)
        assert who_sees(client, scene, SHARED) == {"member"}
        assert who_sees(client, scene, "组长的回复") == {"member"}
        edit_annotation(shared, editor=member, note=SHARED, group=group)
        assert who_sees(client, scene, SHARED) == GROUP_READERS
    assert_as_built_from_nothing(client, scene)


def test_a_member_leaving_loses_the_notes_and_the_sessions_at_once(
    client, scene, group
):
    person, article = scene["people"]["both"], scene["article"]
    session = make_session(group, article=article, topic=TOPIC)
    save_discussion_note(
        session,
        author=scene["people"]["secretary"],
        content="发言：坚持以文化人。",
        speaker=scene["people"]["leader"],
        cited_paragraphs=[scene["paragraphs"][2]],
    )
    assert who_sees(client, scene, TOPIC) == GROUP_READERS
    scene["note"](scene["people"]["leader"], IN_Q, group)  # a write, then leave
    assert TOPIC in read(client, person, article)
    Membership.objects.filter(member=person, group=group).delete()
    changes.announce("membership", member_id=person.pk, group_id=group.pk)
    html = read(client, person, article)
    assert SHARED not in html and IN_Q not in html and TOPIC not in html
    assert PRIVATE in html
    assert who_sees(client, scene, TOPIC) == GROUP_READERS - {"both"}
    url = reverse("articles:session_detail", args=[session.pk])
    assert url not in html


def test_unpublished_after_a_write_is_a_404_for_members(client, scene, group):
    article = scene["article"]
    who_sees(client, scene, SHARED)
    scene["note"](scene["people"]["member"], NEW, group)
    assert who_sees(client, scene, NEW) == GROUP_READERS
    article.status = Article.Status.DRAFT
    article.save()
    index_article(article)  # what the admin does after saving an article
    for name in ["member", "leader", "secretary", "outsider", "both"]:
        client.force_login(scene["people"][name])
        assert client.get(article.get_absolute_url()).status_code == 404
    # Staff, in no group, preview the draft: without the group's notes.
    staff_html = read(client, scene["people"]["staff"], article)
    assert article.title in staff_html and NEW not in staff_html


# --- What the read after a write costs ----------------------------------------------


def test_the_read_after_a_write_renders_only_the_new_item(
    client, scene, group, monkeypatch
):
    """Every other item and paragraph block is reused: one item rendered for the
    new note, one block for its paragraph."""
    member = scene["people"]["member"]
    for n in range(12):
        scene["note"](
            member, f"批注{n}", group, paragraph=scene["paragraphs"][n % 3], end=4
        )
    read(client, member, scene["article"])
    rendered = []
    real = layers.annotation_segments

    def counting(annotation, **kwargs):
        rendered.append(annotation.pk)
        return real(annotation, **kwargs)

    monkeypatch.setattr(layers, "annotation_segments", counting)
    blocks = []
    real_get_template = reader_body.get_template

    def counting_blocks(name):
        template = real_get_template(name)

        class Counted:
            def render(self, context):
                blocks.append(context["paragraph"].pk)
                return template.render(context)

        return Counted()

    monkeypatch.setattr(reader_body, "get_template", counting_blocks)
    new = scene["note"](member, NEW, group, paragraph=scene["paragraphs"][2])
    html = read(client, member, scene["article"])
    assert NEW in html and "批注11" in html
    assert rendered == [new.pk]
    assert blocks == [scene["paragraphs"][2].pk]  # the other blocks reused
    assert Annotation.objects.filter(paragraph__article=scene["article"]).count() > 12


def test_the_pieces_memo_is_bounded_in_entries_and_bytes():
    seen = layers._Segments(budget=3, budget_bytes=100)
    for n in range(3):
        seen.put(("k", n), (f"<li>{n}</li>",))
    assert len(seen.entries) == 3
    seen.put(("k", 3), "x")  # past the entries' budget: starts afresh
    assert list(seen.entries) == [("k", 3)]
    seen.put(("big",), b"x" * 200)
    seen.put(("after",), "y")  # past the bytes' budget
    assert list(seen.entries) == [("after",)]
    assert seen.get(("k", 3)) is None
