"""What a notification says, rendered when the inbox shows it or the worker mails it.

A notification holds only a kind and an id. Each kind has a ``Target`` here: the
recipient's visibility rule for what the id points at (the same rule the pages
use) and a function that words the line from the object found. An object the
recipient may no longer see (an annotation made private or deleted, an article
taken back to draft, a group left) is not found, and the notification shows
``HIDDEN_LINE`` instead: its text never reaches anyone who may not read it.

A new kind of notification adds its ``Notification.Kind``, a function in
``articles.services.notifications`` that calls ``notify`` and an entry in
``TARGETS``; the inbox, the header count and the e-mail need nothing more.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from ..models import (
    GroupStudySettings,
    LeaveRequest,
    MakeUpStudy,
    Notification,
    Reply,
    StudySession,
)
from ..models.reflections import reflection_deadline
from ..records.reads import materials_prefetch
from . import cache

EXCERPT_CHARS = 80


@dataclass
class Shown:
    """A notification as its recipient may see it now."""

    headline: str
    url: str
    details: str = ""
    # Text of the object itself (a reply): the inbox shows it, the e-mail does not.
    excerpt: str = ""
    materials: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    # What the recipient may see of the target model, with what ``present`` reads.
    visible: Callable[[object], QuerySet]
    present: Callable[[Notification, object], Shown]


def hidden_line() -> str:
    return _("This notification is about something you can no longer see.")


# --- Replies -------------------------------------------------------------------------
def _visible_replies(user) -> QuerySet:
    """Replies of live annotations the user sees, themselves not deleted."""
    return (
        Reply.objects.visible_to(user)
        .live()
        .filter(annotation__deleted_at__isnull=True)
        .select_related("author", "annotation__paragraph__article")
    )


def _present_reply(notification: Notification, reply: Reply) -> Shown:
    annotation = reply.annotation
    article = annotation.paragraph.article
    words = {"name": reply.author.name, "title": article.title}
    if annotation.author_id == notification.recipient_id:
        headline = _("%(name)s replied to your annotation on 《%(title)s》") % words
    else:
        headline = (
            _("%(name)s replied in a discussion you took part in, on 《%(title)s》")
            % words
        )
    url = reverse("articles:detail", args=[article.pk])
    return Shown(
        headline=headline,
        url=f"{url}?focus={annotation.pk}#{reply.anchor}",
        excerpt=Truncator(reply.text).chars(EXCERPT_CHARS),
    )


# --- Sessions ------------------------------------------------------------------------
def _visible_sessions(user) -> QuerySet:
    return (
        StudySession.objects.visible_to(user)
        .select_related("group")
        .prefetch_related(materials_prefetch(published_only=True))
    )


SESSION_HEADLINES = {
    Notification.Kind.SESSION_NEW: lambda: _(
        "New study session of %(group)s: %(topic)s"
    ),
    Notification.Kind.SESSION_CHANGED: lambda: _(
        "A study session of %(group)s was changed: %(topic)s"
    ),
    Notification.Kind.SESSION_REMINDER: lambda: _(
        "Reminder: %(topic)s is coming up and you have not yet studied all its "
        "materials"
    ),
}


def _present_session(notification: Notification, session: StudySession) -> Shown:
    headline = SESSION_HEADLINES[notification.kind]() % {
        "group": session.group.name,
        "topic": session.topic,
    }
    details = session.time_range
    if session.place:
        details = f"{details} · {session.place}"
    return Shown(
        headline=headline,
        url=session.get_absolute_url(),
        details=details,
        materials=[f"《{row.article.title}》" for row in session.material_rows],
    )


# --- Make-up study -------------------------------------------------------------------
def _visible_make_ups(user) -> QuerySet:
    """Only the member who missed the session (as ``access.get_make_up_for``)."""
    if not user.is_authenticated:
        return MakeUpStudy.objects.none()
    return MakeUpStudy.objects.filter(attendance__member=user).select_related(
        "attendance__session__group"
    )


def _present_make_up(notification: Notification, make_up: MakeUpStudy) -> Shown:
    session = make_up.attendance.session
    start = timezone.localtime(session.starts_at)
    return Shown(
        headline=_("Make-up study for %(topic)s (%(date)s)")
        % {"topic": session.topic, "date": f"{start:%Y年%m月%d日}"},
        url=reverse("articles:make_up_detail", args=[make_up.pk]),
        details=session.group.name,
    )


# --- Leave --------------------------------------------------------------------------
def _visible_leave(user) -> QuerySet:
    """``LeaveRequest.objects.visible_to``: the member and the group's keepers
    (every approver keeps the record), the only people who may read the reason;
    ``decidable`` says whether the request is still the user's to decide."""
    return (
        LeaveRequest.objects.visible_to(user)
        .annotate(
            decidable=Exists(
                LeaveRequest.objects.decidable_by(user).filter(pk=OuterRef("pk"))
            )
        )
        .select_related("session__group", "member", "decided_by")
    )


