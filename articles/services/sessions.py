"""Writes for study sessions: the record, its attendance, speeches and corrections.

Contract: every function runs in one transaction and raises ``ValidationError`` (with a
Chinese message and a code) before writing anything when the input is refused. Callers
check permissions (articles.access); these functions check the record's own rules:
an archived record changes only with a reason, and each change is kept as a
``Correction``.

The life cycle, which no function lets run backwards: a session is *planned* until
it has started and the keeper records it (attendance saved after the start, or
"mark as held"); then *held*; then *archived*. Attendance may be prepared while it
is planned (leave known in advance), but make-up items (补学) exist only for held
sessions: they are created when it becomes held.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member, StudyGroup
from studyhub.security import security_event

from ..models import (
    Article,
    Attendance,
    Correction,
    DiscussionNote,
    MakeUpStudy,
    Observer,
    Paragraph,
    PlanItem,
    SessionMaterial,
    StudyPlan,
    StudySession,
)
from ..models.sessions import SESSION_YEARS
from ..reading import cache as read_models
from ..search import remove_objects
from ..search.study_kinds import NOTE, index_note
from .notifications import (
    notify_make_ups,
    notify_session_changed,
    notify_session_planned,
)

# Members who missed the session study its materials afterwards (补学).
MAKE_UP_STATUSES = (Attendance.Status.ON_LEAVE, Attendance.Status.ABSENT)
SESSION_FIELDS = (
    "topic",
    "form",
    "starts_at",
    "ends_at",
    "place",
    "host",
    "recorder",
    "summary",
)


@dataclass(frozen=True)
class AttendanceEntry:
    member: Member
    status: str
    leave_reason: str = ""


def _require_reason(session: StudySession, reason: str) -> str:
    reason = (reason or "").strip()
    if session.is_archived and not reason:
        raise ValidationError(
            _("This record is archived: give the reason for the correction."),
            code="reason_required",
        )
    return reason


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if hasattr(value, "strftime"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _correct(
    session: StudySession, author: Member, reason: str, changes: list[dict]
) -> None:
    """Keep the history of an archived record; unarchived drafts need none.

    A correction is also a security event, sent once the transaction commits (a
    refused change logs nothing): ids and field labels only, never the reason or
    the old and new text."""
    if session.is_archived and changes:
        correction = Correction.objects.create(
            session=session, author=author, reason=reason, changes=changes
        )
        event = {
            "user_id": author.pk,
            "model": StudySession._meta.label,
            "pk": session.pk,
            "correction_id": correction.pk,
            "fields": [change["field"] for change in changes],
        }
        transaction.on_commit(lambda: security_event("record_corrected", **event))


def _check_times(starts_at, ends_at) -> None:
    for moment in (starts_at, ends_at):
        if moment and timezone.localtime(moment).year not in SESSION_YEARS:
            raise ValidationError(
                _("Give a year between %(first)s and %(last)s.")
                % {"first": SESSION_YEARS[0], "last": SESSION_YEARS[-1]},
                code="year_out_of_range",
            )
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError(
            _("The session must end after it starts."), code="ends_before_start"
        )


def _open_make_ups(session: StudySession) -> None:
    """A make-up item for everyone on leave or absent, once the session is held."""
    missed = list(session.attendances.filter(status__in=MAKE_UP_STATUSES, make_up=None))
    read_models.bump_records(session.group_id, members=[a.member_id for a in missed])
    notify_make_ups(
        MakeUpStudy.objects.bulk_create(MakeUpStudy(attendance=a) for a in missed)
    )


@transaction.atomic
def create_session(
    group: StudyGroup,
    *,
    topic: str,
    starts_at,
    ends_at,
    form: str = StudySession.Form.COLLECTIVE,
    place: str = "",
    host: Member | None = None,
    recorder: Member | None = None,
    summary: str = "",
    materials: Iterable[Article] = (),
    author: Member | None = None,
) -> StudySession:
    _check_times(starts_at, ends_at)
    session = StudySession.objects.create(
        group=group,
        topic=topic,
        form=form,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        host=host,
        recorder=recorder,
        summary=summary,
    )
    set_session_materials(session, materials)
    notify_session_planned(session, by=author)
    read_models.bump_records(group.pk)
    return session


def _check_published(articles: list[Article], already: Iterable[int] = ()) -> None:
    """Only published articles become materials; ``already`` (ids) may stay even if
    they were withdrawn since, so that editing a record never drops its history."""
    already = set(already)
    if any(
        a.status != Article.Status.PUBLISHED and a.pk not in already for a in articles
    ):
        raise ValidationError(
            _("Only published study materials can be chosen."),
            code="unpublished_material",
        )


def set_session_materials(session: StudySession, articles: Iterable[Article]) -> None:
    """Replace the articles studied, keeping chosen paragraphs of those that stay.

    Raises ValidationError for an unpublished article the session did not have."""
    wanted = list(dict.fromkeys(articles))
    _check_published(
        wanted,
        SessionMaterial.objects.filter(session=session).values_list(
            "article_id", flat=True
        ),
    )
    SessionMaterial.objects.filter(session=session).exclude(article__in=wanted).delete()
    for position, article in enumerate(wanted):
        SessionMaterial.objects.update_or_create(
            session=session, article=article, defaults={"position": position}
        )
    read_models.bump_records(session.group_id)


@transaction.atomic
def update_session(
    session: StudySession,
    *,
    author: Member,
    reason: str = "",
    materials: Iterable[Article] | None = None,
    **fields,
) -> StudySession:
    """Change the record's fields; an archived record needs ``reason``."""
    reason = _require_reason(session, reason)
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"not session fields: {sorted(unknown)}")
    _check_times(
        fields.get("starts_at", session.starts_at),
        fields.get("ends_at", session.ends_at),
    )
    starts_at = fields.get("starts_at", session.starts_at)
    if session.status != StudySession.Status.PLANNED and starts_at > timezone.now():
        # A held record moved into the future would read as held before it began.
        raise ValidationError(
            _(
                "This session is recorded as held: its start cannot be moved to a "
                "time that has not come yet."
            ),
            code="held_in_future",
        )
    changes = []
    for name, new in fields.items():
        old = getattr(session, name)
        if old != new:
            field = StudySession._meta.get_field(name)
            if field.choices:
                old_text = str(dict(field.choices).get(old, old))
                new_text = str(dict(field.choices).get(new, new))
            else:
                old_text, new_text = _display(old), _display(new)
            changes.append(
                {"field": str(field.verbose_name), "old": old_text, "new": new_text}
            )
            setattr(session, name, new)
    if materials is not None:
        materials = list(materials)
        before = [m.title for m in session.materials.order_by("sessionmaterial")]
        after = [a.title for a in materials]
        if before != after:
            changes.append(
                {
                    "field": _("study materials"),
                    "old": "；".join(before) or "—",
                    "new": "；".join(after) or "—",
                }
            )
        set_session_materials(session, materials)
    session.save()
    read_models.bump_discussions(session.group_id)  # the reader's links: date, topic
    _correct(session, author, reason, changes)
    notify_session_changed(session, changes, by=author)
    # Its make-up items show it on their members' home, in whatever group.
    read_models.bump_records(
        session.group_id,
        members=MakeUpStudy.objects.filter(attendance__session=session).values_list(
            "attendance__member_id", flat=True
        ),
    )
    return session


