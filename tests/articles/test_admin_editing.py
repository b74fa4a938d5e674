"""Editors manage articles in the admin: paragraphs inline, stable identities."""

import pytest
from django.urls import reverse

from articles.models import Article, Paragraph

from ..factories import ArticleFactory, ParagraphFactory

pytestmark = pytest.mark.django_db


def inline_post_data(article, paragraphs, changes):
    data = {
        "title": article.title,
        "byline": article.byline,
        "source": article.source,
        "published_on": "",
        "status": article.status,
        "tags": "",
        "paragraphs-TOTAL_FORMS": str(len(paragraphs)),
        "paragraphs-INITIAL_FORMS": str(len(paragraphs)),
        "paragraphs-MIN_NUM_FORMS": "0",
        "paragraphs-MAX_NUM_FORMS": "1000",
    }
    for index, paragraph in enumerate(paragraphs):
        prefix = f"paragraphs-{index}-"
        data |= {
            f"{prefix}id": str(paragraph.pk),
            f"{prefix}article": str(article.pk),
            f"{prefix}position": str(paragraph.position),
            f"{prefix}kind": paragraph.kind,
            f"{prefix}text": changes.get(paragraph.pk, paragraph.text),
            f"{prefix}review_note": paragraph.review_note,
        }
    return data


def test_editing_one_paragraph_keeps_the_others(client, staff):
    article = ArticleFactory()
    paragraphs = ParagraphFactory.create_batch(3, article=article)
    before = {p.pk: (p.position, p.text) for p in paragraphs}
    edited = paragraphs[1]
    client.force_login(staff)

    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        inline_post_data(article, paragraphs, {edited.pk: "改正后的段落。"}),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    after = {p.pk: (p.position, p.text) for p in article.paragraphs.all()}
    assert set(after) == set(before), "no paragraph recreated"
    assert after[edited.pk] == (edited.position, "改正后的段落。")
    for pk in before.keys() - {edited.pk}:
        assert after[pk] == before[pk]


def test_admin_filters_articles_needing_review(client, staff):
    flagged = ArticleFactory(title="有待复核的文章")
    ParagraphFactory(article=flagged, review_note="第 1 段在句子中间结束")
    clean = ArticleFactory(title="无需复核的文章")
    ParagraphFactory(article=clean)
    client.force_login(staff)

    response = client.get(
        reverse("admin:articles_article_changelist"), {"review": "yes"}
    )

    html = response.content.decode()
    assert "有待复核的文章" in html
    assert "无需复核的文章" not in html


def test_admin_searches_titles_and_filters_by_status(client, staff):
    ArticleFactory(title="在发展新质生产力上勇争先", status=Article.Status.DRAFT)
    ArticleFactory(title="在推动文化传承发展上善作善成")
    client.force_login(staff)
    url = reverse("admin:articles_article_changelist")

    found = client.get(url, {"q": "新质生产力"}).content.decode()
    drafts = client.get(url, {"status__exact": "draft"}).content.decode()

    assert "在发展新质生产力上勇争先" in found
    assert "在推动文化传承发展上善作善成" not in found
    assert "在发展新质生产力上勇争先" in drafts
    assert "在推动文化传承发展上善作善成" not in drafts


def test_paragraph_admin_lists_flagged_paragraphs(client, staff):
    ParagraphFactory(text="感可及的实事。", review_note="孤立片段")
    ParagraphFactory(text="完整的段落。")
    client.force_login(staff)

    response = client.get(
        reverse("admin:articles_paragraph_changelist"), {"review_note__isempty": "0"}
    )

    html = response.content.decode()
    assert "感可及的实事" in html
    assert "完整的段落" not in html
    assert Paragraph.objects.count() == 2


def test_a_group_with_a_study_record_cannot_be_deleted_in_the_admin(
    client, staff, member, group, other_group
):
    """Its sessions and plans are the record inspection teams read: the admin
    refuses, names them by kind, and keeps group, sessions and memberships."""
    from accounts.models import StudyGroup
    from articles.models import StudySession

    from .sessions_support import make_session

    session = make_session(group)
    client.force_login(staff)
    url = reverse("admin:accounts_studygroup_delete", args=[group.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    # Refused because the records block it, not for a permission the editor
    # lacks; the sessions by kind, never by topic.
    assert "受保护" in html and "无权删除" not in html
    assert "集体学习" in html and session.topic not in html
    assert client.post(url, {"post": "yes"}).status_code == 200
    assert StudyGroup.objects.filter(pk=group.pk).exists()
    assert StudySession.objects.filter(pk=session.pk, group=group).exists()
    assert group.memberships.exists()
    # A group without a record is deleted as before.
    url = reverse("admin:accounts_studygroup_delete", args=[other_group.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not StudyGroup.objects.filter(pk=other_group.pk).exists()
