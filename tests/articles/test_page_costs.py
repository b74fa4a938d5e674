"""Pages whose cost must not grow with the record (issue 14): the session list counts
attendance for the sessions it shows, the archive and a member's own annotations show
one page of annotations at a time, and search compiles its visibility rule once per
user object without ever serving a stale one. Query counts are pinned at one item and
at more than a page of them."""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from articles import search
from articles.models import Annotation, Article, Attendance
from articles.reading.notifications import unread_count
from articles.services import annotate_paragraph
from articles.views.groups import ARCHIVE_ANNOTATIONS_PER_PAGE
from articles.views.sessions import SESSIONS_PER_PAGE

from ..factories import AnnotationFactory, MembershipFactory
from .sessions_support import at, bundled_article, make_session

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def _paragraph():
    return bundled_article().paragraphs.filter(kind="body").order_by("position").first()


# --- Session list --------------------------------------------------------------------
def _sessions_with_attendance(group, present, absent, count: int, first: int = 0):
    for index in range(first, first + count):
        session = make_session(
            group,
            topic=f"第{index}次专题学习",
            starts_at=at(2026, 1, 1, 9) + timedelta(days=index),
            ends_at=at(2026, 1, 1, 12) + timedelta(days=index),
        )
        Attendance.objects.bulk_create(
            [
                Attendance(session=session, member=present, status="present"),
                Attendance(session=session, member=absent, status="absent"),
            ]
        )


def test_session_list_counts_attendance_on_every_page(
    client, member, leader, group, django_assert_max_num_queries
):
    _sessions_with_attendance(group, member, leader, 1)
    client.force_login(member)
    url = reverse("articles:session_list")
    with django_assert_max_num_queries(9) as few:
        client.get(url)
    _sessions_with_attendance(group, member, leader, SESSIONS_PER_PAGE + 4, first=1)

    with django_assert_max_num_queries(len(few)) as many:
        first = client.get(url)
    second = client.get(url, {"page": 2})

    shown = list(first.context["sessions"]) + list(second.context["sessions"])
    assert len(first.context["sessions"]) == SESSIONS_PER_PAGE
    assert len(shown) == SESSIONS_PER_PAGE + 5
    assert {(s.expected, s.attended) for s in shown} == {(2, 1)}
    assert len(many) == len(few)


def test_session_list_counts_no_attendance_as_zero(client, member, group):
    make_session(group, topic="尚未记录考勤的专题学习")
    client.force_login(member)

    (session,) = client.get(reverse("articles:session_list")).context["sessions"]

    assert (session.expected, session.attended) == (0, 0)


# --- Archive -------------------------------------------------------------------------
def _annotations(author, group, count: int, first: int = 0) -> None:
    paragraph = _paragraph()
    for index in range(first, first + count):
        AnnotationFactory(
            author=author, paragraph=paragraph, group=group, note=f"第{index}条批注"
        )


def test_archive_shows_a_page_of_annotations_and_counts_them_all(
    client, leader, member, group, django_assert_max_num_queries
):
    _annotations(member, group, 1)
    client.force_login(leader)
    url = reverse("articles:member_archive", args=[member.pk])
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    total = ARCHIVE_ANNOTATIONS_PER_PAGE + 5
    _annotations(member, group, total - 1, first=1)
    # Factories bypass the services' bumps: the archive read above is cached.
    cache.clear()

    with django_assert_max_num_queries(len(few)) as many:
        first = client.get(url).content.decode()
    second = client.get(url, {"year": THIS_YEAR, "page": 2}).content.decode()

    assert len(many) == len(few)
    assert first.count('class="archive-annotation"') == ARCHIVE_ANNOTATIONS_PER_PAGE
    assert second.count('class="archive-annotation"') == 5
    # Oldest first: the first page starts with the first note, the second ends
    # with the last; the figure counts all of them.
    assert "第0条批注" in first and f"第{total - 1}条批注" not in first
    assert f"第{total - 1}条批注" in second and "第0条批注" not in second
    for html in (first, second):
        assert (
            f'<span class="figure__value">{total}</span>'
            '<span class="figure__label">批注' in html
        )
    assert f"?year={THIS_YEAR}&amp;page=2#annotations" in first
    assert f"?year={THIS_YEAR}&amp;page=1#annotations" in second


def test_archive_page_out_of_range_shows_the_last_page(client, member, group):
    _annotations(member, group, 3)
    client.force_login(member)

    response = client.get(reverse("articles:my_archive"), {"page": 99})

    assert response.status_code == 200
    assert response.content.decode().count('class="archive-annotation"') == 3


def test_archive_pages_keep_private_notes_from_a_leader(client, leader, member, group):
    _annotations(member, None, ARCHIVE_ANNOTATIONS_PER_PAGE + 1)
    _annotations(member, group, 1, first=100)
    client.force_login(leader)
    url = reverse("articles:member_archive", args=[member.pk])

    pages = [client.get(url, {"page": n}).content.decode() for n in (1, 2)]

    # The leader sees one shared note: a single page, which page 2 falls back to.
    assert all("第100条批注" in html for html in pages)
    assert not any("第0条批注" in html for html in pages)


# --- My annotations ------------------------------------------------------------------
def test_my_annotations_queries_do_not_grow_past_a_page(
    client, member, group, django_assert_max_num_queries
):
    _annotations(member, group, 1)
    client.force_login(member)
    url = reverse("articles:my_annotations")
    # Counted and cached before both requests: the page's own queries compared.
    unread_count(member)
    # (10: the page's 9 and the header's unread notifications, when not cached)
    with django_assert_max_num_queries(10) as few:
        client.get(url)
    _annotations(member, group, 30, first=1)
    # The factories write past the services' bumps: cold again, like the first.
    cache.clear()
    unread_count(member)

    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url)

    assert len(many) == len(few)
    assert len(response.context["annotations"]) == 20
    assert response.context["page_obj"].paginator.count == 31


# --- Search's visibility rule, memoised -----------------------------------------------
@pytest.fixture
def library(group, other_group):
    call_command("load_demo", "--no-annotations", stdout=io.StringIO())
    article = Article.objects.get(title__contains="基层治理")
    return article.paragraphs.filter(kind="body").first()


def _finds(user, annotation) -> bool:
    results = search.search(user, "矛盾化解", kinds=["annotation"])
    return any(hit.document.object_id == annotation.pk for hit in results.hits)


def test_search_rule_memoised_on_the_user_follows_a_membership(
    library, member, outsider, group
):
    note = annotate_paragraph(
        author=member,
        paragraph=library,
        start=0,
        end=6,
        quote=library.text[:6],
        note="矛盾化解在萌芽状态。",
        group=group,
    )
    assert not _finds(outsider, note)
    assert search.kinds.visible_to(outsider) is search.kinds.visible_to(outsider)

    joined = MembershipFactory(group=group, member=outsider)
    assert _finds(outsider, note)  # the same user object: no stale rule
    joined.delete()
    assert not _finds(outsider, note)
    Membership.objects.filter(member=member).delete()
    assert _finds(member, note)  # the author still finds their own note


def test_search_rule_memo_is_per_user_object(library, member, outsider, group):
    note = annotate_paragraph(
        author=member,
        paragraph=library,
        start=0,
        end=6,
        quote=library.text[:6],
        note="矛盾化解在萌芽状态。",
        group=group,
    )
    assert _finds(member, note)
    assert not _finds(outsider, note)
    Annotation.objects.filter(pk=note.pk).update(group=None)
    assert _finds(member, note)