@transaction.atomic
def choose_material_paragraphs(
    material: SessionMaterial,
    paragraphs: Iterable[Paragraph],
    *,
    author: Member,
    reason: str = "",
) -> SessionMaterial:
    """Study only some paragraphs of an article (none chosen: the whole article)."""
    session = material.session
    reason = _require_reason(session, reason)
    chosen = [p for p in paragraphs if p.article_id == material.article_id]
    before = sorted(material.paragraphs.values_list("pk", flat=True))
    after = sorted(p.pk for p in chosen)
    material.paragraphs.set(chosen)
    if before != after:
        _correct(
            session,
            author,
            reason,
            [
                {
                    "field": _("paragraphs of %(title)s")
                    % {"title": material.article.title},
                    "old": _("%(count)s paragraphs") % {"count": len(before)}
                    if before
                    else _("whole article"),
                    "new": _("%(count)s paragraphs") % {"count": len(after)}
                    if after
                    else _("whole article"),
                }
            ],
        )
    read_models.bump_records(session.group_id)
    return material


@transaction.atomic
def record_attendance(
    session: StudySession,
    entries: Iterable[AttendanceEntry],
    *,
    author: Member,
    observers: Iterable[tuple[str, str]] | None = None,
    reason: str = "",
) -> list[Attendance]:
    """Save everyone's attendance at once; members who missed it get a make-up item.

    Safe when two secretaries save at the same time: each row is written with
    ``update_or_create`` on (session, member), the unique key, inside one transaction
    (IMMEDIATE on SQLite, so the second waits for the first): the last save wins
    row by row and no row is lost or duplicated.
    A planned session that has started becomes held. Before its start the
    attendance is only prepared (leave known in advance): the session stays
    planned and nobody gets a make-up item for a meeting that has not happened.
    """
    reason = _require_reason(session, reason)
    entries = list(entries)
    errors = []
    for entry in entries:
        if not entry.status:
            # Left unmarked on purpose (did not sign in): the keeper must choose.
            errors.append(
                ValidationError(
                    _("Mark the attendance of %(name)s.") % {"name": entry.member},
                    code="status_required",
                )
            )
        elif entry.status not in Attendance.Status.values:
            errors.append(
                ValidationError(
                    _("%(name)s: unknown attendance status.") % {"name": entry.member},
                    code="bad_status",
                )
            )
        if (
            entry.status == Attendance.Status.ON_LEAVE
            and not entry.leave_reason.strip()
        ):
            errors.append(
                ValidationError(
                    _("%(name)s is on leave: give the reason for leave.")
                    % {"name": entry.member},
                    code="leave_reason_required",
                )
            )
    if errors:
        raise ValidationError(errors)

    rescheduled = False
    if session.status == StudySession.Status.PLANNED and session.has_started:
        session.status = StudySession.Status.HELD
        session.save(update_fields=["status", "updated_at"])
        rescheduled = True
    held = session.status != StudySession.Status.PLANNED

    existing = {a.member_id: a for a in session.attendances.all()}
    # Whose make-up study may change (a member's own list, on home): those who
    # are or were on leave or absent, and those recorded for the first time.
    make_up_members = [
        entry.member.pk
        for entry in entries
        if entry.status in MAKE_UP_STATUSES
        or entry.member.pk not in existing
        or existing[entry.member.pk].status in MAKE_UP_STATUSES
    ]
    # The session's status may change too (planned → held): home's plan and
    # recent records show it. Bumped before the writes as well as after them (and
    # on commit), for reads later in this transaction.
    read_models.bump_records(
        session.group_id, members=make_up_members, schedule=rescheduled
    )
    labels = dict(Attendance.Status.choices)
    changes, saved = [], []
    for entry in entries:
        leave_reason = (
            entry.leave_reason.strip()
            if entry.status == Attendance.Status.ON_LEAVE
            else ""
        )
        before = existing.get(entry.member.pk)
        if before is None or (before.status, before.leave_reason) != (
            entry.status,
            leave_reason,
        ):
            changes.append(
                {
                    "field": _("attendance of %(name)s") % {"name": entry.member.name},
                    "old": str(labels[before.status]) if before else "—",
                    "new": str(labels[entry.status])
                    + (f"（{leave_reason}）" if leave_reason else ""),
                }
            )
        attendance, _created = Attendance.objects.update_or_create(
            session=session,
            member=entry.member,
            defaults={"status": entry.status, "leave_reason": leave_reason},
        )
        if attendance.status in MAKE_UP_STATUSES:
            if held:
                make_up, created = MakeUpStudy.objects.get_or_create(
                    attendance=attendance
                )
                notify_make_ups([make_up] if created else [])
        else:
            # Back in the room after all: an unfinished make-up item is moot.
            MakeUpStudy.objects.filter(
                attendance=attendance, done_at__isnull=True
            ).delete()
        saved.append(attendance)

    if observers is not None:
        wanted = [(n.strip(), u.strip()) for n, u in observers if n.strip()]
        current = [(o.name, o.unit) for o in session.observers.all()]
        if wanted != current:
            changes.append(
                {
                    "field": _("observers"),
                    "old": "；".join(n for n, _u in current) or "—",
                    "new": "；".join(n for n, _u in wanted) or "—",
                }
            )
            session.observers.all().delete()
            Observer.objects.bulk_create(
                Observer(session=session, name=n, unit=u) for n, u in wanted
            )

    _correct(session, author, reason, changes)
    read_models.bump_records(session.group_id, schedule=rescheduled)
    return saved


