"""Writes of notifications: who is told of what, the e-mail, the reminders.

Each kind is one small function that finds its recipients and calls ``notify``
(a new kind also needs its ``Notification.Kind`` and its entry in
``articles.reading.notifications.TARGETS``). ``notify`` writes references only
and, once the caller's transaction commits, queues the e-mail for the worker; the
worker words it under the recipient's visibility at that moment.

The services that make the events call these in the same transaction, one line
each (``reply_to_annotation``, ``create_session``, ``update_session``, the
make-up items of ``record_attendance`` and ``mark_session_held``, and the leave
services ``request_leave``, ``decide_leave`` and ``withdraw_leave``).
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import Member, Membership

from ..models import (
    Annotation,
    Attendance,
    LeaveRequest,
    MakeUpStudy,
    Notification,
    ReadingProgress,
    Reply,
    StudySession,
)
from ..reading import cache
from ..reading.notifications import present_notifications
from ..records.reads import materials_prefetch

logger = logging.getLogger(__name__)

Kind = Notification.Kind
# The reminder goes out when a session starts within this time (the day before,
# with a command run hourly or daily: README "Notifications").
REMINDER_AHEAD = timedelta(hours=24)
# A reflection is reminded of when it falls due today or tomorrow (local days: a
# deadline is the end of a day), so a daily run reminds at least a day ahead.
REFLECTION_AHEAD_DAYS = 1


# --- The machinery -------------------------------------------------------------------
def notify(kind: str, pairs: Iterable[tuple[int, int]]) -> list[Notification]:
    """One notification of ``kind`` per (recipient id, target id); the e-mail of
    those who want one is queued when the transaction commits."""
    rows = Notification.objects.bulk_create(
        Notification(recipient_id=recipient, kind=kind, target_id=target)
        for recipient, target in dict.fromkeys(pairs)
    )
    ids = [row.pk for row in rows]
    if ids:
        cache.bump_inboxes(row.recipient_id for row in rows)
        transaction.on_commit(lambda: queue_notification_emails(ids))
    return rows


def notify_about(kind: str, target_id: int, recipients: Iterable[int]):
    return notify(kind, [(recipient, target_id) for recipient in recipients])


def queue_notification_emails(ids: list[int]) -> None:
    """Hand the e-mails to the worker, if anyone of them has an address and wants
    mail (a task row for nobody would be noise in the queue)."""
    wanted = list(
        Notification.objects.filter(pk__in=ids, recipient__in=_mail_recipients())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if wanted:
        send_notification_emails_task.enqueue(wanted)


def _mail_recipients():
    return Member.objects.filter(is_active=True, email_notifications=True).exclude(
        email=""
    )


def mark_read(notification: Notification) -> None:
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    ):
        cache.bump_inboxes([notification.recipient_id])


def mark_all_read(user) -> int:
    marked = (
        Notification.objects.for_recipient(user).unread().update(read_at=timezone.now())
    )
    if marked:
        cache.bump_inboxes([user.pk])
    return marked


def _settle(pending) -> None:
    """Mark the unread notifications of ``pending`` read, and recount the headers
    of exactly those they were sent to."""
    recipients = set(pending.values_list("recipient_id", flat=True))
    if recipients:
        pending.update(read_at=timezone.now())
        cache.bump_inboxes(recipients)


# --- The kinds -----------------------------------------------------------------------
def notify_reply(reply: Reply) -> None:
    """The annotation's author and everyone who replied before, except the one
    replying, each only if they still see the annotation."""
    annotation = reply.annotation
    candidates = {
        annotation.author_id,
        *annotation.replies.live().values_list("author_id", flat=True),
    } - {reply.author_id}
    recipients = [
        member.pk
        for member in Member.objects.filter(pk__in=candidates)
        if Annotation.objects.visible_to(member).filter(pk=annotation.pk).exists()
    ]
    notify_about(Kind.REPLY, reply.pk, recipients)


def _group_members(session: StudySession, by: Member | None):
    members = Membership.objects.filter(group=session.group_id)
    if by is not None:
        members = members.exclude(member=by)
    return members.values_list("member_id", flat=True)


def _is_ahead(session: StudySession) -> bool:
    return session.is_planned and session.ends_at >= timezone.now()


def notify_session_planned(session: StudySession, *, by: Member | None) -> None:
    """The group's members learn of a session to come (not its keeper who added
    it, nor anyone of a record entered after the fact)."""
    if _is_ahead(session):
        notify_about(Kind.SESSION_NEW, session.pk, _group_members(session, by))


def notify_session_changed(
    session: StudySession, changes: list, *, by: Member | None
) -> None:
    """A change to a session to come; who still has an unread notice of it is not
    told twice (the notice shows the session as it is now)."""
    if not changes or not _is_ahead(session):
        return
    pending = Notification.objects.unread().filter(
        kind__in=[Kind.SESSION_NEW, Kind.SESSION_CHANGED], target_id=session.pk
    )
    members = _group_members(session, by).exclude(
        member__in=pending.values("recipient_id")
    )
    notify_about(Kind.SESSION_CHANGED, session.pk, members)


def notify_make_ups(make_ups: Iterable[MakeUpStudy]) -> None:
    """Each member who missed a held session is told of their make-up item."""
    notify(Kind.MAKE_UP, [(m.attendance.member_id, m.pk) for m in make_ups])


def notify_leave_requested(leave: LeaveRequest) -> None:
    """The request's approvers (``LeaveRequest.objects.decidable_by``, the one
    rule: the leader, deputies by the group's setting, the deputies for the
    leader's own request) learn that it waits for them."""
    candidates = Membership.objects.filter(
        group=leave.session.group_id,
        role__in=[Membership.Role.LEADER, Membership.Role.DEPUTY],
    ).exclude(member=leave.member_id)
    recipients = [
        membership.member_id
        for membership in candidates
        if LeaveRequest.objects.decidable_by(membership.member)
        .filter(pk=leave.pk)
        .exists()
    ]
    notify_about(Kind.LEAVE_AWAITING, leave.pk, recipients)


