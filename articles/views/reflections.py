"""Reflections (学习心得): hand in, read, share, download; a session's overview."""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyhub.params import query_text

from .. import services
from ..access import can_keep_record, get_reflection_for, get_session_for
from ..forms.reflections import ReflectionForm, ShareForm
from ..models import Attendance, GroupStudySettings, Reflection, StudySession
from ..services.reflections import (
    can_edit_reflection,
    deadline_of,
    expected_attendance,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {
    Reflection.FileKind.DOCX: DOCX,
    Reflection.FileKind.PDF: "application/pdf",
}
MY_SESSIONS_SHOWN = 30
CLOSED = _lazy("The reflection can no longer be changed: the deadline has passed.")


def _status(reflection, deadline, now) -> str:
    """``handed_in``, ``late``, ``due``, ``overdue`` or ``optional``."""
    if reflection is not None:
        late = deadline is not None and reflection.handed_in_at > deadline
        return "late" if late else "handed_in"
    if deadline is None:
        return "optional"
    return "overdue" if now > deadline else "due"


@require_GET
def my_reflections(request):
    """The member's held sessions, newest first, each with its reflection or what
    is owed: a fixed number of queries."""
    attendances = list(
        Attendance.objects.filter(member=request.user)
        .exclude(session__status=StudySession.Status.PLANNED)
        .select_related("session__group")
        .order_by("-session__starts_at", "-pk")[:MY_SESSIONS_SHOWN]
    )
    sessions = [a.session_id for a in attendances]
    reflections = {
        r.session_id: r
        for r in Reflection.objects.filter(author=request.user, session__in=sessions)
    }
    rules = {
        s.group_id: s
        for s in GroupStudySettings.objects.filter(
            group__in={a.session.group_id for a in attendances}
        )
    }
    now = timezone.now()
    rows = []
    for attendance in attendances:
        session = attendance.session
        group_rules = rules.get(session.group_id) or GroupStudySettings(
            group_id=session.group_id
        )
        deadline = deadline_of(session, group_rules)
        reflection = reflections.get(session.pk)
        rows.append(
            {
                "session": session,
                "reflection": reflection,
                "deadline": deadline,
                "status": _status(reflection, deadline, now),
            }
        )
    return render(request, "articles/reflections/my_reflections.html", {"rows": rows})


@require_GET
def session_reflections(request, pk: int):
    """Keepers: who has handed in and who has not. Others: their own and what the
    group's members shared."""
    session = get_session_for(request.user, pk)
    keeps_record = can_keep_record(request.user, session.group)
    rules = GroupStudySettings.for_group(session.group)
    deadline = deadline_of(session, rules)
    visible = Reflection.objects.visible_to(request.user).filter(session=session)
    by_author = {r.author_id: r for r in visible.select_related("author")}
    now = timezone.now()
    rows = []
    if keeps_record:
        attendances = (
            Attendance.objects.filter(session=session)
            .select_related("member")
            .in_position_order()
        )
        for attendance in attendances:
            reflection = by_author.get(attendance.member_id)
            rows.append(
                {
                    "attendance": attendance,
                    "reflection": reflection,
                    "status": _status(reflection, deadline, now),
                }
            )
    mine = by_author.get(request.user.pk)
    shared = [
        r for r in by_author.values() if r.shared and r.author_id != request.user.pk
    ]
    return render(
        request,
        "articles/reflections/session_reflections.html",
        {
            "session": session,
            "keeps_record": keeps_record,
            "deadline": deadline,
            "rows": rows,
            "handed_in": sum(1 for row in rows if row["reflection"]),
            "mine": mine,
            "my_status": _status(mine, deadline, now),
            "expected": expected_attendance(session, request.user) is not None,
            "shared": sorted(shared, key=lambda r: r.handed_in_at),
        },
    )


@require_http_methods(["GET", "POST"])
def reflection_hand_in(request, pk: int):
    session = get_session_for(request.user, pk)
    attendance = expected_attendance(session, request.user)
    if attendance is None:
        # The session is visible, so saying why is no leak.
        raise PermissionDenied
    rules = GroupStudySettings.for_group(session.group)
    reflection = Reflection.objects.filter(session=session, author=request.user).first()
    make_up = getattr(attendance, "make_up", None)
    open_make_up = make_up is not None and not make_up.is_done
    editable = can_edit_reflection(reflection, rules)
    initial = {"shared": reflection.shared if reflection else False}
    if reflection:
        initial["text"] = reflection.text
    if open_make_up and query_text(request.GET, "make_up", 1) == "1":
        initial["for_make_up"] = True
    form = ReflectionForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        has_file=bool(reflection and reflection.file),
        open_make_up=open_make_up,
    )
    if request.method == "POST" and not editable:
        form.add_error(None, CLOSED)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.hand_in_reflection(
                session,
                request.user,
                text=data["text"],
                upload=data["file"],
                remove_file=data.get("remove_file", False),
                shared=data["shared"],
                for_make_up=data.get("for_make_up", False),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Your reflection is handed in."))
            return redirect(saved)
    return render(
        request,
        "articles/reflections/reflection_form.html",
        {
            "session": session,
            "form": form,
            "reflection": reflection,
            "editable": editable,
            "deadline": deadline_of(session, rules),
            "open_make_up": open_make_up,
        },
        status=400 if form.errors else 200,
    )


@require_GET
def reflection_detail(request, pk: int):
    reflection = get_reflection_for(request.user, pk, request)
    session = reflection.session
    rules = GroupStudySettings.for_group(session.group)
    deadline = deadline_of(session, rules)
    own = reflection.author_id == request.user.pk
    return render(
        request,
        "articles/reflections/reflection_detail.html",
        {
            "reflection": reflection,
            "session": session,
            "own": own,
            "editable": own and can_edit_reflection(reflection, rules),
            "deadline": deadline,
            "late": bool(deadline and reflection.handed_in_at > deadline),
            "share_form": ShareForm(initial={"shared": not reflection.shared}),
        },
    )


@require_GET
def reflection_file(request, pk: int):
    """The attached file, only to those who may read the reflection: always as a
    download (never shown inline in our origin), with the type we checked."""
    reflection = get_reflection_for(request.user, pk, request)
    if not reflection.file:
        raise Http404("Reflection file")
    try:
        with reflection.file.open("rb") as handle:
            # At most MAX_REFLECTION_BYTES: read whole, so the response has a
            # length and the storage's handle is closed at once.
            content = handle.read()
    except FileNotFoundError:
        raise Http404("Reflection file") from None
    response = HttpResponse(
        content,
        content_type=CONTENT_TYPES.get(
            reflection.file_kind, "application/octet-stream"
        ),
    )
    name = reflection.file_name or f"reflection.{reflection.file_kind}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def reflection_share(request, pk: int):
    reflection = get_reflection_for(request.user, pk, request, write=True)
    form = ShareForm(request.POST)
    form.is_valid()  # a missing or odd value reads as "not shared": the safe side
    shared = bool(form.cleaned_data.get("shared"))
    services.share_reflection(reflection, shared=shared)
    messages.success(
        request,
        _("Your reflection is shared with the group.")
        if shared
        else _("Your reflection is again visible only to you and the record keepers."),
    )
    return redirect(reflection)