@transaction.atomic
def mark_session_held(session: StudySession) -> StudySession:
    """The keeper says the session took place; only once it has started.

    Attendance prepared beforehand stands, and those on leave or absent get their
    make-up items now."""
    if session.status != StudySession.Status.PLANNED:
        raise ValidationError(
            _("Only a planned session can be marked as held."), code="bad_transition"
        )
    if not session.has_started:
        raise ValidationError(
            _(
                "This session has not started yet: it can be marked as held once "
                "its start time has passed."
            ),
            code="not_started",
        )
    if (
        session.sign_ins.exists()
        and Member.objects.of_group(session.group)
        .exclude(attendances__session=session)
        .exists()
    ):
        # Members signed in by the room's code: the others have no attendance yet,
        # and held with only those rows would count them as never expected.
        raise ValidationError(
            _(
                "Some members did not sign in: record their attendance on the "
                "attendance screen, which marks the session as held."
            ),
            code="unmarked_members",
        )
    session.status = StudySession.Status.HELD
    session.save(update_fields=["status", "updated_at"])
    _open_make_ups(session)  # bumps the records
    return session


@transaction.atomic
def archive_session(session: StudySession) -> StudySession:
    """Lock the record. From now on every change needs a reason and is kept."""
    if session.status != StudySession.Status.HELD:
        raise ValidationError(
            _("Only a held session can be archived."), code="bad_transition"
        )
    if not session.attendances.exists():
        raise ValidationError(
            _("Record the attendance before archiving the record."),
            code="no_attendance",
        )
    session.status = StudySession.Status.ARCHIVED
    session.save(update_fields=["status", "updated_at"])
    read_models.bump_records(session.group_id)
    return session


