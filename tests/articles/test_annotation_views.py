"""Annotating, replying and marking progress through the pages."""

import json

import pytest
from django.urls import reverse

from articles.models import Annotation, ReadingProgress, Reply

from ..factories import (
    AnnotationFactory,
    ArticleFactory,
    MemberFactory,
    MembershipFactory,
    ParagraphFactory,
    ReplyFactory,
)

pytestmark = pytest.mark.django_db

TEXT = "学不厌精，探赜钩深。“学在深处”，是在发展新质生产力上善作善成必须下好的先手棋。"


@pytest.fixture
def paragraph(db):
    return ParagraphFactory(article=ArticleFactory(), text=TEXT)


def _create_url(paragraph):
    return reverse("articles:annotation_create", args=[paragraph.pk])


def _post(client, paragraph, **data):
    values = {
        "start": 0,
        "end": len(paragraph.text),
        "quote": paragraph.text,
        "unit": "cp",
        "note": "深学才能深信。",
        "themes": "",
        "visibility": "",
    }
    return client.post(_create_url(paragraph), {**values, **data})


def test_plain_form_annotates_the_whole_paragraph(member_client, member, paragraph):
    response = _post(member_client, paragraph, themes="新质生产力，学在深处")

    annotation = Annotation.objects.get()
    assert annotation.author == member
    assert annotation.quote == TEXT
    assert sorted(annotation.tags.names()) == ["学在深处", "新质生产力"]
    assert response.status_code == 302
    assert response["Location"].endswith(f"#a-{annotation.pk}")
    page = member_client.get(response["Location"]).content.decode()
    assert "批注已保存" in page
    assert "深学才能深信。" in page


def test_reader_offers_the_plain_form_and_selection_script(member_client, paragraph):
    html = member_client.get(paragraph.article.get_absolute_url()).content.decode()

    assert f'action="{_create_url(paragraph)}"' in html
    assert f'name="end" value="{len(TEXT)}"' in html
    assert "js/annotate.js" in html
    assert "批注本段" in html
    assert "<script>" not in html.replace("<script src=", "")


