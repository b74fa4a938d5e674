"""A member's study archive and the group statistics after annotations met sessions:
the member's annotations (as the VIEWER may see them) and the articles marked
studied (学习完成), in a fixed number of queries."""

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Annotation, ReadingProgress
from articles.reading.notifications import unread_count
from articles.services import mark_article_studied

from ..factories import (
    AnnotationFactory,
    ArticleFactory,
    MembershipFactory,
    ParagraphFactory,
)
from .sessions_support import add_members, bundled_article

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def _paragraph(article):
    return article.paragraphs.filter(kind="body").order_by("position").first()


@pytest.fixture
def member_notes(member, group, other_group):
    """The member's notes of this year: one shared with the group, one private,
    one shared with a second group the leader is not in; and one of last year."""
    MembershipFactory(group=other_group, member=member)
    paragraph = _paragraph(bundled_article())
    AnnotationFactory(
        author=member, paragraph=paragraph, group=group, note="与本组共享"
    )
    AnnotationFactory(author=member, paragraph=paragraph, note="只给自己看的笔记")
    AnnotationFactory(
        author=member, paragraph=paragraph, group=other_group, note="共享给另一组"
    )
    old = AnnotationFactory(
        author=member, paragraph=paragraph, group=group, note="去年的批注"
    )
    Annotation.objects.filter(pk=old.pk).update(
        created_at=timezone.now().replace(year=THIS_YEAR - 1)
    )


def _archive(client, viewer, person, **params):
    client.force_login(viewer)
    url = (
        reverse("articles:my_archive")
        if viewer == person
        else reverse("articles:member_archive", args=[person.pk])
    )
    return client.get(url, params).content.decode()


def test_member_sees_all_own_annotations_of_the_year(client, member, member_notes):
    html = _archive(client, member, member)

    assert "与本组共享" in html
    assert "只给自己看的笔记" in html and "私人笔记：仅本人可见" in html
    assert "共享给另一组" in html
    assert "去年的批注" not in html
    assert "批注</span>" in html  # the figure tile's label


def test_leader_never_sees_members_private_notes(client, leader, member, member_notes):
    html = _archive(client, leader, member)

    assert "与本组共享" in html
    assert "只给自己看的笔记" not in html
    assert "共享给另一组" not in html  # a group the leader is not in
    assert "私人笔记：仅本人可见" not in html
    assert "本人的私人笔记不对外显示" in html


def test_staff_sees_no_private_notes_either(client, staff, member, member_notes):
    html = _archive(client, staff, member)

    assert "只给自己看的笔记" not in html
    assert "与本组共享" not in html  # staff are in no group: nothing shared with them


def test_other_group_member_cannot_open_the_archive(client, outsider, member):
    client.force_login(outsider)

    response = client.get(reverse("articles:member_archive", args=[member.pk]))

    assert response.status_code == 404


def test_last_years_annotations_are_in_last_years_archive(client, member, member_notes):
    html = _archive(client, member, member, year=THIS_YEAR - 1)

    assert "去年的批注" in html
    assert "与本组共享" not in html
    assert f'value="{THIS_YEAR - 1}"' in html


def test_archive_lists_articles_studied_with_dates(client, leader, member):
    article = bundled_article()
    progress = mark_article_studied(member, article)
    older = ArticleFactory(title="去年学习的文章")
    ReadingProgress.objects.create(
        member=member,
        article=older,
        studied_at=timezone.now().replace(year=THIS_YEAR - 1),
    )
    mark_article_studied(leader, ArticleFactory(title="组长自己学的文章"))

    html = _archive(client, leader, member)

    assert "已学习文章" in html and "学习完成日期" in html
    assert article.title in html
    assert timezone.localtime(progress.studied_at).strftime("%-m月%-d日") in html
    assert "去年学习的文章" not in html
    assert "组长自己学的文章" not in html


def test_archive_figures_count_annotations_and_articles_studied(
    client, member, member_notes
):
    for _index in range(2):
        other = ArticleFactory()
        ParagraphFactory(article=other)
        mark_article_studied(member, other)

    response = _archive(client, member, member)

    tiles = response.split('class="figures figures--six"')[1].split("</ul>")[0]
    assert (
        '<span class="figure__value">2</span><span class="figure__label">已学习文章'
        in tiles
    )
    assert (
        '<span class="figure__value">3</span><span class="figure__label">批注' in tiles
    )


def test_archive_query_count_does_not_grow(
    client, leader, member, group, django_assert_max_num_queries
):
    paragraph = _paragraph(bundled_article())
    AnnotationFactory(author=member, paragraph=paragraph, group=group)
    mark_article_studied(member, paragraph.article)
    client.force_login(leader)
    # The header's unread count, cached after a first page: counted and cached
    # before both requests, so the page's own queries are compared.
    unread_count(leader)
    url = reverse("articles:member_archive", args=[member.pk])
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for index in range(10):
        other = ArticleFactory()
        AnnotationFactory(
            author=member,
            paragraph=ParagraphFactory(article=other),
            group=group,
            note=f"批注{index}",
        )
        mark_article_studied(member, other)
    with django_assert_max_num_queries(len(few)) as many:
        html = client.get(url).content.decode()

    assert html.count('class="archive-annotation"') == 11
    assert len(many) == len(few)


def test_statistics_count_articles_studied_per_member(
    client, secretary, member, group, django_assert_max_num_queries
):
    people = add_members(group, 3)
    client.force_login(secretary)
    # The header's unread count, cached after a first page: counted and cached
    # before both requests, so the page's own queries are compared.
    unread_count(secretary)
    url = reverse("articles:group_statistics", args=[group.pk])
    mark_article_studied(member, bundled_article())
    with django_assert_max_num_queries(25) as few:
        client.get(url, {"year": THIS_YEAR})
    for index, person in enumerate(people):
        for _ in range(index + 1):
            mark_article_studied(person, ArticleFactory())
    ReadingProgress.objects.create(
        member=member,
        article=ArticleFactory(),
        studied_at=timezone.now().replace(year=THIS_YEAR - 1),
    )
    with django_assert_max_num_queries(len(few)) as many:
        html = client.get(url, {"year": THIS_YEAR}).content.decode()

    assert len(many) == len(few)
    assert '<th scope="col">已学习文章</th>' in html
    rows = {
        person.name: html.split(f">{person.name}</a></th>")[1].split("</tr>")[0]
        for person in [member, *people]
    }
    # Columns after the name: ... open make-ups, keynotes, articles studied, rate.
    cells = {name: row.split("<td>")[-2] for name, row in rows.items()}
    assert cells[member.name].startswith("1</td>")
    assert [cells[p.name][:1] for p in people] == ["1", "2", "3"]
