"""Writing annotations, replies, themes and progress through the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from taggit.models import Tag

from articles.models import Annotation, Paragraph, ReadingProgress, Reply
from articles.services import (
    annotate_paragraph,
    delete_annotation,
    delete_reply,
    edit_annotation,
    edit_reply,
    mark_article_studied,
    merge_themes,
    parse_themes,
    reanchor_annotations,
    reply_to_annotation,
    update_paragraph_text,
)

from ..factories import AnnotationFactory, ArticleFactory, ParagraphFactory

pytestmark = pytest.mark.django_db

TEXT = "学不厌精，探赜钩深。“学在深处”，是在发展新质生产力上善作善成必须下好的先手棋。"


@pytest.fixture
def paragraph(db):
    return ParagraphFactory(article=ArticleFactory(), text=TEXT)


def _annotate(author, paragraph, quote="探赜钩深", **kwargs):
    start = paragraph.text.find(quote)
    values = {
        "author": author,
        "paragraph": paragraph,
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "note": "深学才能深信。",
    }
    return annotate_paragraph(**{**values, **kwargs})


def test_annotate_stores_quote_context_themes_and_group(member, group, paragraph):
    annotation = _annotate(
        member, paragraph, themes=["新质生产力", "学在深处"], group=group
    )

    annotation.refresh_from_db()
    assert (annotation.start, annotation.end) == (5, 9)
    assert annotation.prefix == "学不厌精，"
    assert annotation.suffix.startswith("。“学在深处”")
    assert sorted(annotation.tags.names()) == ["学在深处", "新质生产力"]
    assert annotation.group == group


def test_note_keeps_line_breaks(member, paragraph):
    annotation = _annotate(member, paragraph, note="第一点。\r\n第二点。")
    assert annotation.note == "第一点。\n第二点。"


def test_offsets_are_code_points_outside_the_bmp(member):
    paragraph = ParagraphFactory(text="𠀀是扩展B区汉字，学习贯彻。")
    annotation = _annotate(member, paragraph, quote="学习贯彻")
    assert (annotation.start, annotation.end) == (9, 13)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"start": 70, "end": 75}, "超出了本段范围"),
        ({"start": 5, "end": 5}, "超出了本段范围"),
        ({"start": 5, "end": 9, "quote": "探赜索隐"}, "与本段原文不一致"),
        ({"note": "   "}, "请填写批注内容"),
        ({"note": "长" * 100_000}, "批注太长了"),
        ({"themes": ["<script>"]}, "不能包含 < >"),
        ({"themes": ["党建@引领"]}, "只能包含文字"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_writes_nothing(
    member, paragraph, changes, message
):
    with pytest.raises(ValidationError) as error:
        _annotate(member, paragraph, **changes)

    assert message in " ".join(error.value.messages)
    assert not Annotation.objects.exists()
    assert not Tag.objects.exists()


def test_sharing_with_a_group_the_author_is_not_in_is_refused(
    member, other_group, paragraph
):
    with pytest.raises(ValidationError) as error:
        _annotate(member, paragraph, group=other_group)

    assert "只能分享给您所在的学习小组" in error.value.messages[0]
    assert not Annotation.objects.exists()


def test_theme_names_are_checked_before_taggit():
    assert parse_themes("新质生产力，党建引领、 京津冀协同发展 新质生产力") == [
        "新质生产力",
        "党建引领",
        "京津冀协同发展",
    ]
    assert parse_themes("“两个确立”,《实践论》") == ["“两个确立”", "《实践论》"]
    with pytest.raises(ValidationError, match="太长"):
        parse_themes("长" * 21)
    with pytest.raises(ValidationError, match="不能包含 < >"):
        parse_themes("a<b")
    with pytest.raises(ValidationError, match="只能包含"):
        parse_themes("a@b")
    with pytest.raises(ValidationError, match="最多 10 个主题"):
        parse_themes("，".join(f"主题{i}" for i in range(11)))


def test_only_the_author_edits_and_deletes(member, leader, group, paragraph):
    annotation = _annotate(member, paragraph, group=group)

    with pytest.raises(PermissionDenied):
        edit_annotation(annotation, editor=leader, note="改掉")
    with pytest.raises(PermissionDenied):
        delete_annotation(annotation, by=leader)

    annotation.refresh_from_db()
    assert annotation.note == "深学才能深信。"
    edit_annotation(annotation, editor=member, note="深信才能笃行。", themes=["笃行"])
    annotation.refresh_from_db()
    assert annotation.note == "深信才能笃行。"
    assert annotation.group is None  # made private again
    assert list(annotation.tags.names()) == ["笃行"]


def test_deleting_an_annotation_without_replies_removes_it(member, paragraph):
    annotation = _annotate(member, paragraph, themes=["笃行"])
    delete_annotation(annotation, by=member)
    assert not Annotation.objects.exists()


def test_deleting_an_annotation_with_replies_keeps_the_thread(
    member, leader, group, paragraph
):
    annotation = _annotate(member, paragraph, group=group, themes=["笃行"])
    reply = reply_to_annotation(annotation, author=leader, text="说得好。")

    delete_annotation(annotation, by=member)

    annotation.refresh_from_db()
    assert annotation.is_deleted
    assert annotation.note == ""
    assert not annotation.tags.exists()
    assert Reply.objects.get() == reply
    with pytest.raises(ValidationError, match="不能再回复"):
        reply_to_annotation(annotation, author=leader, text="再说一句。")


def test_replies_are_edited_and_deleted_by_their_author_only(
    member, leader, group, paragraph
):
    annotation = _annotate(member, paragraph, group=group)
    reply = reply_to_annotation(annotation, author=leader, text="说得好。")

    with pytest.raises(PermissionDenied):
        edit_reply(reply, editor=member, text="改掉")
    with pytest.raises(ValidationError, match="请填写回复内容"):
        edit_reply(reply, editor=leader, text=" ")
    edit_reply(reply, editor=leader, text="说得很好。")
    delete_reply(reply, by=leader)

    reply.refresh_from_db()
    assert reply.is_deleted and reply.text == ""


def test_reanchoring_follows_a_moved_quote(member, paragraph):
    annotation = _annotate(member, paragraph, quote="新质生产力")

    update_paragraph_text(paragraph, "开篇：" + TEXT)

    annotation.refresh_from_db()
    assert paragraph.text[annotation.start : annotation.end] == "新质生产力"
    assert annotation.start == TEXT.index("新质生产力") + 3
    assert not annotation.detached


def test_reanchoring_updates_modified_only_when_the_target_changes(member):
    tail = (
        "要在学懂弄通做实上下功夫，把学习成果转化为推动高质量发展的实际成效，久久为功。"
    )
    paragraph = ParagraphFactory(text=TEXT + tail)
    moved = _annotate(member, paragraph, quote="新质生产力")
    Annotation.objects.filter(pk=moved.pk).update(updated_at="2026-01-01T00:00:00Z")

    # Words changed beyond the quote's context: its target is the same.
    update_paragraph_text(paragraph, TEXT + tail.replace("久久为功", "持之以恒"))
    moved.refresh_from_db()
    assert moved.updated_at.year == 2026 and moved.updated_at.month == 1

    update_paragraph_text(paragraph, "开篇：" + paragraph.text)  # the quote moves
    moved.refresh_from_db()
    assert (moved.updated_at.month, moved.updated_at.day) != (1, 1)
    assert moved.start == TEXT.index("新质生产力") + 3


def test_reanchoring_uses_the_context_when_the_quote_repeats(member):
    paragraph = ParagraphFactory(text="学在深处。要抓落实，更要学在深处，谋在新处。")
    second = paragraph.text.rindex("学在深处")
    annotation = _annotate(member, paragraph, quote="学在深处")
    annotation = Annotation.objects.get(pk=annotation.pk)
    # Point it at the second occurrence, as if the member had selected that one.
    annotation.start, annotation.end = second, second + 4
    annotation.prefix, annotation.suffix = "要抓落实，更要", "，谋在新处。"
    annotation.save()

    update_paragraph_text(
        paragraph, "学在深处！学在深处。要抓落实，更要学在深处，谋在新处。"
    )

    annotation.refresh_from_db()
    assert annotation.start == paragraph.text.rindex("学在深处")
    assert annotation.prefix.endswith("更要")


def test_reanchoring_with_changed_context_and_wording(member, paragraph):
    annotation = _annotate(member, paragraph, quote="是在发展新质生产力上善作善成")

    update_paragraph_text(
        paragraph, TEXT.replace("“学在深处”，是在发展", "深学细悟，是在加快发展")
    )

    annotation.refresh_from_db()
    assert annotation.quote == "是在加快发展新质生产力上善作善成"
    assert paragraph.text[annotation.start : annotation.end] == annotation.quote
    assert not annotation.detached


def test_deleted_passage_detaches_but_keeps_the_annotation(member, paragraph):
    annotation = _annotate(member, paragraph, quote="是在发展新质生产力上善作善成")

    result = update_paragraph_text(paragraph, "学不厌精，探赜钩深。必须下好先手棋。")

    annotation.refresh_from_db()
    assert result.detached == [annotation]
    assert annotation.detached
    assert annotation.quote == "是在发展新质生产力上善作善成"
    assert annotation.note == "深学才能深信。"


def test_detached_annotation_reattaches_when_the_text_returns(member, paragraph):
    annotation = _annotate(member, paragraph, quote="新质生产力")
    update_paragraph_text(paragraph, "全部改写。")
    update_paragraph_text(paragraph, TEXT)

    annotation.refresh_from_db()
    assert not annotation.detached
    assert paragraph.text[annotation.start : annotation.end] == "新质生产力"


def test_admin_paragraph_edit_reanchors(client, staff, member, paragraph):
    annotation = _annotate(member, paragraph, quote="新质生产力")
    client.force_login(staff)

    response = client.post(
        reverse("admin:articles_paragraph_change", args=[paragraph.pk]),
        {
            "article": paragraph.article_id,
            "position": paragraph.position,
            "kind": "body",
            "text": "前言。" + TEXT,
            "review_note": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    annotation.refresh_from_db()
    assert annotation.start == TEXT.index("新质生产力") + 3
    assert "已随修改后的文字重新定位" in response.content.decode()


def test_admin_article_inline_edit_reanchors_and_refuses_deleting_annotated(
    client, staff, member, paragraph
):
    annotation = _annotate(member, paragraph, quote="是在发展新质生产力上善作善成")
    article = paragraph.article
    client.force_login(staff)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = {
        "title": article.title,
        "byline": article.byline,
        "source": article.source,
        "published_on": "",
        "status": article.status,
        "tags": "",
        "paragraphs-TOTAL_FORMS": "1",
        "paragraphs-INITIAL_FORMS": "1",
        "paragraphs-MIN_NUM_FORMS": "0",
        "paragraphs-MAX_NUM_FORMS": "1000",
        "paragraphs-0-id": paragraph.pk,
        "paragraphs-0-article": article.pk,
        "paragraphs-0-position": paragraph.position,
        "paragraphs-0-kind": "body",
        "paragraphs-0-text": "全部改写的一段话。",
        "paragraphs-0-review_note": "",
    }

    response = client.post(url, data, follow=True)
    annotation.refresh_from_db()
    assert annotation.detached
    assert "原文已修改" in response.content.decode()

    response = client.post(url, {**data, "paragraphs-0-DELETE": "on"})
    # The admin refuses: annotations are PROTECTed from paragraph deletion.
    assert "受保护的相关对象" in response.content.decode()
    assert Paragraph.objects.filter(pk=paragraph.pk).exists()


def test_reanchor_without_annotations_is_harmless(paragraph):
    result = reanchor_annotations(paragraph, "旧文字")
    assert result.kept == result.moved == result.detached == []


def test_merge_themes_moves_articles_and_annotations_once(member, paragraph):
    article = paragraph.article
    article.tags.add("新质生产力", "新质生产力发展")
    annotation = _annotate(member, paragraph, themes=["新质生产力发展"])
    themes = list(Tag.objects.filter(name__startswith="新质生产力"))

    target = merge_themes(themes, "新质生产力")

    assert list(Tag.objects.values_list("name", flat=True)) == ["新质生产力"]
    assert list(article.tags.all()) == [target]
    assert list(annotation.tags.all()) == [target]


def test_admin_merge_action(client, staff, member, paragraph):
    paragraph.article.tags.add("枫桥经验", "新时代枫桥经验")
    client.force_login(staff)
    ids = list(Tag.objects.values_list("pk", flat=True))
    url = reverse("admin:taggit_tag_changelist")

    confirm = client.post(url, {"action": "merge_selected", "_selected_action": ids})
    assert "合并为主题" in confirm.content.decode()
    client.post(
        url,
        {
            "action": "merge_selected",
            "_selected_action": ids,
            "name": "新时代枫桥经验",
            "apply": "1",
        },
    )

    assert list(paragraph.article.tags.names()) == ["新时代枫桥经验"]


def test_admin_rename_validates_the_name(client, staff, paragraph):
    paragraph.article.tags.add("枫桥经验")
    tag = Tag.objects.get()
    client.force_login(staff)

    response = client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]),
        {"name": "<b>枫桥</b>", "slug": tag.slug},
    )

    assert "不能包含 &lt; &gt;" in response.content.decode()
    tag.refresh_from_db()
    assert tag.name == "枫桥经验"


def test_marking_studied_is_idempotent(member, paragraph):
    first = mark_article_studied(member, paragraph.article)
    second = mark_article_studied(member, paragraph.article)
    assert first == second
    assert ReadingProgress.objects.count() == 1


def test_annotation_factory_is_consistent(paragraph):
    annotation = AnnotationFactory(paragraph=paragraph)
    assert annotation.quote == "学不厌精"
