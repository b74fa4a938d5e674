"""Members listed by position (按职务排序) on every page and export, and the screen
where the record keepers set that order."""

import io
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Member, Membership
from accounts.services import set_member_order
from articles.models import Attendance
from articles.reading.notifications import unread_count
from articles.records.reads import group_year
from articles.services import AttendanceEntry, record_attendance

from ..factories import MemberFactory, MembershipFactory
from .sessions_support import bundled_article, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def deputy(group):
    person = MemberFactory(username="chen", display_name="陈副组长")
    MembershipFactory(group=group, member=person, role=Membership.Role.DEPUTY)
    return person


@pytest.fixture
def ordered(group, leader, secretary, member, deputy):
    """Leader, deputy, member, secretary: neither the order they joined in
    (leader, secretary, member, deputy) nor login-name order (chen, leader, ...)."""
    people = [leader, deputy, member, secretary]
    set_member_order(group, people)
    return people


@pytest.fixture
def held(group, ordered, secretary):
    session = make_session(group, article=bundled_article(), status="planned")
    record_attendance(
        session,
        [AttendanceEntry(member=p, status=Attendance.Status.PRESENT) for p in ordered],
        author=secretary,
    )
    return session


@pytest.fixture
def keeper_client(client, secretary):
    # Only the group's record keepers see its record (staff keep none).
    client.force_login(secretary)
    return client


def _order_on(text: str, people) -> list[str]:
    """The people's names in the order they first appear in ``text``'s main part
    (the header names the logged-in keeper, who is one of them)."""
    names = [p.name for p in people]
    main = text.split("<main", 1)[-1]
    found = re.findall("|".join(map(re.escape, names)), main)
    return list(dict.fromkeys(found))


def _names(people) -> list[str]:
    return [p.name for p in people]


def test_attendance_screen_lists_members_by_position(keeper_client, held, ordered):
    url = reverse("articles:session_attendance", args=[held.pk])
    html = keeper_client.get(url).content.decode()

    assert _order_on(html, ordered) == _names(ordered)


def test_sign_in_sheet_lists_members_by_position(keeper_client, held, ordered):
    url = reverse("articles:sign_in_sheet", args=[held.pk])
    html = keeper_client.get(url).content.decode()

    assert _order_on(html, ordered) == _names(ordered)


def test_record_page_lists_attendance_by_position(keeper_client, held, ordered):
    html = keeper_client.get(held.get_absolute_url()).content.decode()

    assert _order_on(html, ordered) == _names(ordered)


def test_statistics_and_group_year_list_members_by_position(
    keeper_client, group, held, ordered
):
    stats = group_year(group, 2026)
    url = reverse("articles:group_statistics", args=[group.pk])
    html = keeper_client.get(f"{url}?year=2026").content.decode()

    assert [m.member for m in stats.members] == ordered
    assert _order_on(html, ordered) == _names(ordered)


def test_attendance_sheet_lists_members_by_position(
    keeper_client, group, held, ordered
):
    url = reverse("articles:group_attendance_xlsx", args=[group.pk, 2026])
    book = openpyxl.load_workbook(io.BytesIO(keeper_client.get(url).content))
    rows = book.worksheets[0].iter_rows(values_only=True)
    cells = [str(cell) for row in rows for cell in row]

    assert _order_on("\n".join(cells), ordered) == _names(ordered)


# The screen (成员排序)


def _order_url(group):
    return reverse("articles:group_member_order", args=[group.pk])


def _move(client, group, person, direction):
    membership = Membership.objects.get(group=group, member=person)
    return client.post(
        reverse("articles:group_member_move", args=[group.pk, membership.pk]),
        {"direction": direction},
    )


def test_keeper_moves_a_member_up_and_the_order_shows_everywhere(
    client, group, secretary, ordered, held
):
    leader, deputy, member, _secretary = ordered
    client.force_login(secretary)

    page = client.get(_order_url(group)).content.decode()
    response = _move(client, group, member, "up")

    # (The keeper's own name is in the page header: read the table only.)
    page = page[page.index("<table") :]
    assert _order_on(page, ordered) == _names(ordered)
    assert "上移" in page and "下移" in page
    assert response.status_code == 302
    assert response["Location"].startswith(_order_url(group))
    assert list(Member.objects.of_group(group)) == [leader, member, deputy, secretary]
    followed = client.get(response["Location"]).content.decode()
    assert "王成员已上移。" in followed
    attendance = client.get(reverse("articles:session_attendance", args=[held.pk]))
    attendance = attendance.content.decode()
    attendance = attendance[attendance.index("<table") :]
    assert _order_on(attendance, ordered) == _names([leader, member, deputy, secretary])


def test_moving_the_first_up_or_the_last_down_is_a_quiet_no_op(
    client, group, secretary, ordered
):
    leader, *_others, last = ordered
    client.force_login(secretary)

    first_up = _move(client, group, leader, "up")
    message = client.get(first_up["Location"]).content.decode()
    last_down = _move(client, group, last, "down")

    assert (first_up.status_code, last_down.status_code) == (302, 302)
    assert "张组长已排在第一位。" in message
    assert list(Member.objects.of_group(group)) == ordered


def test_plain_member_cannot_open_or_use_the_screen(client, group, member, ordered):
    client.force_login(member)

    page = client.get(_order_url(group))
    move = _move(client, group, ordered[1], "up")

    assert (page.status_code, move.status_code) == (403, 403)
    assert list(Member.objects.of_group(group)) == ordered


def test_keeper_of_another_group_gets_404(client, group, other_group, ordered):
    keeper = MemberFactory(username="xiqing-leader", display_name="西青组长")
    MembershipFactory(group=other_group, member=keeper, role=Membership.Role.LEADER)
    client.force_login(keeper)

    page = client.get(_order_url(group))
    move = _move(client, group, ordered[1], "up")

    assert (page.status_code, move.status_code) == (404, 404)
    assert list(Member.objects.of_group(group)) == ordered


def test_a_membership_of_another_group_is_404(client, group, other_group, secretary):
    stranger = MembershipFactory(group=other_group)
    client.force_login(secretary)

    response = client.post(
        reverse("articles:group_member_move", args=[group.pk, stranger.pk]),
        {"direction": "up"},
    )

    assert response.status_code == 404


def test_anonymous_wrong_method_and_missing_csrf(group, secretary, ordered):
    membership = Membership.objects.get(group=group, member=ordered[2])
    move_url = reverse("articles:group_member_move", args=[group.pk, membership.pk])
    anonymous = Client().get(_order_url(group))
    keeper = Client(enforce_csrf_checks=True)
    keeper.force_login(secretary)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert keeper.get(move_url).status_code == 405
    assert keeper.post(move_url, {"direction": "up"}).status_code == 403
    assert list(Member.objects.of_group(group)) == ordered


def test_order_screen_query_count_does_not_grow(
    client, group, secretary, ordered, django_assert_max_num_queries
):
    client.force_login(secretary)
    # The header's unread count, cached after a first page: counted and cached
    # before both requests, so the page's own queries are compared.
    unread_count(secretary)
    with django_assert_max_num_queries(12) as few:
        client.get(_order_url(group))
    for _index in range(5):
        MembershipFactory(group=group)
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(_order_url(group))

    assert response.content.decode().count('id="m-') == len(ordered) + 5
    assert len(many) == len(few)