def _leave_awaiting_headline(leave: LeaveRequest) -> str:
    words = {"name": leave.member.name, "topic": leave.session.topic}
    if leave.is_pending and leave.decidable:
        return (
            _("%(name)s asks for leave from %(topic)s: awaiting your decision") % words
        )
    if leave.is_pending:
        return _("%(name)s asks for leave from %(topic)s") % words
    if leave.status == LeaveRequest.Status.WITHDRAWN:
        return _("%(name)s withdrew the request for leave from %(topic)s") % words
    words["decider"] = leave.decided_by.name
    if leave.is_approved:
        return _(
            "Leave of %(name)s from %(topic)s: already approved by %(decider)s"
        ) % (words)
    return _("Leave of %(name)s from %(topic)s: already declined by %(decider)s") % (
        words
    )


def _leave_decided_headline(leave: LeaveRequest) -> str:
    words = {"topic": leave.session.topic}
    if leave.decided_by is not None:
        words["decider"] = leave.decided_by.name
    if leave.is_approved:
        return _("Your leave from %(topic)s was approved by %(decider)s") % words
    if leave.status == LeaveRequest.Status.DECLINED:
        return _("Your leave from %(topic)s was declined by %(decider)s") % words
    if leave.decided_by is not None:
        return (
            _("Your leave from %(topic)s was approved by %(decider)s; you withdrew it")
            % words
        )
    return _("Your request for leave from %(topic)s was withdrawn") % words


def _present_leave(notification: Notification, leave: LeaveRequest) -> Shown:
    session = leave.session
    if notification.kind == Notification.Kind.LEAVE_AWAITING:
        headline = _leave_awaiting_headline(leave)
        # The reason, for whom ``visible_to`` lets read it (the inbox only).
        excerpt = Truncator(leave.reason).chars(EXCERPT_CHARS)
    else:
        headline = _leave_decided_headline(leave)
        excerpt = Truncator(leave.comment).chars(EXCERPT_CHARS)
    return Shown(
        headline=headline,
        url=leave.get_absolute_url(),
        details=f"{session.group.name} · {session.time_range}",
        excerpt=excerpt,
    )


# --- Reflections ---------------------------------------------------------------------
def _visible_reflection_sessions(user) -> QuerySet:
    """The sessions of one's groups (a member who left sees the neutral line)."""
    return StudySession.objects.visible_to(user).select_related("group__study_settings")


def _present_reflection_due(notification: Notification, session: StudySession) -> Shown:
    try:
        rules = session.group.study_settings
    except GroupStudySettings.DoesNotExist:
        rules = GroupStudySettings(group=session.group)
    words = {"topic": session.topic}
    if rules.reflections_expected:
        deadline = timezone.localtime(
            reflection_deadline(session, rules.reflection_days)
        )
        words["date"] = f"{deadline:%m月%d日}"
        headline = (
            _("Reminder: your reflection on %(topic)s is due by %(date)s") % words
        )
    else:
        headline = _("Hand in your reflection on %(topic)s") % words
    return Shown(
        headline=headline,
        url=reverse("articles:reflection_hand_in", args=[session.pk]),
        details=f"{session.group.name} · {session.time_range}",
    )


SESSIONS = Target(_visible_sessions, _present_session)
LEAVE = Target(_visible_leave, _present_leave)
TARGETS: dict[str, Target] = {
    Notification.Kind.REPLY: Target(_visible_replies, _present_reply),
    Notification.Kind.SESSION_NEW: SESSIONS,
    Notification.Kind.SESSION_CHANGED: SESSIONS,
    Notification.Kind.SESSION_REMINDER: SESSIONS,
    Notification.Kind.MAKE_UP: Target(_visible_make_ups, _present_make_up),
    Notification.Kind.LEAVE_AWAITING: LEAVE,
    Notification.Kind.LEAVE_DECIDED: LEAVE,
    Notification.Kind.REFLECTION_DUE: Target(
        _visible_reflection_sessions, _present_reflection_due
    ),
}


def present_notifications(
    user, notifications: Iterable[Notification]
) -> list[Notification]:
    """Set ``shown`` (a ``Shown``, or None when hidden) on each of ``user``'s
    notifications. One query per target model present (two with prefetches),
    whatever the number of notifications."""
    notifications = list(notifications)
    wanted: dict[Target, set[int]] = defaultdict(set)
    for notification in notifications:
        target = TARGETS.get(notification.kind)
        if target is not None:
            wanted[target].add(notification.target_id)
    found = {
        target: target.visible(user).in_bulk(ids) for target, ids in wanted.items()
    }
    for notification in notifications:
        target = TARGETS.get(notification.kind)
        obj = found[target].get(notification.target_id) if target else None
        notification.shown = None if obj is None else target.present(notification, obj)
    return notifications


def unread_count(user) -> int:
    """How many of ``user``'s notifications are unread, as the header shows it on
    every page: cached per member (``cache.inbox``), counted again after the
    services that write or mark notifications bump it (``cache.bump_inboxes``)."""
    return cache.cached(
        "unread",
        [cache.inbox(user.pk)],
        lambda: Notification.objects.for_recipient(user).unread().count(),
    )
