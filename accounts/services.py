"""Writes on groups and memberships. Callers check permissions; these functions
keep the group's position order (``Membership.sort_order``) whole."""

from collections.abc import Sequence

from django.db import transaction

from . import changes
from .models import Member, Membership, StudyGroup


def _renumber(memberships: Sequence[Membership]) -> None:
    """Number ``memberships`` 1, 2, 3… in the given order, writing only changes."""
    for place, membership in enumerate(memberships, start=1):
        if membership.sort_order != place:
            membership.sort_order = place
            membership.save(update_fields=["sort_order"])


def _locked_memberships(group: StudyGroup) -> list[Membership]:
    # Rows locked (PostgreSQL) so two keepers moving at once renumber one after
    # the other; SQLite's write transaction serialises them anyway.
    return list(
        Membership.objects.select_for_update()
        .filter(group=group)
        .select_related("member")
        .in_position_order()
    )


@transaction.atomic
def move_membership(membership: Membership, *, up: bool) -> bool:
    """Swap a member with their neighbour in the group's position order.

    Moving the first up or the last down changes nothing and returns False; it is
    not an error. Returns True when the order changed.
    """
    rows = _locked_memberships(membership.group)
    index = next(i for i, row in enumerate(rows) if row.pk == membership.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rows):
        _renumber(rows)
        return False
    rows[index], rows[other] = rows[other], rows[index]
    _renumber(rows)
    # Records and statistics list members in this order.
    changes.announce("membership", group_id=membership.group_id)
    return True


@transaction.atomic
def set_member_order(group: StudyGroup, members: Sequence[Member]) -> None:
    """Put ``members`` first, in this order; the group's others follow as they were."""
    rows = _locked_memberships(group)
    wanted = {member.pk: place for place, member in enumerate(members)}
    rows.sort(key=lambda row: wanted.get(row.member_id, len(wanted)))
    _renumber(rows)
    changes.announce("membership", group_id=group.pk)