def test_browser_utf16_offsets_outside_the_bmp(member_client, member, group):
    paragraph = ParagraphFactory(text="𠀀是扩展B区汉字，学习贯彻。")
    # In the browser "学习贯彻" starts at UTF-16 offset 10 (𠀀 counts 2).
    response = _post(
        member_client,
        paragraph,
        start=10,
        end=14,
        quote="学习贯彻",
        unit="utf16",
        visibility=group.pk,
    )

    assert response.status_code == 302
    annotation = Annotation.objects.get()
    assert (annotation.start, annotation.end) == (9, 13)
    assert annotation.group == group
    html = member_client.get(paragraph.article.get_absolute_url()).content.decode()
    assert (
        f'𠀀是扩展B区汉字，<mark class="hl hl--group hl--depth1" '
        f'data-annotation="{annotation.pk}">学习贯彻</mark>。'
    ) in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({"start": 0, "end": 99, "quote": TEXT}, "超出了本段范围"),
        ({"start": 5, "end": 9, "quote": "探赜索隐"}, "与本段原文不一致"),
        ({"start": 1, "end": 2, "quote": "𠀀", "unit": "utf16"}, "与本段原文不一致"),
        ({"start": 0, "end": 200, "unit": "utf16"}, "超出了本段范围"),
        ({"note": ""}, "请填写批注内容"),
        ({"note": "长" * 100_000}, "批注太长了"),
        ({"themes": "<b>主题</b>"}, "不能包含 &lt; &gt;"),
    ],
)
def test_bad_input_gets_a_chinese_error_and_writes_nothing(
    member_client, paragraph, data, message
):
    response = _post(member_client, paragraph, **data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Annotation.objects.exists()


def test_sharing_with_someone_elses_group_is_refused(
    member_client, paragraph, other_group
):
    response = _post(member_client, paragraph, visibility=other_group.pk)

    assert response.status_code == 400
    assert "只能分享给您所在的学习小组" in response.content.decode()
    assert not Annotation.objects.exists()


def test_annotating_a_draft_is_404_for_members(member_client):
    draft = ParagraphFactory(article=ArticleFactory(status="draft"))
    assert _post(member_client, draft).status_code == 404
    assert not Annotation.objects.exists()


@pytest.fixture
def shared(member, group, paragraph):
    annotation = AnnotationFactory(author=member, paragraph=paragraph, group=group)
    annotation.tags.add("学在深处")
    return annotation


def _urls(annotation, reply):
    return {
        "annotation": annotation.get_absolute_url(),
        "edit": reverse("articles:annotation_edit", args=[annotation.pk]),
        "delete": reverse("articles:annotation_delete", args=[annotation.pk]),
        "reply": reverse("articles:reply_create", args=[annotation.pk]),
        "reply_edit": reverse("articles:reply_edit", args=[reply.pk]),
        "reply_delete": reverse("articles:reply_delete", args=[reply.pk]),
        "jsonld": reverse(
            "articles:annotations_jsonld", args=[annotation.paragraph.article_id]
        ),
        "markdown": reverse(
            "articles:annotations_markdown", args=[annotation.paragraph.article_id]
        ),
        "handout": reverse("articles:handout", args=[annotation.paragraph.article_id]),
        "studied": reverse(
            "articles:article_studied", args=[annotation.paragraph.article_id]
        ),
        "mine": reverse("articles:my_annotations"),
        "create": _create_url(annotation.paragraph),
    }


def test_anonymous_is_sent_to_login(client, shared, leader):
    reply = ReplyFactory(annotation=shared, author=leader)
    for name, url in _urls(shared, reply).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert "/accounts/login/" in response["Location"], name


def test_outsider_gets_404_on_another_groups_annotation(
    client, shared, leader, outsider
):
    reply = ReplyFactory(annotation=shared, author=leader)
    client.force_login(outsider)
    for name in ["annotation", "edit", "delete", "reply_edit", "reply_delete"]:
        assert client.get(_urls(shared, reply)[name]).status_code == 404, name
    for name in ["edit", "delete", "reply", "reply_edit", "reply_delete"]:
        response = client.post(_urls(shared, reply)[name], {"note": "x", "text": "x"})
        assert response.status_code == 404, name
    shared.refresh_from_db()
    assert shared.note == AnnotationFactory._meta.declarations["note"]
    assert Reply.objects.count() == 1


@pytest.mark.parametrize(
    "name, method",
    [
        ("create", "get"),
        ("reply", "get"),
        ("studied", "get"),
        ("annotation", "post"),
        ("jsonld", "post"),
        ("markdown", "post"),
        ("handout", "post"),
        ("mine", "post"),
        ("edit", "put"),
        ("delete", "put"),
    ],
)
def test_wrong_method_is_405(member_client, shared, leader, name, method):
    reply = ReplyFactory(annotation=shared, author=leader)
    response = getattr(member_client, method)(_urls(shared, reply)[name])
    assert response.status_code == 405


def test_group_member_may_not_edit_or_delete_anothers_annotation(
    client, shared, leader
):
    client.force_login(leader)

    assert client.get(_urls(shared, shared)["edit"]).status_code == 403
    response = client.post(_urls(shared, shared)["edit"], {"note": "改掉了"})
    assert response.status_code == 403
    assert client.post(_urls(shared, shared)["delete"]).status_code == 403

    shared.refresh_from_db()
    assert shared.note != "改掉了"
    assert shared.deleted_at is None


def test_author_edits_note_themes_and_visibility(member_client, shared):
    url = reverse("articles:annotation_edit", args=[shared.pk])
    form = member_client.get(url).content.decode()
    assert "学在深处" in form

    response = member_client.post(
        url, {"note": "第一点。\n第二点。", "themes": "笃行", "visibility": ""}
    )

    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.note == "第一点。\n第二点。"
    assert shared.group is None
    assert list(shared.tags.names()) == ["笃行"]
    html = member_client.get(response["Location"]).content.decode()
    assert "第一点。<br>第二点。" in html


def test_author_edit_with_empty_note_changes_nothing(member_client, shared):
    url = reverse("articles:annotation_edit", args=[shared.pk])
    response = member_client.post(url, {"note": " ", "themes": "", "visibility": ""})
    assert response.status_code == 400
    assert "请填写批注内容" in response.content.decode()
    shared.refresh_from_db()
    assert shared.note and shared.tags.exists()


def test_reply_thread_in_order_and_deletion_keeps_it(
    client, shared, member, leader, secretary
):
    client.force_login(leader)
    first = client.post(_urls(shared, shared)["reply"], {"text": "第一条回复"})
    client.force_login(secretary)
    client.post(_urls(shared, shared)["reply"], {"text": "第二条回复"})
    assert first.status_code == 302 and "#r-" in first["Location"]

    client.force_login(member)
    client.post(reverse("articles:annotation_delete", args=[shared.pk]))
    html = client.get(shared.paragraph.article.get_absolute_url()).content.decode()

    assert "该批注已删除，下面的回复仍然保留" in html
    assert html.index("第一条回复") < html.index("第二条回复")
    assert shared.note not in html
    assert 'class="hl' not in html  # no highlight for a deleted note
    assert Annotation.objects.get().is_deleted


def test_empty_reply_is_refused(client, shared, leader):
    client.force_login(leader)
    response = client.post(_urls(shared, shared)["reply"], {"text": "  "})
    assert response.status_code == 400
    assert "请填写回复内容" in response.content.decode()
    assert not Reply.objects.exists()


def test_reply_author_edits_and_deletes(client, shared, leader, member):
    reply = ReplyFactory(annotation=shared, author=leader, text="原来的回复")
    urls = _urls(shared, reply)
    client.force_login(member)
    assert client.post(urls["reply_edit"], {"text": "改掉"}).status_code == 403
    client.force_login(leader)
    client.post(urls["reply_edit"], {"text": "修改后的回复"})
    reply.refresh_from_db()
    assert reply.text == "修改后的回复"

    client.post(urls["reply_delete"])

    reply.refresh_from_db()
    assert reply.is_deleted
    html = client.get(shared.paragraph.article.get_absolute_url()).content.decode()
    assert "该回复已删除" in html


def test_detached_annotation_shows_the_original_text_was_changed(member_client, shared):
    shared.detached = True
    shared.save()

    html = member_client.get(
        shared.paragraph.article.get_absolute_url()
    ).content.decode()

    assert "原文已修改" in html
    assert 'class="hl' not in html


def test_reader_filters_by_theme_and_member(client, shared, leader, group, paragraph):
    other = AnnotationFactory(
        author=leader, paragraph=paragraph, group=group, note="组长的批注"
    )
    other.tags.add("笃行")
    client.force_login(leader)
    url = paragraph.article.get_absolute_url()

    by_theme = client.get(url, {"theme": shared.tags.get().slug}).content.decode()
    by_member = client.get(url, {"member": leader.pk}).content.decode()

    assert shared.note in by_theme and "组长的批注" not in by_theme
    assert "组长的批注" in by_member and shared.note not in by_member
    assert "显示全部批注" in by_member


def test_highlights_overlap_and_escape(member_client, member, paragraph):
    AnnotationFactory(author=member, paragraph=paragraph, start=0, end=9)
    AnnotationFactory(
        author=member, paragraph=paragraph, start=5, end=20, note="<b>x</b>"
    )

    html = member_client.get(paragraph.article.get_absolute_url()).content.decode()

    assert "hl--depth2" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html


def test_link_to_one_annotation_shows_it_under_its_paragraph(member_client, shared):
    response = member_client.get(shared.get_absolute_url(), follow=True)
    html = response.content.decode()
    # Not folded away: the notes stand under their paragraph, outside any <details>,
    # and the link's fragment scrolls to the note even without JavaScript.
    assert response.redirect_chain[-1][0].endswith(f"?focus={shared.pk}#a-{shared.pk}")
    notes = html.index(f'<div class="notes" id="notes-{shared.paragraph.anchor}">')
    item = html.index(f'id="a-{shared.pk}"')
    assert html.index(f'id="{shared.paragraph.anchor}"') < notes < item
    assert "<details" not in html[notes:item]


@pytest.mark.parametrize("count", [0, 10, 1000])
def test_reader_query_count_is_constant(
    member_client, member, leader, group, django_assert_max_num_queries, count
):
    article = ArticleFactory()
    paragraphs = ParagraphFactory.create_batch(5, article=article)
    annotations = Annotation.objects.bulk_create(
        Annotation(
            author=member if i % 2 else leader,
            paragraph=paragraphs[i % 5],
            start=i % 30,
            end=i % 30 + 4,
            quote=paragraphs[0].text[i % 30 : i % 30 + 4],
            note=f"第{i}条批注",
            group=group,
        )
        for i in range(count)
    )
    for annotation in annotations[:20]:
        annotation.tags.add("新质生产力")
        ReplyFactory(annotation=annotation, author=leader)

    # 10 for the annotation layer, +1 for the sessions that discussed each paragraph,
    # +1 for the article's keywords, +2 for the annotations' authors and groups
    # (prefetched once each rather than joined into every row), +1 for the header's
    # unread notifications
    with django_assert_max_num_queries(15):
        response = member_client.get(article.get_absolute_url())

    assert response.context["annotation_total"] == count


def test_studied_mark_and_list_badge(member_client, member, paragraph):
    article = paragraph.article
    url = reverse("articles:article_studied", args=[article.pk])
    listing = reverse("articles:list")
    assert "已学习" not in member_client.get(listing).content.decode()

    response = member_client.post(url)

    assert response.status_code == 302
    assert ReadingProgress.objects.get().member == member
    assert "已于" in member_client.get(article.get_absolute_url()).content.decode()
    assert "已学习" in member_client.get(listing).content.decode()
    member_client.post(url, {"undo": "1"})
    assert not ReadingProgress.objects.exists()


def test_studied_mark_is_per_member(client, member, leader, paragraph):
    client.force_login(member)
    client.post(reverse("articles:article_studied", args=[paragraph.article.pk]))
    client.force_login(leader)
    assert "已学习" not in client.get(reverse("articles:list")).content.decode()


def test_jsonld_follows_the_w3c_model(member_client, shared, leader):
    ReplyFactory(annotation=shared, author=leader, text="同意")
    article = shared.paragraph.article

    response = member_client.get(
        reverse("articles:annotations_jsonld", args=[article.pk])
    )

    assert response["Content-Type"].startswith("application/ld+json")
    data = json.loads(response.content)
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection"
    note, reply = data["first"]["items"]
    assert note["type"] == "Annotation" and note["motivation"] == "commenting"
    assert note["id"].endswith(shared.get_absolute_url())
    quote, position = note["target"]["selector"]
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": "学不厌精",
        "prefix": "",
        "suffix": TEXT[4:36],
    }
    assert position == {"type": "TextPositionSelector", "start": 0, "end": 4}
    assert note["target"]["source"].endswith(f"#{shared.paragraph.anchor}")
    assert {"type": "TextualBody", "value": "学在深处", "purpose": "tagging"} in note[
        "body"
    ]
    assert note["created"].endswith("Z")
    assert reply["motivation"] == "replying"
    assert reply["target"] == note["id"]
    assert reply["body"]["value"] == "同意"


