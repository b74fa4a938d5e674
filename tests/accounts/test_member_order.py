"""Position order (按职务排序): the one ordering rule, its writes and its migration."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Member, Membership
from accounts.services import move_membership, set_member_order

from ..factories import MemberFactory, MembershipFactory


def _join(group, username, display_name, role=Membership.Role.MEMBER, **kwargs):
    person = MemberFactory(username=username, display_name=display_name)
    return MembershipFactory(group=group, member=person, role=role, **kwargs)


def _names(group) -> list[str]:
    return [m.name for m in Member.objects.of_group(group)]


@pytest.mark.django_db
def test_new_members_go_last_whatever_their_name(group):
    _join(group, "zhao", "赵区长")
    _join(group, "an", "安委员")
    _join(group, "bai", "白委员")

    assert _names(group) == ["赵区长", "安委员", "白委员"]
    assert [m.sort_order for m in Membership.objects.in_position_order()] == [1, 2, 3]


@pytest.mark.django_db
def test_order_is_per_group_for_a_member_in_two_groups(group, other_group):
    both = MemberFactory(username="both", display_name="两组成员")
    _join(group, "first", "甲")
    MembershipFactory(group=group, member=both)
    MembershipFactory(group=other_group, member=both)
    _join(other_group, "second", "乙")

    assert _names(group) == ["甲", "两组成员"]
    assert _names(other_group) == ["两组成员", "乙"]


@pytest.mark.django_db
def test_moving_swaps_neighbours_and_the_ends_are_no_ops(group):
    first = _join(group, "a", "甲")
    second = _join(group, "b", "乙")
    third = _join(group, "c", "丙")

    assert move_membership(third, up=True) is True
    assert _names(group) == ["甲", "丙", "乙"]
    assert move_membership(first, up=True) is False
    assert move_membership(second, up=False) is False
    assert _names(group) == ["甲", "丙", "乙"]
    assert move_membership(first, up=False) is True
    assert _names(group) == ["丙", "甲", "乙"]


@pytest.mark.django_db
def test_a_move_renumbers_a_group_with_gaps_and_ties(group):
    _join(group, "a", "甲", sort_order=5)
    tied = _join(group, "b", "乙", sort_order=5)
    _join(group, "c", "丙", sort_order=40)

    move_membership(tied, up=False)

    assert _names(group) == ["甲", "丙", "乙"]
    assert sorted(Membership.objects.values_list("sort_order", flat=True)) == [1, 2, 3]


@pytest.mark.django_db
def test_bulk_created_members_come_last_until_a_move_numbers_them(group):
    first = _join(group, "z", "组长甲", role=Membership.Role.LEADER)
    Membership.objects.bulk_create(
        Membership(group=group, member=MemberFactory(username=name, display_name=name))
        for name in ["b-later", "a-later"]
    )

    assert _names(group) == ["组长甲", "a-later", "b-later"]
    move_membership(first, up=False)
    assert _names(group) == ["a-later", "组长甲", "b-later"]
    assert sorted(Membership.objects.values_list("sort_order", flat=True)) == [1, 2, 3]


@pytest.mark.django_db
def test_set_member_order_puts_the_given_members_first(group):
    a = _join(group, "a", "甲").member
    b = _join(group, "b", "乙").member
    c = _join(group, "c", "丙").member
    d = _join(group, "d", "丁").member

    set_member_order(group, [c, a])

    assert list(Member.objects.of_group(group)) == [c, a, b, d]


@pytest.mark.django_db
def test_former_members_follow_the_group_by_login_name(group):
    _join(group, "z", "组长甲", role=Membership.Role.LEADER)
    _join(group, "y", "委员乙")
    gone = MemberFactory(username="a-gone", display_name="已调离")
    everyone = Member.objects.filter(username__in=["z", "y", "a-gone"])

    assert list(everyone.in_group_order(group).values_list("username", flat=True)) == [
        "z",
        "y",
        gone.username,
    ]


@pytest.mark.django_db(transaction=True)
def test_migration_numbers_leader_deputies_then_by_login_name():
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    old = executor.loader.project_state([("accounts", "0001_initial")]).apps
    OldMember = old.get_model("accounts", "Member")
    OldGroup = old.get_model("accounts", "StudyGroup")
    OldMembership = old.get_model("accounts", "Membership")
    group = OldGroup.objects.create(name="中共天津市南开区委理论学习中心组")
    other = OldGroup.objects.create(name="中共天津市西青区委理论学习中心组")
    for username, role, in_group in [
        ("wangfang", "member", group),
        ("zhaoqiang", "deputy", group),
        ("chenjing", "member", group),
        ("zhangwei", "leader", group),
        ("liming", "secretary", group),
        ("liuyang", "leader", other),
    ]:
        person = OldMember.objects.create(username=username)
        OldMembership.objects.create(group=in_group, member=person, role=role)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = Membership.objects.filter(group_id=group.pk).in_position_order()
    assert [(m.member.username, m.sort_order) for m in rows] == [
        ("zhangwei", 1),
        ("zhaoqiang", 2),
        ("chenjing", 3),
        ("liming", 4),
        ("wangfang", 5),
    ]
    assert Membership.objects.get(group_id=other.pk).sort_order == 1
