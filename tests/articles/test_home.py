"""The home page: what do I do next, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.services import AttendanceEntry, record_attendance

from .sessions_support import bundled_article, make_session

pytestmark = pytest.mark.django_db


def _upcoming(group, article, topic, days):
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return make_session(
        group,
        article=article,
        topic=topic,
        status="planned",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )


def test_login_lands_on_home(client, member, password):
    response = client.post(
        reverse("login"), {"username": "member", "password": password}
    )

    assert response["Location"] == reverse("home")


def test_anonymous_home_goes_to_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_shows_next_session_make_ups_and_new_materials(
    client, member, secretary, group, other_group
):
    article = bundled_article()
    _upcoming(group, article, "下月专题：推动文化传承发展", 5)
    _upcoming(other_group, article, "别组的学习", 2)
    missed = make_session(group, topic="上次专题学习", article=article)
    record_attendance(
        missed,
        [AttendanceEntry(member=member, status="on_leave", leave_reason="出差")],
        author=secretary,
    )
    client.force_login(member)

    html = client.get(reverse("home")).content.decode()

    assert "下月专题：推动文化传承发展" in html
    assert "别组的学习" not in html
    assert "会前请阅读" in html and article.title in html
    assert "我的补学" in html and "上次专题学习" in html
    assert "新增学习材料" in html


def test_home_query_count_does_not_grow(
    client, member, secretary, group, django_assert_max_num_queries
):
    article = bundled_article()
    client.force_login(member)
    _upcoming(group, article, "专题一", 3)
    first = make_session(group, topic="首次学习", article=article)
    record_attendance(
        first, [AttendanceEntry(member=member, status="absent")], author=secretary
    )
    # (16: the page's 15 and the header's unread notifications, not cached)
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("home"))
    for index in range(8):
        _upcoming(group, article, f"专题{index}", 4 + index)
        missed = make_session(group, topic=f"已举行{index}", article=article)
        record_attendance(
            missed,
            [AttendanceEntry(member=member, status="absent")],
            author=secretary,
        )
    cache.clear()  # cold again, like the first: the count must not grow with data
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(reverse("home"))
    # Warm, the recent activity comes from the cache (two queries per group and
    # two for the member's own part fewer).
    with django_assert_max_num_queries(len(few) - 4):
        client.get(reverse("home"))

    assert response.content.decode().count("make-up-item") == 5
    assert len(many) == len(few)