def test_markdown_export(member_client, shared, leader):
    ReplyFactory(annotation=shared, author=leader, text="同意\n补充一点")
    article = shared.paragraph.article

    response = member_client.get(
        reverse("articles:annotations_markdown", args=[article.pk])
    )

    text = response.content.decode()
    assert response["Content-Type"].startswith("text/markdown")
    assert text.startswith(f"# {article.title}\n")
    assert "## 第1段" in text
    assert "> 学不厌精" in text
    assert shared.note in text
    assert "#学在深处" in text
    # The reply's line break is kept (a CommonMark hard break), indented under it.
    assert "张组长" in text and "  同意\\\n  补充一点" in text


def test_markdown_export_renders_what_was_typed(member_client, member, paragraph):
    AnnotationFactory(
        author=member,
        paragraph=paragraph,
        note="# 不是标题\n- 不是列表\n1. 也不是\n---\n*重点* _强调_ `代码` &amp; > 引",
    )

    text = member_client.get(
        reverse("articles:annotations_markdown", args=[paragraph.article_id])
    ).content.decode()

    lines = text.split("\n")
    at = lines.index("\\# 不是标题\\")
    assert lines[at : at + 5] == [
        "\\# 不是标题\\",
        "\\- 不是列表\\",
        "1\\. 也不是\\",
        "\\---\\",
        "\\*重点\\* \\_强调\\_ \\`代码\\` \\&amp; > 引",
    ]
    assert "> 学不厌精" in text  # the quote, block-quoted


