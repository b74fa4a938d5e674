"""Leave (请假) asked for before a session and decided by the group's leader.

A request is kept whatever happens to it: declined and withdrawn requests stay in
the history. An approved request fills the member's attendance as on leave with
its reason (services.leave); the record shows who approved it by looking the
approved request up for the attendance row (``attach_approvals``), so a keeper
who later marks the member present simply makes the approval moot.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership

from .sessions import (
    RECORD_KEEPER_ROLES,
    Attendance,
    GroupStudySettings,
    StudySession,
)

# As long as the attendance's own reason, which an approval copies.
REASON_MAX_LENGTH = Attendance._meta.get_field("leave_reason").max_length
COMMENT_MAX_LENGTH = 300


class LeaveRequestQuerySet(models.QuerySet):
    def open(self) -> "LeaveRequestQuerySet":
        return self.filter(status__in=LeaveRequest.OPEN_STATUSES)

    def pending(self) -> "LeaveRequestQuerySet":
        return self.filter(status=LeaveRequest.Status.PENDING)

    def visible_to(self, user) -> "LeaveRequestQuerySet":
        """One's own requests, and those of the groups whose record one keeps
        (the secretary prepares the attendance from them). A plain member sees
        nobody else's reason before it is in the record. Someone who left the
        group no longer sees its requests, even their own."""
        if not user.is_authenticated:
            return self.none()
        mine = Membership.objects.filter(member=user)
        kept = mine.filter(role__in=RECORD_KEEPER_ROLES).values("group_id")
        return self.filter(
            Q(member=user) | Q(session__group__in=kept),
            session__group__in=mine.values("group_id"),
        )

    def awaiting(self, user) -> "LeaveRequestQuerySet":
        """Pending requests ``user`` may decide."""
        return self.decidable_by(user).pending()

    def decidable_by(self, user) -> "LeaveRequestQuerySet":
        """Requests ``user`` is the approver of, whatever their state: the
        group's leader, or a deputy where the group's setting says so."""
        if not user.is_authenticated:
            return self.none()
        mine = Membership.objects.filter(member=user)
        led = mine.filter(role=Membership.Role.LEADER).values("group_id")
        deputy = mine.filter(role=Membership.Role.DEPUTY)
        by_setting = deputy.filter(
            group__study_settings__leave_approvers=GroupStudySettings.LeaveApprovers.DEPUTIES
        ).values("group_id")
        # The leader's own leave goes to the deputies whatever the setting:
        # nobody approves their own leave.
        asked_by_leader = Exists(
            Membership.objects.filter(
                group=OuterRef("session__group"),
                member=OuterRef("member"),
                role=Membership.Role.LEADER,
            )
        )
        return self.filter(
            Q(session__group__in=led)
            | Q(session__group__in=by_setting)
            | (Q(session__group__in=deputy.values("group_id")) & asked_by_leader)
        ).exclude(member=user)


class LeaveRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")

    # A member has at most one of these per session (database constraint).
    OPEN_STATUSES = (Status.PENDING, Status.APPROVED)

    session = models.ForeignKey(
        StudySession,
        verbose_name=_("study session"),
        on_delete=models.CASCADE,
        related_name="leave_requests",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="leave_requests",
    )
    reason = models.CharField(_("reason for leave"), max_length=REASON_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.CharField(
        _("approver's comment"), max_length=COMMENT_MAX_LENGTH, blank=True
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # What the approval replaced in the attendance ("" when there was no row), so
    # that withdrawing it before the start puts the attendance back as it was.
    replaced_status = models.CharField(
        _("attendance before the approval"),
        max_length=20,
        choices=Attendance.Status.choices,
        blank=True,
    )
    replaced_reason = models.CharField(
        _("reason before the approval"), max_length=REASON_MAX_LENGTH, blank=True
    )
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    objects = LeaveRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(status__in=["pending", "approved"]),
                name="leave_one_open_request",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="leave_request_needs_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "declined"])
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="leave_decision_says_who",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.session} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("articles:leave_detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def can_withdraw(self) -> bool:
        """Pending: until decided. Approved: until the session starts (after
        that the attendance is a fact of the record)."""
        if self.is_pending:
            return True
        return self.is_approved and not self.session.has_started

    def is_decided_by(self, user) -> bool:
        """Whether ``user`` is this request's approver (whatever its state):
        the group's leader, or a deputy where the group's setting says so; a
        leader's own request goes to the deputies; never one's own."""
        return LeaveRequest.objects.decidable_by(user).filter(pk=self.pk).exists()

    def can_decide(self, user) -> bool:
        return self.is_pending and self.is_decided_by(user)


def attach_approvals(attendances) -> None:
    """Give each attendance row on leave its approved request as
    ``leave_request`` (None when the keeper entered the leave). One query."""
    attendances = list(attendances)
    on_leave = [a for a in attendances if a.status == Attendance.Status.ON_LEAVE]
    approved = {}
    if on_leave:
        rows = LeaveRequest.objects.filter(
            status=LeaveRequest.Status.APPROVED,
            session__in={a.session_id for a in on_leave},
            member__in={a.member_id for a in on_leave},
        ).select_related("decided_by")
        approved = {(r.session_id, r.member_id): r for r in rows}
    for attendance in attendances:
        attendance.leave_request = (
            approved.get((attendance.session_id, attendance.member_id))
            if attendance.status == Attendance.Status.ON_LEAVE
            else None
        )


def session_leave_rows(session: StudySession) -> list:
    """Every leave request of ``session``, oldest first. One query."""
    return list(
        LeaveRequest.objects.filter(session=session)
        .select_related("member", "decided_by")
        .order_by("created_at", "pk")
    )


def session_leave(
    session: StudySession,
    user,
    *,
    keeps_record: bool,
    rows: list | None = None,
    may_decide: bool = True,
) -> dict:
    """What the session page shows of leave: the user's own latest request,
    whether they may still ask, the requests awaiting their decision and, for
    the record keepers, every request of the session. Two queries at most:
    ``rows`` (``session_leave_rows``) may come from a cache, and the approver
    query runs only when a request is pending and ``may_decide`` (the user is a
    leader or deputy of the group: nobody else approves, ``decidable_by``)."""
    if rows is None:
        rows = session_leave_rows(session)
    decidable = set()
    if may_decide and any(r.is_pending for r in rows):
        decidable = set(
            LeaveRequest.objects.decidable_by(user)
            .filter(session=session)
            .values_list("pk", flat=True)
        )
    mine = [r for r in rows if r.member_id == user.pk]
    latest = mine[-1] if mine else None
    is_open = latest is not None and latest.status in LeaveRequest.OPEN_STATUSES
    return {
        "mine": latest,
        "can_ask": session.is_planned and not session.has_started and not is_open,
        "awaiting": [r for r in rows if r.is_pending and r.pk in decidable],
        "all": rows if keeps_record else [],
    }