def _cited_ids(session: StudySession, paragraphs: Iterable[Paragraph]) -> list[int]:
    """Only paragraphs of the session's materials may be cited."""
    paragraphs = list(paragraphs)
    allowed = set(
        Paragraph.objects.filter(
            article__in=session.materials.all(), pk__in=[p.pk for p in paragraphs]
        ).values_list("pk", flat=True)
    )
    if len(allowed) != len({p.pk for p in paragraphs}):
        raise ValidationError(
            _("A speech can only cite paragraphs of the session's materials."),
            code="bad_citation",
        )
    return sorted(allowed)


@transaction.atomic
def save_discussion_note(
    session: StudySession,
    *,
    author: Member,
    content: str,
    kind: str = DiscussionNote.Kind.DISCUSSION,
    speaker: Member | None = None,
    speaker_name: str = "",
    cited_paragraphs: Iterable[Paragraph] = (),
    status: str = DiscussionNote.Status.FINAL,
    note: DiscussionNote | None = None,
    reason: str = "",
) -> DiscussionNote:
    """Add a speech at the end of the record, or change ``note``."""
    reason = _require_reason(session, reason)
    content = content.strip()
    speaker_name = speaker_name.strip()
    if not content:
        raise ValidationError(_("Write what was said."), code="content_required")
    if speaker is None and not speaker_name:
        raise ValidationError(
            _("Choose the speaker, or type the name of a speaker who is not a member."),
            code="speaker_required",
        )
    cited = _cited_ids(session, cited_paragraphs)
    labels = dict(DiscussionNote.Kind.choices)
    if note is None:
        last = session.notes.order_by("-position").first()
        note = DiscussionNote(
            session=session,
            drafted_by=author,
            position=(last.position + 1) if last else 1,
        )
        old = None
    else:
        old = f"{note.speaker_label}（{labels[note.kind]}）：{note.content}"
    note.speaker = speaker
    note.speaker_name = "" if speaker else speaker_name
    note.kind = kind
    note.content = content
    note.status = status
    note.save()
    note.cited_paragraphs.set(cited)
    read_models.bump_discussions(session.group_id)
    index_note(note)
    new = f"{note.speaker_label}（{labels[note.kind]}）：{note.content}"
    if old != new:
        _correct(
            session,
            author,
            reason,
            [{"field": _("speech"), "old": old or "—", "new": new}],
        )
    read_models.bump_records(session.group_id)
    return note