def test_jsonld_is_a_download_with_named_host_free_creators(
    member_client, shared, member
):
    url = reverse("articles:annotations_jsonld", args=[shared.paragraph.article_id])

    first = member_client.get(url)
    other = member_client.get(url, HTTP_HOST="127.0.0.1")

    assert first["Content-Disposition"].startswith("attachment;")
    creator = json.loads(first.content)["first"]["items"][0]["creator"]
    assert creator == {
        "id": f"urn:studyhub:member:{member.pk}",
        "type": "Person",
        "name": member.name,
        "nickname": member.name,
    }
    assert json.loads(other.content)["first"]["items"][0]["creator"] == creator


def test_jsonld_of_a_detached_annotation_keeps_only_its_quote(member_client, shared):
    shared.detached = True
    shared.save()

    data = json.loads(
        member_client.get(
            reverse("articles:annotations_jsonld", args=[shared.paragraph.article_id])
        ).content
    )

    note = data["first"]["items"][0]
    assert note["target"]["selector"] == [
        {
            "type": "TextQuoteSelector",
            "exact": "学不厌精",
            "prefix": "",
            "suffix": TEXT[4:36],
        }
    ]
    describing = [b for b in note["body"] if b.get("purpose") == "describing"]
    assert [b["value"] for b in describing] == ["原文已修改"]


