"""Leave requests (请假): asked for, decided, withdrawn — here and nowhere else.

These three functions are the only writers of ``LeaveRequest``; whatever must
happen when a request is made or decided (telling the approver or the member)
is added to them. Same contract as services.sessions: one transaction each, a
``ValidationError`` with a Chinese message and a code before anything is
written. Callers check that the requester may see the session
(articles.access); these functions check who may decide and when.

Races: a decision and a withdrawal lock the request row (``select_for_update``;
SQLite serialises writers with IMMEDIATE transactions) and re-read its status,
so of two leaders deciding at once, or a leader deciding while the member
withdraws, exactly one wins and the other is told what happened.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member, Membership

from ..models import Attendance, LeaveRequest, MakeUpStudy, StudySession
from ..models.leave import COMMENT_MAX_LENGTH, REASON_MAX_LENGTH
from ..reading import cache as read_models
from .notifications import (
    notify_leave_decided,
    notify_leave_requested,
    settle_leave_notices,
)
from .sessions import MAKE_UP_STATUSES, _correct


def _check_length(text: str, limit: int, code: str) -> None:
    if len(text) > limit:
        raise ValidationError(
            _("Keep it to %(limit)s characters (this has %(count)s).")
            % {"limit": limit, "count": len(text)},
            code=code,
        )


def why_leave_closed(session: StudySession) -> str | None:
    """Why leave can no longer be asked from ``session`` (None while it can)."""
    if session.is_planned and not session.has_started:
        return None
    return _(
        "This session started at %(start)s: leave can no longer be asked for "
        "here. Tell the group's secretary."
    ) % {"start": timezone.localtime(session.starts_at).strftime("%m月%d日 %H:%M")}


@transaction.atomic
def request_leave(
    session: StudySession, member: Member, *, reason: str
) -> LeaveRequest:
    """Ask for leave from ``session``, before it starts."""
    reason = (reason or "").strip()
    if not Membership.objects.filter(group=session.group_id, member=member).exists():
        raise ValidationError(
            _("Only members of the group can ask for leave from its sessions."),
            code="not_member",
        )
    closed = why_leave_closed(session)
    if closed:
        raise ValidationError(closed, code="started")
    if not reason:
        raise ValidationError(_("Give the reason for leave."), code="reason_required")
    _check_length(reason, REASON_MAX_LENGTH, "reason_too_long")
    if LeaveRequest.objects.open().filter(session=session, member=member).exists():
        raise ValidationError(
            _(
                "You already asked for leave from this session. Withdraw that "
                "request first to ask again."
            ),
            code="already_asked",
        )
    try:
        with transaction.atomic():
            leave = LeaveRequest.objects.create(
                session=session, member=member, reason=reason
            )
    except IntegrityError:
        # Two submissions at the same moment: the database kept the first.
        raise ValidationError(
            _(
                "You already asked for leave from this session. Withdraw that "
                "request first to ask again."
            ),
            code="already_asked",
        ) from None
    notify_leave_requested(leave)
    read_models.bump_records(session.group_id)
    return leave


def _locked(leave: LeaveRequest) -> LeaveRequest:
    return (
        LeaveRequest.objects.select_for_update(of=("self",))
        .select_related("session__group", "member")
        .get(pk=leave.pk)
    )


def _already(leave: LeaveRequest) -> ValidationError:
    return ValidationError(
        _("This request was already %(status)s.")
        % {"status": leave.get_status_display()},
        code="not_pending",
    )


def _attendance_change(member: Member, old: Attendance | None, new: str, reason: str):
    labels = dict(Attendance.Status.choices)
    return {
        "field": _("attendance of %(name)s") % {"name": member.name},
        "old": str(labels[old.status]) if old else "—",
        "new": str(labels[new]) + (f"（{reason}）" if reason else ""),
    }


def _fill_attendance(leave: LeaveRequest, approver: Member) -> None:
    """The approved leave in the attendance, as the keeper would have entered it.

    A member the record already shows in the room (a late decision after the
    session was held) stays there: the record says what happened. A held
    session gets the make-up item now, as the attendance screen gives it; an
    archived one keeps the change in its correction history."""
    session = leave.session
    before = (
        Attendance.objects.select_for_update()
        .filter(session=session, member=leave.member)
        .first()
    )
    if before is not None and before.attended and not session.is_planned:
        return
    leave.replaced_status = before.status if before else ""
    leave.replaced_reason = before.leave_reason if before else ""
    attendance, _created = Attendance.objects.update_or_create(
        session=session,
        member=leave.member,
        defaults={"status": Attendance.Status.ON_LEAVE, "leave_reason": leave.reason},
    )
    if not session.is_planned and attendance.status in MAKE_UP_STATUSES:
        MakeUpStudy.objects.get_or_create(attendance=attendance)
        read_models.bump_records(session.group_id, members=[leave.member_id])
    if before is None or (before.status, before.leave_reason) != (
        attendance.status,
        attendance.leave_reason,
    ):
        _correct(
            session,
            approver,
            _("Leave approved by %(name)s") % {"name": approver.name},
            [
                _attendance_change(
                    leave.member, before, attendance.status, attendance.leave_reason
                )
            ],
        )


@transaction.atomic
def decide_leave(
    leave: LeaveRequest, approver: Member, *, approve: bool, comment: str = ""
) -> LeaveRequest:
    """Approve or decline a pending request; only its approver may."""
    comment = (comment or "").strip()
    _check_length(comment, COMMENT_MAX_LENGTH, "comment_too_long")
    leave = _locked(leave)
    if not leave.is_pending:
        raise _already(leave)
    if not leave.can_decide(approver):
        raise ValidationError(
            _(
                "Only the group leader (or a deputy, where the group says so) "
                "decides leave."
            ),
            code="not_approver",
        )
    leave.status = (
        LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.DECLINED
    )
    leave.decided_by = approver
    leave.decided_at = timezone.now()
    leave.comment = comment
    if approve:
        _fill_attendance(leave, approver)
    leave.save()
    notify_leave_decided(leave)
    read_models.bump_records(leave.session.group_id)
    return leave


@transaction.atomic
def withdraw_leave(leave: LeaveRequest, member: Member) -> LeaveRequest:
    """The member takes the request back; it stays in the history as withdrawn.

    Withdrawing an approved leave before the start puts the attendance back as
    it was before the approval, unless the keeper has changed it since."""
    leave = _locked(leave)
    if leave.member_id != member.pk:
        raise ValidationError(
            _("Only the member who asked can withdraw a request."), code="not_own"
        )
    if leave.status not in LeaveRequest.OPEN_STATUSES:
        raise _already(leave)
    if not leave.can_withdraw:
        raise ValidationError(
            _(
                "The session has started: an approved leave is part of its "
                "attendance now. Ask the group's secretary to correct it."
            ),
            code="started",
        )
    if leave.is_approved:
        attendance = Attendance.objects.filter(
            session=leave.session,
            member=member,
            status=Attendance.Status.ON_LEAVE,
            leave_reason=leave.reason,
        ).first()
        if attendance is not None:
            if leave.replaced_status:
                attendance.status = leave.replaced_status
                attendance.leave_reason = leave.replaced_reason
                attendance.save(update_fields=["status", "leave_reason"])
            else:
                # Before its start a session has no make-up items to lose.
                attendance.delete()
    leave.status = LeaveRequest.Status.WITHDRAWN
    leave.withdrawn_at = timezone.now()
    leave.save(update_fields=["status", "withdrawn_at"])
    settle_leave_notices(leave)
    read_models.bump_records(leave.session.group_id)
    return leave