def settle_leave_notices(leave: LeaveRequest) -> None:
    """A request decided or withdrawn no longer waits for anyone: its approvers'
    notices are marked read (the header stops counting them, an e-mail not yet
    sent is not sent; the inbox then words them by the request's state)."""
    _settle(
        Notification.objects.unread().filter(
            kind=Kind.LEAVE_AWAITING, target_id=leave.pk
        )
    )


def notify_leave_decided(leave: LeaveRequest) -> None:
    """The member learns the decision on their request."""
    settle_leave_notices(leave)
    notify_about(Kind.LEAVE_DECIDED, leave.pk, [leave.member_id])


def settle_reflection_reminder(session: StudySession, author: Member) -> None:
    """A reflection handed in is no longer owed: its reminder is marked read."""
    if (
        Notification.objects.unread()
        .filter(kind=Kind.REFLECTION_DUE, target_id=session.pk, recipient=author)
        .update(read_at=timezone.now())
    ):
        cache.bump_inboxes([author.pk])


def send_reflection_reminders(now=None) -> int:
    """Remind each member who owes a reflection due today or tomorrow
    (``Attendance.objects.owing_reflection``) and is still in the session's
    group. Idempotent like the session reminder: once per member and session,
    however often this runs. Returns how many were reminded."""
    today = timezone.localtime(now or timezone.now()).date()
    owing = (
        Attendance.objects.owing_reflection(
            today + timedelta(days=REFLECTION_AHEAD_DAYS), today
        )
        .filter(member__memberships__group=F("session__group"), member__is_active=True)
        .exclude(
            Exists(
                Notification.objects.filter(
                    kind=Kind.REFLECTION_DUE,
                    target_id=OuterRef("session_id"),
                    recipient=OuterRef("member_id"),
                )
            )
        )
        .order_by("session_id", "member_id")
        .values_list("member_id", "session_id")
    )
    try:
        with transaction.atomic():
            return len(notify(Kind.REFLECTION_DUE, list(owing)))
    except IntegrityError:
        # Another run reminded someone meanwhile; the next run reminds the rest.
        logger.info("reflection reminders written by another run")
        return 0


