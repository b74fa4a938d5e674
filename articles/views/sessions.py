"""The study record: sessions, attendance, speeches, make-up study, sign-in sheet."""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Membership, StudyGroup
from studyhub.params import parse_id, query_id

from .. import services
from ..access import (
    KEEPER_ROLES,
    can_keep_record,
    get_group_for,
    get_make_up_for,
    get_note_for,
    get_readable_note_for,
    get_session_for,
)
from ..forms.sessions import MakeUpForm, NoteForm, SessionForm, group_members
from ..models import (
    Article,
    Attendance,
    DiscussionNote,
    MakeUpStudy,
    ObserverEntry,
    PlanItem,
    SessionMaterial,
    StudySession,
)
from ..models.leave import attach_approvals, session_leave, session_leave_rows
from ..reading import cache
from ..records.fragments import next_change, render_record_fragment, roles_key
from ..records.reads import draft_owners, load_record

SESSIONS_PER_PAGE = 20
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # RFC 6266 / 5987: Chinese file names survive in every current browser.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_GET
def session_list(request):
    # The viewer's groups and roles decide what the list shows (which groups'
    # sessions, the keepers' buttons): one query, and the key of the fragment.
    memberships = list(
        Membership.objects.filter(member=request.user)
        .order_by("group__name", "group_id")
        .values_list("group_id", "role", "group__name")
    )
    group_ids = sorted(pk for pk, _role, _name in memberships)
    kept = {pk for pk, role, _name in memberships if role in KEEPER_ROLES}
    group_id = query_id(request.GET, "group")
    page_number = query_id(request.GET, "page")

    def build() -> dict:
        sessions = (
            StudySession.objects.visible_to(request.user)
            .select_related("group", "host")
            .with_attendance_counts()
            .order_by("-starts_at", "-pk")
        )
        if group_id is not None:
            sessions = sessions.filter(group_id=group_id)
        # The sidebar's groups, named from the membership query above.
        groups = [StudyGroup(pk=pk, name=name) for pk, _role, name in memberships]
        page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(page_number)
        shown = list(page.object_list)
        return {
            "sessions": shown,
            "page_obj": page,
            "groups": [{"group": g, "keeps_record": g.pk in kept} for g in groups],
            "current_group": group_id,
            "kept_groups": kept,
            # A planned session reads 待记录 once it is over.
            "valid_until": next_change(s.ends_at for s in shown if s.is_planned),
        }

    content, built = render_record_fragment(
        request,
        "session-list",
        [
            *(cache.records(pk) for pk in group_ids),
            *(cache.group(pk) for pk in group_ids),
            cache.PEOPLE,
        ],
        "articles/sessions/_session_list.html",
        build,
        roles_key((pk, pk in kept) for pk in group_ids),
        request.user.is_staff,
        group_id,
        page_number,
    )
    return render(
        request,
        "articles/sessions/session_list.html",
        {**(built or {}), "content": content},
    )


