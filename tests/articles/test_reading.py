"""The article list, the reader and the theme page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

from ..factories import AnnotationFactory, ArticleFactory, ParagraphFactory

pytestmark = pytest.mark.django_db


def test_list_shows_published_articles_with_byline_source_and_length(member_client):
    article = ArticleFactory(
        title="以党建引领基层治理创新 推动城市治理现代化水平不断提升"
    )
    ParagraphFactory(article=article, text="一二三四五")
    ParagraphFactory(article=article, text="六七八")
    article.tags.add("基层治理")

    response = member_client.get(reverse("articles:list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert article.title in html
    assert article.byline in html
    assert article.source in html
    assert "8 字" in html
    assert reverse("articles:theme", args=[article.tags.get().slug]) in html


def test_list_counts_only_annotations_the_member_may_read(
    member_client, member, leader, group, outsider, other_group
):
    """Own private and the group's shared notes count; a colleague's private note,
    another group's shared note and a deleted note do not."""
    discussed = ParagraphFactory(article=ArticleFactory(title="有讨论的文章"))
    quiet = ArticleFactory(title="没有批注的文章")
    AnnotationFactory(paragraph=discussed, author=member, group=None)
    AnnotationFactory(paragraph=discussed, author=leader, group=group)
    AnnotationFactory(paragraph=discussed, author=leader, group=group)
    AnnotationFactory(paragraph=discussed, author=leader, group=None)
    AnnotationFactory(paragraph=discussed, author=outsider, group=other_group)
    gone = AnnotationFactory(paragraph=discussed, author=member, group=group)
    gone.deleted_at = timezone.now()
    gone.save()

    response = member_client.get(reverse("articles:list"))

    cards = {a.title: a.annotation_count for a in response.context["articles"]}
    assert cards == {"有讨论的文章": 3, quiet.title: 0}
    html = response.content.decode()
    assert html.count("条批注") == 1
    assert "3 条批注" in html


def test_member_never_sees_drafts(member_client):
    draft = ArticleFactory(title="尚未发布的草稿", status=Article.Status.DRAFT)

    listing = member_client.get(reverse("articles:list"))
    reader = member_client.get(draft.get_absolute_url())

    assert "尚未发布的草稿" not in listing.content.decode()
    assert reader.status_code == 404
    assert "尚未发布的草稿" not in reader.content.decode()


def test_staff_can_preview_drafts(client, staff):
    draft = ArticleFactory(title="尚未发布的草稿", status=Article.Status.DRAFT)
    client.force_login(staff)

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert "草稿" in response.content.decode()


def test_list_filters_by_theme(member_client):
    tagged = ArticleFactory(title="在发展新质生产力上勇争先")
    tagged.tags.add("新质生产力")
    ArticleFactory(title="在推动文化传承发展上善作善成")

    response = member_client.get(reverse("articles:list"), {"theme": "新质生产力"})

    html = response.content.decode()
    assert "在发展新质生产力上勇争先" in html
    assert "在推动文化传承发展上善作善成" not in html


def test_unknown_theme_is_404(member_client):
    response = member_client.get(reverse("articles:list"), {"theme": "no-such"})
    assert response.status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_list_query_count_does_not_grow_with_articles(
    member_client, django_assert_max_num_queries, count
):
    for index in range(count):
        article = ArticleFactory()
        ParagraphFactory(article=article)
        article.tags.add(f"主题{index % 3}")

    # session + user, the member's groups, the page of articles with their total,
    # their tags, the theme sidebar, the counts shared with the member's groups
    # (kept apart from the cards: after a note only this one runs again), the
    # header's unread notifications (cold: the cache is empty; warm,
    # test_list_search_cache pins 3)
    with django_assert_max_num_queries(8):
        response = member_client.get(reverse("articles:list"))
    assert len(response.context["articles"]) == min(count, 20)


def test_list_paginates(member_client):
    ArticleFactory.create_batch(25)

    first = member_client.get(reverse("articles:list"))
    second = member_client.get(reverse("articles:list"), {"page": 2})

    assert len(first.context["articles"]) == 20
    assert len(second.context["articles"]) == 5
    assert "第 1 页，共 2 页" in first.content.decode()


def test_reader_renders_headings_and_paragraph_anchors(member_client, article):
    heading, body = article.paragraphs.all()

    response = member_client.get(article.get_absolute_url())

    html = response.content.decode()
    assert f'<h2 class="reader__heading" id="p-{heading.pk}">一、全面系统学' in html
    assert f'<p class="reader__para" id="p-{body.pk}">学不厌精' in html
    assert f'href="#p-{body.pk}"' in html


def test_reader_escapes_stored_markup(member_client):
    article = ArticleFactory(title="<script>alert(1)</script>标题")
    ParagraphFactory(article=article, text='"><img src=x onerror=alert(1)>正文')

    html = member_client.get(article.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("paragraphs", [2, 40])
def test_reader_query_count_does_not_grow_with_paragraphs(
    member_client, django_assert_max_num_queries, paragraphs
):
    article = ArticleFactory()
    ParagraphFactory.create_batch(paragraphs, article=article)
    article.tags.add("新质生产力", "京津冀协同发展")

    # session, user, article, paragraphs, themes; then the annotations layer: visible
    # annotations, their themes, their replies, the member's groups, the studied mark;
    # the sessions whose speeches cited each paragraph (one query for all); keywords;
    # the header's unread notifications
    with django_assert_max_num_queries(13):
        response = member_client.get(article.get_absolute_url())
    assert len(response.context["paragraphs"]) == paragraphs


def test_theme_page_lists_visible_articles_only(member_client):
    published = ArticleFactory(title="已发布的文章")
    draft = ArticleFactory(title="未发布的文章", status=Article.Status.DRAFT)
    published.tags.add("枫桥经验")
    draft.tags.add("枫桥经验")

    response = member_client.get(
        reverse("articles:theme", args=[published.tags.get().slug])
    )

    html = response.content.decode()
    assert "主题：枫桥经验" in html
    assert "已发布的文章" in html
    assert "未发布的文章" not in html


def test_reader_rejects_post(member_client, article):
    response = member_client.post(article.get_absolute_url())
    assert response.status_code == 405
