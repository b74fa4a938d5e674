"""Leave requests (请假): ask, decide, withdraw, and the lists that tell people."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import services
from ..access import get_leave_for, get_session_for
from ..forms.leave import LeaveDecisionForm, LeaveRequestForm
from ..models import LeaveRequest, StudySession

# The history a member sees of their own requests; older ones are in the admin.
HISTORY_SHOWN = 50


def _rows():
    return LeaveRequest.objects.select_related("session__group", "member", "decided_by")


@require_GET
def leave_list(request):
    """我的请假: one's requests with their decisions, the upcoming sessions one
    may still ask leave from, and — for approvers — the requests awaiting them."""
    user = request.user
    mine = list(_rows().filter(member=user)[:HISTORY_SHOWN])
    awaiting = list(_rows().awaiting(user).order_by("session__starts_at", "created_at"))
    asked = {r.session_id for r in mine if r.status in LeaveRequest.OPEN_STATUSES}
    upcoming = [
        s
        for s in StudySession.objects.visible_to(user)
        .filter(starts_at__gt=timezone.now(), status=StudySession.Status.PLANNED)
        .select_related("group")
        .order_by("starts_at")
        if s.pk not in asked
    ]
    return render(
        request,
        "articles/leave/leave_list.html",
        {"mine": mine, "awaiting": awaiting, "upcoming": upcoming},
    )


@require_http_methods(["GET", "POST"])
def leave_create(request, pk: int):
    session = get_session_for(request.user, pk)
    form = LeaveRequestForm(request.POST or None)
    refusal = services.why_leave_closed(session)
    if request.method == "POST" and form.is_valid():
        try:
            leave = services.request_leave(
                session, request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your request for leave was sent. Its decision shows here."),
            )
            return redirect(leave)
    open_request = (
        LeaveRequest.objects.open().filter(session=session, member=request.user).first()
    )
    return render(
        request,
        "articles/leave/leave_form.html",
        {
            "session": session,
            "form": form,
            "refusal": refusal,
            "open_request": open_request,
        },
        status=400 if form.errors else 200,
    )


def _detail_page(request, leave: LeaveRequest, form=None, status: int = 200):
    return render(
        request,
        "articles/leave/leave_detail.html",
        {
            "leave": leave,
            "session": leave.session,
            "can_decide": leave.can_decide(request.user),
            "can_withdraw": leave.member_id == request.user.pk and leave.can_withdraw,
            "decision_form": form or LeaveDecisionForm(),
        },
        status=status,
    )


@require_GET
def leave_detail(request, pk: int):
    return _detail_page(request, get_leave_for(request.user, pk, request))


@require_POST
def leave_decide(request, pk: int):
    leave = get_leave_for(request.user, pk, request)
    if not leave.is_decided_by(request.user):
        raise PermissionDenied
    form = LeaveDecisionForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, leave, form, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.decide_leave(
            leave, request.user, approve=approve, comment=form.cleaned_data["comment"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Leave approved: %(name)s is on leave in the attendance.")
            % {"name": leave.member.name}
            if approve
            else _("Leave declined."),
        )
    return redirect(leave)


@require_POST
def leave_withdraw(request, pk: int):
    leave = get_leave_for(request.user, pk, request)
    if leave.member_id != request.user.pk:
        raise PermissionDenied
    try:
        services.withdraw_leave(leave, request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Your request was withdrawn. It stays in the history.")
        )
    return redirect(leave)
