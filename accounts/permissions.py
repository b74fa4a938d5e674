"""Role questions about members and groups, answered in one place."""

from .models import Membership, StudyGroup


def membership_in(member, group: StudyGroup) -> Membership | None:
    if not member.is_authenticated:
        return None
    return Membership.objects.filter(member=member, group=group).first()


def keeps_record_of(member, group: StudyGroup) -> bool:
    """Leaders, deputies and the study secretary keep a group's record."""
    membership = membership_in(member, group)
    return membership is not None and membership.leads