def test_handout_marks_private_notes_or_leaves_them_out(
    member_client, member, shared, paragraph
):
    private = AnnotationFactory(
        author=member, paragraph=paragraph, start=5, end=9, note="只给自己看的体会"
    )
    url = reverse("articles:handout", args=[paragraph.article_id])

    marked = member_client.get(url).content.decode()
    left_out = member_client.get(url, {"private": "hide"}).content.decode()

    assert private.note in marked
    assert marked.count('class="badge badge--private">仅自己可见') == 1
    assert private.note not in left_out and shared.note in left_out
    assert 'name="private" value="hide" checked' in left_out


def test_reader_lists_detached_notes_apart(member_client, shared, member, paragraph):
    kept = AnnotationFactory(
        author=member, paragraph=paragraph, start=5, end=9, note="还在原处的批注"
    )
    shared.detached = True
    shared.save()

    html = member_client.get(paragraph.article.get_absolute_url()).content.decode()

    section = html.index('id="detached-notes"')
    assert html.index(f'id="a-{kept.pk}"') < section < html.index(f'id="a-{shared.pk}"')
    assert 'href="#detached-notes"' in html
    assert f'data-annotation="{shared.pk}">学不厌精</mark>' not in html  # no highlight


def test_reader_exports_sit_in_one_menu_named_for_their_use(member_client, shared):
    url = shared.paragraph.article.get_absolute_url()
    html = member_client.get(url).content.decode()
    menu = html[html.index('class="menu export-menu"') :]
    menu = menu[: menu.index("</details>")]
    for label in ["打印讲义", "导出为Word/Markdown 笔记", "导出为标准批注数据 (W3C)"]:
        assert label in menu
    assert "JSON-LD" not in html