@require_http_methods(["GET", "POST"])
def session_create(request, group_pk: int):
    group = get_group_for(request.user, group_pk, write=True)
    initial = {}
    item_id = query_id(request.GET, "plan_item")
    if item_id is not None:
        # Scheduling a topic of the annual plan: start from its topic and materials.
        item = (
            PlanItem.objects.filter(plan__group=group, pk=item_id)
            .prefetch_related("materials")
            .first()
        )
        if item:
            initial = {
                "topic": item.topic,
                "materials": list(item.materials.published()),
            }
    form = SessionForm(
        request.POST or None,
        group=group,
        user=request.user,
        instance=StudySession(group=group),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.create_session(
                group,
                topic=data["topic"],
                form=data["form"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                host=data["host"],
                recorder=data["recorder"],
                summary=data["summary"],
                materials=data["materials"],
                author=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The session was added."))
            return redirect(session)
    return render(
        request,
        "articles/sessions/session_form.html",
        {"form": form, "group": group, "session": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    session = get_session_for(request.user, pk, write=True)
    form = SessionForm(
        request.POST or None, group=session.group, user=request.user, instance=session
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The ModelForm already copied the values onto the instance; the service
        # compares against the stored row, so reload it.
        stored = StudySession.objects.get(pk=session.pk)
        try:
            services.update_session(
                stored,
                author=request.user,
                reason=data.get("reason", ""),
                materials=data["materials"],
                **{name: data[name] for name in services.sessions.SESSION_FIELDS},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The record was saved."))
            return redirect(stored)
    return render(
        request,
        "articles/sessions/session_form.html",
        {"form": form, "group": session.group, "session": session},
        status=400 if form.errors else 200,
    )


# Where the record's fragment (_record.html) takes the viewer's leave box.
LEAVE_SLOT = "<!--slot:leave-->"
# The roles that may approve leave (LeaveRequest.objects.decidable_by).
APPROVER_ROLES = {Membership.Role.LEADER, Membership.Role.DEPUTY}


def _with_leave(record_html: SafeString, leave_html: SafeString) -> SafeString:
    """The leave box in its place in the record: both are HTML rendered by
    templates (autoescaped), and the slot cannot occur in escaped text."""
    return mark_safe(record_html.replace(LEAVE_SLOT, leave_html, 1))


@require_GET
def session_detail(request, pk: int):
    session = get_session_for(request.user, pk, with_role=True)
    keeps_record = session.viewer_role in KEEPER_ROLES
    scopes = [
        cache.records(session.group_id),
        cache.group(session.group_id),
        cache.PEOPLE,
        cache.LIBRARY,
    ]
    # What the page needs whoever looks, kept with the record: the leave
    # requests and who sees a draft (each such member gets a record of their own).
    meta = cache.cached(
        "session-meta",
        scopes,
        lambda: {
            "leave": session_leave_rows(session),
            "draft_owners": draft_owners(session),
        },
        session.pk,
    )
    if keeps_record:
        variant, viewer = "keeper", request.user
    elif request.user.pk in meta["draft_owners"]:
        variant, viewer = f"own{request.user.pk}", request.user
    else:
        # Final speeches only: the same HTML for every member.
        variant, viewer = "member", None

    def build() -> dict:
        record = load_record(
            session,
            viewer=viewer,
            keeps_record=keeps_record,
            with_corrections=keeps_record,
        )
        for note in record.notes:
            # can_edit_note: keepers edit every speech, a member their own drafts.
            note.editable = keeps_record or (
                note.status == DiscussionNote.Status.DRAFT
                and request.user.pk in {note.speaker_id, note.drafted_by_id}
                and not session.is_archived
            )
        members = []
        if not record.attendances or session.is_planned:
            # Attendance prepared ahead is no count of who came: show who is
            # expected.
            members = list(group_members(session.group))
        return {
            "record": record,
            "session": record.session,
            "keeps_record": keeps_record,
            "members": members,
            "can_draft": not keeps_record and not session.is_archived,
            # "Mark as held" once started, 待记录 once over.
            "valid_until": (
                next_change([session.starts_at, session.ends_at])
                if session.is_planned
                else None
            ),
        }

    content, built = render_record_fragment(
        request,
        "session-record",
        scopes,
        "articles/sessions/_record.html",
        build,
        session.pk,
        variant,
    )
    # Leave (请假): the viewer's own request and what awaits their decision.
    leave = session_leave(
        session,
        request.user,
        keeps_record=keeps_record,
        rows=meta["leave"],
        may_decide=session.viewer_role in APPROVER_ROLES,
    )
    leave_html = render_to_string(
        "articles/leave/_session_leave.html",
        {"leave": leave, "session": session},
        request=request,
    )
    return render(
        request,
        "articles/sessions/session_detail.html",
        {
            **(built or {}),
            "session": session,
            "leave": leave,
            "content": _with_leave(content, leave_html),
        },
    )


@require_POST
def session_status(request, pk: int):
    session = get_session_for(request.user, pk, write=True)
    action = request.POST.get("action")
    try:
        if action == "held":
            services.mark_session_held(session)
            messages.success(request, _("The session is marked as held."))
        elif action == "archive":
            services.archive_session(session)
            messages.success(
                request,
                _("The record is archived. Corrections now need a reason."),
            )
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    return redirect(session)


def _attendance_rows(session: StudySession, data=None) -> list[dict]:
    """Every member of the group, with the stored status or present by default.

    Once members sign in by the room's code, those who did not are left unmarked
    (no default) for the keeper to choose: nobody is marked absent, or present,
    without the keeper's decision."""
    stored = {a.member_id: a for a in session.attendances.select_related("member")}
    # Leave (请假): an approved request says who approved it.
    attach_approvals(stored.values())
    sign_ins = {s.member_id: s for s in session.sign_ins.all()}
    default = "" if sign_ins else Attendance.Status.PRESENT
    rows = []
    for person in group_members(session.group):
        attendance = stored.get(person.pk)
        status = attendance.status if attendance else default
        reason = attendance.leave_reason if attendance else ""
        if data is not None:
            status = data.get(f"status-{person.pk}", status)
            reason = data.get(f"reason-{person.pk}", reason)
        rows.append(
            {
                "member": person,
                "status": status,
                "reason": reason,
                "leave_request": attendance.leave_request if attendance else None,
                "sign_in": sign_ins.get(person.pk),
            }
        )
    # Former members who have a row for this session keep it on the screen.
    listed = {row["member"].pk for row in rows}
    for member_id, attendance in stored.items():
        if member_id not in listed:
            rows.append(
                {
                    "sign_in": sign_ins.get(member_id),
                    "member": attendance.member,
                    "status": (data or {}).get(
                        f"status-{member_id}", attendance.status
                    ),
                    "reason": (data or {}).get(
                        f"reason-{member_id}", attendance.leave_reason
                    ),
                    "leave_request": attendance.leave_request,
                }
            )
    return rows


def _parse_observers(text: str) -> list[tuple[str, str]]:
    observers = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for separator in ("，", ",", "、", "\t", " "):
            if separator in line:
                name, unit = line.split(separator, 1)
                observers.append((name.strip(), unit.strip()))
                break
        else:
            observers.append((line, ""))
    return observers


@require_http_methods(["GET", "POST"])
def session_attendance(request, pk: int):
    session = get_session_for(request.user, pk, write=True)
    errors: list[str] = []
    data = request.POST if request.method == "POST" else None
    rows = _attendance_rows(session, data)
    observers_text = "\n".join(
        f"{o.name}，{o.unit}" if o.unit else o.name for o in session.observers.all()
    )
    if data is not None:
        observers_text = data.get("observers", "")
        entries = [
            services.AttendanceEntry(
                member=row["member"], status=row["status"], leave_reason=row["reason"]
            )
            for row in rows
        ]
        try:
            services.record_attendance(
                session,
                entries,
                author=request.user,
                observers=_parse_observers(observers_text),
                reason=data.get("reason", ""),
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            if session.is_planned:
                messages.success(
                    request,
                    _(
                        "Attendance prepared. The session stays planned until it "
                        "has started and you record it as held."
                    ),
                )
            else:
                messages.success(request, _("Attendance saved."))
            return redirect(session)
    return render(
        request,
        "articles/sessions/session_attendance.html",
        {
            "session": session,
            "rows": rows,
            "statuses": Attendance.Status.choices,
            "observers_text": observers_text,
            "errors": errors,
            "reason": (data or {}).get("reason", ""),
            # Leave (请假): requests still awaiting the leader's decision.
            "pending_leave": session.leave_requests.pending().select_related("member"),
            "observer_entries": session.observer_entries.filter(
                state=ObserverEntry.State.PENDING
            ),
            "signed_in": any(row["sign_in"] for row in rows),
        },
        status=400 if errors else 200,
    )


def _note_form_page(request, session, form, note=None):
    return render(
        request,
        "articles/sessions/note_form.html",
        {"session": session, "form": form, "note": note},
        status=400 if form.errors else 200,
    )


def _save_note(request, session, form, keeps_record, note=None):
    data = form.cleaned_data
    if keeps_record:
        speaker = data.get("speaker")
        speaker_name = data.get("speaker_name", "")
        status = data["status"]
    else:
        speaker, speaker_name = request.user, ""
        status = DiscussionNote.Status.DRAFT
    return services.save_discussion_note(
        session,
        author=request.user,
        note=note,
        speaker=speaker,
        speaker_name=speaker_name,
        kind=data["kind"],
        content=data["content"],
        cited_paragraphs=data["cited_paragraphs"],
        status=status,
        reason=data.get("reason", ""),
    )


@require_http_methods(["GET", "POST"])
def note_create(request, pk: int):
    session = get_session_for(request.user, pk)
    keeps_record = can_keep_record(request.user, session.group)
    if not keeps_record and session.is_archived:
        messages.error(request, _("This record is archived."))
        return redirect(session)
    initial = {
        "kind": request.GET.get("kind", DiscussionNote.Kind.DISCUSSION),
        "status": DiscussionNote.Status.FINAL,
    }
    form = NoteForm(
        request.POST or None,
        session=session,
        keeps_record=keeps_record,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            _save_note(request, session, form, keeps_record)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The speech was added to the record."))
            return redirect(f"{session.get_absolute_url()}#speeches")
    return _note_form_page(request, session, form)


@require_http_methods(["GET", "POST"])
def note_edit(request, pk: int):
    note = get_note_for(request.user, pk, write=True)
    session = get_session_for(request.user, note.session_id)
    keeps_record = can_keep_record(request.user, session.group)
    initial = {
        "speaker": note.speaker,
        "speaker_name": note.speaker_name,
        "kind": note.kind,
        "content": note.content,
        "cited_paragraphs": list(note.cited_paragraphs.all()),
        "status": note.status,
    }
    form = NoteForm(
        request.POST or None,
        session=session,
        keeps_record=keeps_record,
        note=note,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            _save_note(request, session, form, keeps_record, note=note)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The speech was saved."))
            return redirect(f"{session.get_absolute_url()}#speeches")
    return _note_form_page(request, session, form, note)


@require_POST
def note_delete(request, pk: int):
    note = get_note_for(request.user, pk, write=True)
    session = note.session
    try:
        services.delete_discussion_note(
            note, author=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    else:
        messages.success(request, _("The speech was removed."))
    return redirect(f"{session.get_absolute_url()}#speeches")


@require_POST
def note_move(request, pk: int):
    note = get_note_for(request.user, pk)
    session = get_session_for(request.user, note.session_id, write=True)
    if session.is_archived:
        messages.error(request, _("This record is archived."))
    else:
        services.move_discussion_note(note, up=request.POST.get("direction") == "up")
    return redirect(f"{session.get_absolute_url()}#speeches")


@require_http_methods(["GET", "POST"])
def make_up_detail(request, pk: int):
    make_up = get_make_up_for(request.user, pk)
    session = make_up.attendance.session
    record = load_record(session, viewer=request.user, keeps_record=False)
    form = MakeUpForm(request.POST or None, initial={"note": make_up.note})
    if request.method == "POST" and form.is_valid():
        services.complete_make_up(make_up, note=form.cleaned_data["note"])
        messages.success(request, _("Your make-up study is recorded."))
        return redirect("articles:make_up_list")
    return render(
        request,
        "articles/sessions/make_up_detail.html",
        {"make_up": make_up, "record": record, "session": session, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def make_up_list(request):
    make_ups = (
        MakeUpStudy.objects.filter(attendance__member=request.user)
        .select_related("attendance__session__group")
        .order_by("done_at", "-attendance__session__starts_at")
    )
    return render(
        request, "articles/sessions/make_up_list.html", {"make_ups": make_ups}
    )


@require_GET
def sign_in_sheet(request, pk: int):
    session = get_session_for(request.user, pk)
    members = list(group_members(session.group))
    observers = list(session.observers.all())
    return render(
        request,
        "articles/sessions/sign_in_sheet.html",
        {
            "session": session,
            "members": members,
            "observers": observers,
            # Rows to write in unannounced observers, as on the .docx sheet.
            "blank_rows": range(
                len(observers) + 1, len(observers) + (3 if observers else 4)
            ),
        },
    )


@require_GET
def sign_in_docx(request, pk: int):
    from ..records.docx import sign_in_docx as build

    session = get_session_for(request.user, pk)
    members = list(group_members(session.group))
    content = build(session, members, session.observers.all())
    filename = f"签到表-{session.starts_at:%Y%m%d}-{session.topic[:30]}.docx"
    return attachment(content, DOCX, filename)


@require_GET
def session_docx(request, pk: int):
    from ..records.docx import record_docx

    session = get_session_for(request.user, pk)
    if session.is_planned:
        # A planned session has no record yet: a file looking like one would lie.
        messages.error(
            request,
            _(
                "This session has not been held yet, so there is no record to "
                "download. Use the sign-in sheet to prepare it."
            ),
        )
        return redirect(session)
    record = load_record(session, keeps_record=True, with_corrections=True)
    # Drafts are not part of the record book.
    record.notes = [n for n in record.notes if n.status == DiscussionNote.Status.FINAL]
    filename = f"学习记录-{session.starts_at:%Y%m%d}-{session.topic[:30]}.docx"
    return attachment(record_docx(record), DOCX, filename)


@require_http_methods(["GET", "POST"])
def material_paragraphs(request, pk: int, article_pk: int):
    """Choose the paragraphs of one study material (选学段落)."""
    session = get_session_for(request.user, pk, write=True)
    # A withdrawn (unpublished) article is no material anyone may open here.
    material = get_object_or_404(
        SessionMaterial.objects.select_related("article"),
        session=session,
        article_id=article_pk,
        article__status=Article.Status.PUBLISHED,
    )
    paragraphs = list(material.article.paragraphs.all())
    chosen = set(material.paragraphs.values_list("pk", flat=True))
    errors: list[str] = []
    if request.method == "POST":
        wanted = {parse_id(v) for v in request.POST.getlist("paragraphs")} - {None}
        try:
            services.choose_material_paragraphs(
                material,
                [p for p in paragraphs if p.pk in wanted],
                author=request.user,
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as error:
            errors = _errors(error)
            chosen = wanted
        else:
            messages.success(request, _("The paragraphs to study were saved."))
            return redirect(session)
    return render(
        request,
        "articles/sessions/material_paragraphs.html",
        {
            "session": session,
            "material": material,
            "paragraphs": paragraphs,
            "chosen": chosen,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_GET
def note_in_record(request, pk: int):
    """A speech found by search: its place in the session record."""
    note = get_readable_note_for(request.user, pk, request)
    url = reverse("articles:session_detail", args=[note.session_id])
    return redirect(f"{url}#{note.anchor}")