def send_session_reminders(now=None) -> int:
    """Remind the members of each session starting within ``REMINDER_AHEAD`` who
    have not studied all its materials (not marked 学习完成: the only record of
    reading a material) and are not on leave. Idempotent: a member is reminded
    of a session once, however often this runs (the database's unique constraint
    holds even for two runs at once). Returns how many were reminded."""
    now = now or timezone.now()
    sessions = (
        StudySession.objects.filter(
            status=StudySession.Status.PLANNED,
            starts_at__gt=now,
            starts_at__lte=now + REMINDER_AHEAD,
        )
        .prefetch_related(materials_prefetch(published_only=True))
        .order_by("starts_at", "pk")
    )
    reminded = 0
    for session in sessions:
        materials = {row.article_id for row in session.material_rows}
        if not materials:
            continue
        studied_all = (
            ReadingProgress.objects.filter(article__in=materials)
            .values("member_id")
            .annotate(n=Count("article", distinct=True))
            .filter(n=len(materials))
            .values("member_id")
        )
        already = Notification.objects.filter(
            kind=Kind.SESSION_REMINDER, target_id=session.pk
        ).values("recipient_id")
        due = (
            Membership.objects.filter(group=session.group_id)
            .exclude(member__in=studied_all)
            .exclude(member__in=already)
            .exclude(
                member__in=Attendance.objects.filter(
                    session=session, status=Attendance.Status.ON_LEAVE
                ).values("member_id")
            )
            .values_list("member_id", flat=True)
        )
        try:
            with transaction.atomic():
                reminded += len(
                    notify_about(Kind.SESSION_REMINDER, session.pk, list(due))
                )
        except IntegrityError:
            # Another run reminded someone meanwhile; the next run picks up the
            # rest of this session's members.
            logger.info("reminders of session %s written by another run", session.pk)
    return reminded


# --- E-mail --------------------------------------------------------------------------
def render_notification_email(notification: Notification) -> tuple[str, str] | None:
    """(subject, body) as the recipient may read it now, or None when what it is
    about is hidden from them. Names and titles only: the text of a reply stays
    on the site, behind the login."""
    (notification,) = present_notifications(notification.recipient, [notification])
    shown = notification.shown
    if shown is None:
        return None
    site = settings.SITE_URL.rstrip("/")
    subject = _("[StudyHub] %(headline)s") % {"headline": shown.headline}
    body = render_to_string(
        "articles/notifications/email.txt",
        {
            "recipient": notification.recipient,
            "shown": shown,
            "open_url": site + notification.get_absolute_url(),
            "profile_url": site + reverse("profile"),
        },
    )
    return " ".join(subject.split()), body


def send_notification_emails(ids: list[int]) -> int:
    """Send the e-mail of each notification not yet mailed nor read, to members
    who still want mail. Each is claimed (``emailed_at``) before it is sent, so
    two workers never send it twice; a failed send gives the claim back and
    raises, for the queue to record. Returns how many were sent."""
    sent = 0
    pending = Notification.objects.filter(
        pk__in=ids,
        emailed_at__isnull=True,
        read_at__isnull=True,
        recipient__in=_mail_recipients(),
    ).select_related("recipient")
    with translation.override(settings.LANGUAGE_CODE):
        for notification in pending:
            message = render_notification_email(notification)
            if message is None:
                continue
            claimed = Notification.objects.filter(
                pk=notification.pk, emailed_at__isnull=True
            ).update(emailed_at=timezone.now())
            if not claimed:
                continue
            subject, body = message
            try:
                EmailMessage(subject, body, to=[notification.recipient.email]).send()
            except Exception:
                Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
                raise
            sent += 1
    return sent


@task()
def send_notification_emails_task(notification_ids: list[int]) -> None:
    send_notification_emails(notification_ids)