def test_handout_prints_notes_under_their_paragraph(member_client, shared):
    html = member_client.get(
        reverse("articles:handout", args=[shared.paragraph.article.pk])
    ).content.decode()

    assert "学 习 讲 义" in html
    assert "第1段" in html
    passage = (
        f'data-annotation="{shared.pk}">学不厌精</mark>'
        '<sup class="ref">1</sup>，探赜钩深'
    )
    assert passage in html
    assert html.index(passage) < html.index(shared.note)
    assert '<span class="ref">1</span> “学不厌精”' in html
    assert "js/print.js" in html


def test_own_page_filters_by_article_theme_and_group(client, group, paragraph):
    author = MemberFactory()
    MembershipFactory(member=author, group=group)
    first = AnnotationFactory(
        author=author, paragraph=paragraph, note="第一条", group=group
    )
    first.tags.add("笃行")
    second_paragraph = ParagraphFactory(article=ArticleFactory(title="另一篇文章"))
    AnnotationFactory(author=author, paragraph=second_paragraph, note="第二条")
    client.force_login(author)
    url = reverse("articles:my_annotations")

    everything = client.get(url).content.decode()
    by_article = client.get(url, {"article": paragraph.article_id}).content.decode()
    by_theme = client.get(url, {"theme": first.tags.get().slug}).content.decode()
    private = client.get(url, {"group": "private"}).content.decode()
    shared = client.get(url, {"group": group.pk}).content.decode()

    assert everything.index("第二条") < everything.index("第一条")  # newest first
    assert "第一条" in by_article and "第二条" not in by_article
    assert "第一条" in by_theme and "第二条" not in by_theme
    assert "第二条" in private and "第一条" not in private
    assert "第一条" in shared and "第二条" not in shared
    # The filter shows what was chosen.
    assert f'<option value="{paragraph.article_id}" selected>' in by_article
    assert f'<option value="{paragraph.article_id}" selected>' not in everything
    assert f'<option value="{group.pk}" selected>' in shared
    assert '<option value="private" selected>' in private


@pytest.mark.parametrize("count", [1, 3])
def test_own_page_query_count(
    client, member, paragraph, django_assert_max_num_queries, count
):
    for _ in range(count):
        annotation = AnnotationFactory(author=member, paragraph=paragraph)
        annotation.tags.add("笃行")
        ReplyFactory(annotation=annotation)
    client.force_login(member)
    # (+1: the header's unread notifications)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("articles:my_annotations"))
    assert len(response.context["annotations"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_theme_page_query_count(
    client, member, group, paragraph, django_assert_max_num_queries, count
):
    paragraph.article.tags.add("笃行")
    for _ in range(count):
        annotation = AnnotationFactory(author=member, paragraph=paragraph, group=group)
        annotation.tags.add("笃行")
        ReplyFactory(annotation=annotation)
    client.force_login(member)
    slug = paragraph.article.tags.get().slug

    # session, user, theme, the member's groups (the cache key), whether they have
    # notes of the theme outside their groups (which key: shared or their own),
    # articles, their tags, annotations (counted only past a page), their themes,
    # their replies, the header's unread notifications
    with django_assert_max_num_queries(11):
        response = client.get(reverse("articles:theme", args=[slug]))

    assert len(response.context["annotations"]) == count


def test_exports_of_a_draft_are_404_for_members(member_client, member):
    draft = ParagraphFactory(article=ArticleFactory(status="draft"))
    AnnotationFactory(author=member, paragraph=draft)
    for name in ["annotations_jsonld", "annotations_markdown", "handout"]:
        response = member_client.get(
            reverse(f"articles:{name}", args=[draft.article_id])
        )
        assert response.status_code == 404