@transaction.atomic
def delete_discussion_note(
    note: DiscussionNote, *, author: Member, reason: str = ""
) -> None:
    session = note.session
    reason = _require_reason(session, reason)
    old = f"{note.speaker_label}（{note.get_kind_display()}）：{note.content}"
    remove_objects(NOTE.name, [note.pk])
    note.delete()
    read_models.bump_discussions(session.group_id)
    _correct(session, author, reason, [{"field": _("speech"), "old": old, "new": "—"}])
    read_models.bump_records(session.group_id)


@transaction.atomic
def move_discussion_note(note: DiscussionNote, *, up: bool) -> None:
    """Swap a speech with its neighbour, so the record keeps the order they spoke."""
    siblings = list(note.session.notes.order_by("position", "pk"))
    index = siblings.index(note)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])
    read_models.bump_records(note.session.group_id)


@transaction.atomic
def complete_make_up(make_up: MakeUpStudy, *, note: str) -> MakeUpStudy:
    note = note.strip()
    if not note:
        raise ValidationError(
            _("Write a few words on what you studied."), code="note_required"
        )
    make_up.note = note
    make_up.done_at = make_up.done_at or timezone.now()
    make_up.save(update_fields=["note", "done_at"])
    attendance = make_up.attendance
    read_models.bump_records(
        attendance.session.group_id, members=[attendance.member_id]
    )
    return make_up


@transaction.atomic
def add_plan_item(
    group: StudyGroup,
    year: int,
    *,
    month: int,
    topic: str,
    materials: Iterable[Article] = (),
) -> PlanItem:
    materials = list(materials)
    _check_published(materials)
    plan, _created = StudyPlan.objects.get_or_create(group=group, year=year)
    item = PlanItem.objects.create(plan=plan, month=month, topic=topic.strip())
    item.materials.set(materials)
    read_models.bump_records(group.pk)
    return item


@transaction.atomic
def edit_plan_item(
    item: PlanItem,
    *,
    month: int,
    topic: str,
    materials: Iterable[Article] = (),
) -> PlanItem:
    materials = list(materials)
    _check_published(materials)
    item.month = month
    item.topic = topic.strip()
    item.save(update_fields=["month", "topic"])
    item.materials.set(materials)
    read_models.bump_records(item.plan.group_id)
    return item


def delete_plan_item(item: PlanItem) -> None:
    group_id = item.plan.group_id
    item.delete()
    read_models.bump_records(group_id)
