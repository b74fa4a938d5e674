"""Object access helpers: return the object the member may see, or raise 404.

Every view that takes an id goes through one of these, so the visibility rule is
applied the same way everywhere and a hidden object is indistinguishable from a
missing one. Write access that is refused on a visible object is a 403. A 404 for
an object that does exist is logged as an ``access_denied`` security event (model
and id only, never its content).
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Member, Membership, StudyGroup
from accounts.permissions import keeps_record_of
from studyhub.security import security_event

from .models import (
    Annotation,
    Article,
    DiscussionNote,
    MakeUpStudy,
    Notification,
    Reply,
    StudySession,
)
from .models.sessions import RECORD_KEEPER_ROLES

# The roles that keep a group's record (see accounts.Membership.leads).
KEEPER_ROLES = RECORD_KEEPER_ROLES


def get_visible_or_404(visible: QuerySet, user, request=None, **lookup) -> Model:
    """The object of ``visible`` matching ``lookup``, else 404 (and an event when the
    object exists but ``user`` may not see it)."""
    try:
        return visible.get(**lookup)
    except visible.model.DoesNotExist:
        if visible.model._default_manager.filter(**lookup).exists():
            security_event(
                "access_denied",
                request,
                level=logging.WARNING,
                user_id=getattr(user, "pk", None),
                model=visible.model._meta.label,
                lookup={key: str(value) for key, value in lookup.items()},
            )
        raise Http404(visible.model._meta.object_name) from None


def get_article_for(user, pk: int, request=None) -> Article:
    return get_visible_or_404(Article.objects.visible_to(user), user, request, pk=pk)


def get_annotation_for(user, pk: int, *, write: bool = False):
    """An annotation the user sees; with ``write``, only the author's own.

    Someone who sees the annotation but did not write it gets 403 on a write, so a
    group member learns nothing new; anyone else gets 404, as if it did not exist.
    """
    annotation = get_visible_or_404(
        Annotation.objects.visible_to(user).select_related(
            "paragraph__article", "group", "author"
        ),
        user,
        pk=pk,
    )
    if write and annotation.author_id != user.pk:
        raise PermissionDenied
    return annotation


def get_reply_for(user, pk: int, *, write: bool = False):
    reply = get_visible_or_404(
        Reply.objects.visible_to(user).select_related(
            "annotation__paragraph__article", "author"
        ),
        user,
        pk=pk,
    )
    if write and reply.author_id != user.pk:
        raise PermissionDenied
    return reply


def can_keep_record(user, group: StudyGroup) -> bool:
    """The secretary, leader and deputies keep the record, and nobody else: being
    staff (or a superuser) gives no right to change a group's official record."""
    return keeps_record_of(user, group)


def get_group_for(user, pk: int, write: bool = False) -> StudyGroup:
    """A group of the user's (404 otherwise, exactly as a missing id); ``write``
    also needs the user to keep its record (403 otherwise)."""
    group = get_visible_or_404(StudyGroup.objects.of_member(user), user, pk=pk)
    if write and not can_keep_record(user, group):
        raise PermissionDenied
    return group


def get_session_for(
    user, pk: int, write: bool = False, *, with_role: bool = False
) -> StudySession:
    """A session of one of the user's groups (404 otherwise); ``write`` also needs
    the user to keep the group's record (403 otherwise). ``with_role`` gives it
    the user's role in its group as ``viewer_role``, in the same query."""
    sessions = StudySession.objects.visible_to(user).select_related(
        "group", "host", "recorder"
    )
    if with_role:
        sessions = sessions.annotate(
            viewer_role=Subquery(
                Membership.objects.filter(
                    group=OuterRef("group_id"), member=user
                ).values("role")[:1]
            )
        )
    session = get_visible_or_404(sessions, user, pk=pk)
    if write and not can_keep_record(user, session.group):
        raise PermissionDenied
    return session


def can_edit_note(user, note: DiscussionNote) -> bool:
    """Record keepers edit every speech; a member edits the drafts of their own."""
    if can_keep_record(user, note.session.group):
        return True
    return (
        note.status == DiscussionNote.Status.DRAFT
        and user.pk in {note.speaker_id, note.drafted_by_id}
        and not note.session.is_archived
    )


def get_note_for(user, pk: int, write: bool = False) -> DiscussionNote:
    """A speech the user may read (another member's draft is 404, as if it did not
    exist, on every verb); ``write`` also needs ``can_edit_note`` (403)."""
    note = get_visible_or_404(
        DiscussionNote.objects.visible_to(user).select_related("session__group"),
        user,
        pk=pk,
    )
    if write and not can_edit_note(user, note):
        raise PermissionDenied
    return note


def get_readable_note_for(user, pk: int, request=None) -> DiscussionNote:
    """A speech as the record page shows it to ``user`` (drafts to their drafter,
    speaker and the record keepers only); 404 otherwise."""
    return get_visible_or_404(
        DiscussionNote.objects.visible_to(user), user, request, pk=pk
    )


def get_make_up_for(user, pk: int) -> MakeUpStudy:
    """Only the member who missed the session marks their make-up study."""
    return get_object_or_404(
        MakeUpStudy.objects.select_related("attendance__session"),
        pk=pk,
        attendance__member=user if user.is_authenticated else None,
    )


def get_member_for_archive(user, pk: int) -> Member:
    """Oneself; or, for record keepers, a member of a group they keep (404 for
    anyone else, as for a missing id). What the archive then shows of that person
    is limited by ``activity_of`` to the groups both belong to."""
    if pk == user.pk:
        return user
    kept = Membership.objects.filter(member=user, role__in=KEEPER_ROLES).values("group")
    return get_visible_or_404(
        Member.objects.filter(memberships__group__in=kept).distinct(), user, pk=pk
    )


# Leave (请假)
def get_leave_for(user, pk: int, request=None):
    """A leave request of one's own, or of a group whose record one keeps; 404
    for anyone else, as for a missing id (LeaveRequest.objects.visible_to)."""
    from .models import LeaveRequest

    return get_visible_or_404(
        LeaveRequest.objects.visible_to(user).select_related(
            "session__group", "member", "decided_by"
        ),
        user,
        request,
        pk=pk,
    )


# Reflections
def get_reflection_for(user, pk: int, request=None, *, write: bool = False):
    """A reflection the user may read (``Reflection.objects.visible_to``; 404
    otherwise); ``write`` also needs the user to be its author (403)."""
    from .models import Reflection

    reflection = get_visible_or_404(
        Reflection.objects.visible_to(user).select_related("session__group", "author"),
        user,
        request,
        pk=pk,
    )
    if write and reflection.author_id != user.pk:
        raise PermissionDenied
    return reflection


# Notifications
def get_notification_for(user, pk: int) -> Notification:
    """One's own notification; anyone else's is 404, as a missing id."""
    return get_visible_or_404(Notification.objects.for_recipient(user), user, pk=pk)
