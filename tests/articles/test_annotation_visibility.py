"""The visibility rule across personas, on every page, count and export.

member writes a note shared with the group and a private note; outsider writes one
shared with the other group. leader is in member's group, loner in no group, staff
edits the library but is in no group.
"""

import json
import re

import pytest
from django.urls import reverse

from articles.models import Annotation

from ..factories import (
    AnnotationFactory,
    ArticleFactory,
    MemberFactory,
    ParagraphFactory,
    ReplyFactory,
)

pytestmark = pytest.mark.django_db

SHARED = "共享批注：要把学习成果转化为推动工作的实际成效。"
PRIVATE = "私人批注：这一段要在支部会上再讲一讲。"
OTHER = "外组批注：西青区的做法可以借鉴。"
REPLY = "回复：同意，要学在深处。"
NOTES = {"shared": SHARED, "private": PRIVATE, "other": OTHER}


@pytest.fixture
def loner(db):
    return MemberFactory(username="loner", display_name="钱未分组")


@pytest.fixture
def scene(member, leader, outsider, group, other_group):
    article = ArticleFactory(title="在推动文化传承发展上善作善成")
    paragraph = ParagraphFactory(article=article)
    shared = AnnotationFactory(
        author=member, paragraph=paragraph, group=group, note=SHARED
    )
    shared.tags.add("共享主题")
    private = AnnotationFactory(
        author=member, paragraph=paragraph, start=5, end=9, note=PRIVATE
    )
    private.tags.add("私人主题")
    other = AnnotationFactory(
        author=outsider, paragraph=paragraph, group=other_group, note=OTHER
    )
    other.tags.add("外组主题")
    ReplyFactory(annotation=shared, author=leader, text=REPLY)
    return {
        "article": article,
        "shared": shared,
        "private": private,
        "other": other,
    }


SEES = {
    "member": {"shared", "private"},
    "leader": {"shared"},
    "outsider": {"other"},
    "loner": set(),
    "staff": set(),
}
THEMES = {"shared": "共享主题", "private": "私人主题", "other": "外组主题"}


def _persona(request, name):
    return request.getfixturevalue(name)


@pytest.mark.parametrize("persona", SEES)
def test_queryset_rule(request, scene, persona):
    user = _persona(request, persona)
    visible = set(Annotation.objects.visible_to(user).values_list("pk", flat=True))
    assert visible == {scene[key].pk for key in SEES[persona]}


def _assert_only(html, persona):
    for key, note in NOTES.items():
        assert (note in html) == (key in SEES[persona]), (persona, key)
        assert (THEMES[key] in html) == (key in SEES[persona]), (persona, key)
    assert (REPLY in html) == ("shared" in SEES[persona])


@pytest.mark.parametrize("persona", SEES)
def test_reader_shows_and_counts_only_visible(client, request, scene, persona):
    client.force_login(_persona(request, persona))

    response = client.get(scene["article"].get_absolute_url())

    html = response.content.decode()
    _assert_only(html, persona)
    count = len(SEES[persona])
    paragraph = response.context["paragraphs"][0]
    assert paragraph.note_count == count
    assert response.context["annotation_total"] == count
    assert html.count('<mark class="hl') == (
        # the two member notes overlap at 0..4 and 5..9: two separate marks
        count
    )
    if count:
        assert f"{count} 条批注" in html
    else:
        # (the script's label template, 还有 {count} 条批注, carries no number)
        assert re.search(r"\d+ 条批注", html) is None


@pytest.mark.parametrize("persona", SEES)
@pytest.mark.parametrize("key", ["shared", "private", "other"])
def test_theme_page_lists_only_visible(client, request, scene, persona, key):
    client.force_login(_persona(request, persona))
    slug = scene[key].tags.get().slug

    html = client.get(reverse("articles:theme", args=[slug])).content.decode()

    assert (NOTES[key] in html) == (key in SEES[persona])


@pytest.mark.parametrize("persona", SEES)
def test_own_page_lists_only_own(client, request, scene, persona):
    client.force_login(_persona(request, persona))

    html = client.get(reverse("articles:my_annotations")).content.decode()

    own = {"member": {"shared", "private"}, "outsider": {"other"}}.get(persona, set())
    for key, note in NOTES.items():
        assert (note in html) == (key in own)


@pytest.mark.parametrize("persona", SEES)
def test_jsonld_export_holds_only_visible(client, request, scene, persona):
    client.force_login(_persona(request, persona))

    response = client.get(
        reverse("articles:annotations_jsonld", args=[scene["article"].pk])
    )

    data = json.loads(response.content)
    bodies = [
        body["value"]
        for item in data["first"]["items"]
        for body in (item["body"] if isinstance(item["body"], list) else [item["body"]])
    ]
    for key, note in NOTES.items():
        assert (note in bodies) == (key in SEES[persona])
        assert (THEMES[key] in bodies) == (key in SEES[persona])
    assert (REPLY in bodies) == ("shared" in SEES[persona])
    assert data["total"] == len(data["first"]["items"])


@pytest.mark.parametrize("persona", SEES)
def test_markdown_export_and_handout_hold_only_visible(client, request, scene, persona):
    client.force_login(_persona(request, persona))
    pk = scene["article"].pk

    markdown = client.get(reverse("articles:annotations_markdown", args=[pk]))
    handout = client.get(reverse("articles:handout", args=[pk]))

    _assert_only(markdown.content.decode(), persona)
    _assert_only(handout.content.decode(), persona)


def test_single_annotation_link_is_404_for_those_who_cannot_see_it(
    client, scene, leader, outsider
):
    client.force_login(outsider)
    assert client.get(scene["shared"].get_absolute_url()).status_code == 404
    client.force_login(leader)
    assert client.get(scene["private"].get_absolute_url()).status_code == 404
    response = client.get(scene["shared"].get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].endswith(
        f"?focus={scene['shared'].pk}#a-{scene['shared'].pk}"
    )


def test_hidden_member_or_theme_filter_reveals_nothing(client, scene, leader):
    client.force_login(leader)
    url = scene["article"].get_absolute_url()

    html = client.get(url, {"theme": "私人主题"}).content.decode()

    assert PRIVATE not in html
    assert SHARED not in html  # the filter matches nothing leader can see
    assert "私人主题" not in html.replace('value="私人主题"', "")


def test_drafts_hide_their_annotations_from_members(client, scene, member):
    article = scene["article"]
    article.status = "draft"
    article.save()
    client.force_login(member)

    html = client.get(reverse("articles:my_annotations")).content.decode()

    assert SHARED not in html
    assert not Annotation.objects.visible_to(member).exists()


def test_theme_carried_only_by_hidden_annotations_is_404(client, scene, leader):
    client.force_login(leader)
    slug = scene["private"].tags.get().slug

    response = client.get(reverse("articles:theme", args=[slug]))

    assert response.status_code == 404
    assert "私人主题" not in response.content.decode()


def test_dissolving_a_group_makes_its_notes_private_not_lost(scene, member, group):
    group.delete()

    shared = Annotation.objects.get(pk=scene["shared"].pk)
    assert shared.group is None
    assert shared in Annotation.objects.visible_to(member)
