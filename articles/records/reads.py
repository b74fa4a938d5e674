"""Reads that several pages and exports share: one session's full record and a group's
year in figures. Each runs a fixed number of queries whatever the data.

The attendance rate is defined in articles/models/sessions.py (module docstring).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member, Membership, StudyGroup

from ..models import (
    Article,
    Attendance,
    Correction,
    DiscussionNote,
    GroupStudySettings,
    Observer,
    Paragraph,
    PlanItem,
    ReadingProgress,
    Reflection,
    SessionMaterial,
    StudySession,
)
from ..models.leave import attach_approvals


@dataclass
class SessionRecord:
    """Everything the study record shows, loaded in a fixed number of queries."""

    session: StudySession
    materials: list[SessionMaterial]
    attendances: list[Attendance]
    observers: list[Observer]
    notes: list[DiscussionNote]
    corrections: list[Correction] = field(default_factory=list)

    def _with(self, *statuses) -> list[Attendance]:
        return [a for a in self.attendances if a.status in statuses]

    @property
    def attended(self) -> list[Attendance]:
        return self._with(*Attendance.ATTENDED)

    @property
    def on_leave(self) -> list[Attendance]:
        return self._with(Attendance.Status.ON_LEAVE)

    @property
    def absent(self) -> list[Attendance]:
        return self._with(Attendance.Status.ABSENT)

    @property
    def missed(self) -> list[Attendance]:
        return self._with(Attendance.Status.ON_LEAVE, Attendance.Status.ABSENT)

    def notes_of(self, kind: str) -> list[DiscussionNote]:
        return [n for n in self.notes if n.kind == kind]

    @property
    def keynotes(self) -> list[DiscussionNote]:
        return self.notes_of(DiscussionNote.Kind.KEYNOTE)

    @property
    def discussions(self) -> list[DiscussionNote]:
        return self.notes_of(DiscussionNote.Kind.DISCUSSION)

    @property
    def closings(self) -> list[DiscussionNote]:
        return self.notes_of(DiscussionNote.Kind.CLOSING)


def materials_prefetch(*, published_only: bool = False) -> Prefetch:
    """The session's materials as ``material_rows``; ``published_only`` for the
    reading lists (home page), which never list an unpublished article."""
    rows = SessionMaterial.objects.select_related("article").prefetch_related(
        "paragraphs"
    )
    if published_only:
        rows = rows.filter(article__in=Article.objects.published())
    return Prefetch("sessionmaterial_set", queryset=rows, to_attr="material_rows")


def shown_materials(session: StudySession, rows: list[SessionMaterial]) -> list:
    """What a record shows of its materials, the same for every reader and export.

    An article taken back to draft after it was studied stays in the record of a
    session that took place (held or archived) by its title only, as the historical
    fact of what was studied, marked ``withdrawn``: no link, no chosen paragraphs,
    never its text. A planned session does not list it at all (nobody is to read
    it any more). Each row gets ``withdrawn`` and ``chosen`` (paragraphs to show).
    """
    shown = []
    for row in rows:
        row.withdrawn = row.article.status != Article.Status.PUBLISHED
        if row.withdrawn and session.status == StudySession.Status.PLANNED:
            continue
        row.chosen = [] if row.withdrawn else list(row.paragraphs.all())
        shown.append(row)
    return shown


def plan_materials_prefetch() -> Prefetch:
    """A plan lists published materials only: it says what is to be read."""
    return Prefetch("materials", queryset=Article.objects.published())


def published_paragraphs():
    """Paragraphs a record may quote (cited paragraphs): of published articles."""
    return Paragraph.objects.filter(article__in=Article.objects.published())


def attendance_rows():
    """Attendance as records list it: members in the group's position order."""
    return Attendance.objects.select_related("member", "make_up").in_position_order()


def notes_prefetch(viewer=None, keeps_record: bool = True) -> Prefetch:
    # A speech keeps its citations of a withdrawn article in the database (they
    # come back if it is published again) but no record shows their text.
    notes = DiscussionNote.objects.select_related("speaker").prefetch_related(
        Prefetch("cited_paragraphs", queryset=published_paragraphs())
    )
    if not keeps_record and viewer is None:
        # The record as every member sees it (cached for all of them): final
        # speeches only, whoever looks.
        notes = notes.filter(status=DiscussionNote.Status.FINAL)
    elif not keeps_record:
        # Drafts are private to whoever drafted them until the secretary finalises
        # (the one rule, shared with search: DiscussionNote.objects.visible_to).
        notes = notes.visible_to(viewer)
    return Prefetch("notes", queryset=notes, to_attr="note_rows")


def load_record(
    session: StudySession,
    *,
    viewer=None,
    keeps_record: bool = True,
    with_corrections: bool = False,
) -> SessionRecord:
    session = (
        StudySession.objects.select_related("group", "host", "recorder")
        .prefetch_related(
            materials_prefetch(),
            Prefetch(
                "attendances",
                queryset=attendance_rows(),
                to_attr="attendance_rows",
            ),
            Prefetch("observers", to_attr="observer_rows"),
            notes_prefetch(viewer, keeps_record),
        )
        .get(pk=session.pk)
    )
    # Leave (请假): who approved each leave, for the record and its documents.
    attach_approvals(session.attendance_rows)
    corrections = []
    if with_corrections:
        corrections = list(session.corrections.select_related("author"))
    return SessionRecord(
        session=session,
        materials=shown_materials(session, session.material_rows),
        attendances=session.attendance_rows,
        observers=session.observer_rows,
        notes=session.note_rows,
        corrections=corrections,
    )


def draft_owners(session: StudySession) -> set[int]:
    """Who sees a draft of ``session`` besides its record keepers: the members who
    drafted one or are its speaker (``DiscussionNote.objects.visible_to``). One
    query."""
    rows = DiscussionNote.objects.filter(
        session=session, status=DiscussionNote.Status.DRAFT
    ).values_list("speaker_id", "drafted_by_id")
    return {pk for row in rows for pk in row} - {None}


def load_records(sessions) -> list[SessionRecord]:
    """Full records of many sessions (the annual dossier), in fixed queries."""
    sessions = sessions.select_related("group", "host", "recorder").prefetch_related(
        materials_prefetch(),
        Prefetch(
            "attendances",
            queryset=attendance_rows(),
            to_attr="attendance_rows",
        ),
        Prefetch("observers", to_attr="observer_rows"),
        notes_prefetch(),
    )
    sessions = list(sessions)
    attach_approvals(a for s in sessions for a in s.attendance_rows)
    return [
        SessionRecord(
            session=s,
            materials=shown_materials(s, s.material_rows),
            attendances=s.attendance_rows,
            observers=s.observer_rows,
            notes=s.note_rows,
        )
        for s in sessions
    ]


def local_format(value, fmt: str) -> str:
    """A stored (UTC) time as the group's local wall-clock text, for documents."""
    return timezone.localtime(value).strftime(fmt)


def percent(part: int, whole: int) -> float | None:
    """A rate in percent, one decimal; None when there is nothing to count."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


@dataclass
class MemberYear:
    member: Member
    counts: Counter
    keynotes: int = 0
    open_make_ups: int = 0
    studied: int = 0
    below: bool = False
    # Reflections: handed in on the year's sessions, and owed (the sessions the
    # member was expected at, when the group expects reflections).
    reflections: int = 0
    reflections_expected: int = 0

    @property
    def expected(self) -> int:
        return sum(self.counts.values())

    @property
    def attended(self) -> int:
        return sum(self.counts[s] for s in Attendance.ATTENDED)

    @property
    def rate(self) -> float | None:
        return percent(self.attended, self.expected)

    def count(self, status: str) -> int:
        return self.counts[status]


@dataclass
class GroupYear:
    group: StudyGroup
    year: int
    thresholds: GroupStudySettings
    sessions: list[StudySession]
    planned_count: int | None
    members: list[MemberYear]
    months: list[dict]
    warnings: list[str]

    @property
    def held_count(self) -> int:
        return len(self.sessions)

    @property
    def hours(self) -> float:
        total = sum((s.duration for s in self.sessions), timedelta())
        return round(total.total_seconds() / 3600, 1)

    @property
    def expected(self) -> int:
        return sum(m.expected for m in self.members)

    @property
    def attended(self) -> int:
        return sum(m.attended for m in self.members)

    @property
    def rate(self) -> float | None:
        return percent(self.attended, self.expected)

    @property
    def keynotes(self) -> int:
        return sum(m.keynotes for m in self.members)

    @property
    def studied(self) -> int:
        return sum(m.studied for m in self.members)

    # Reflections
    @property
    def reflections(self) -> int:
        return sum(m.reflections for m in self.members)

    @property
    def reflections_expected(self) -> int:
        return sum(m.reflections_expected for m in self.members)


def group_year(group: StudyGroup, year: int) -> GroupYear:
    """Figures for the statistics page, the Excel sheet and the dossier.

    Sessions counted are the held and archived ones that started in ``year``;
    "planned" is the number of topics in the annual plan (None without a plan).
    """
    thresholds = GroupStudySettings.for_group(group)
    sessions = list(
        StudySession.objects.filter(group=group)
        .held()
        .in_year(year)
        .order_by("starts_at", "pk")
    )
    counts: dict[int, Counter] = defaultdict(Counter)
    open_make_ups: Counter = Counter()
    # Attendance by status and the make-ups still open, in one query.
    rows = (
        Attendance.objects.filter(session__in=[s.pk for s in sessions])
        .values("member", "status")
        .annotate(
            n=Count("pk"),
            open=Count("pk", filter=Q(make_up__isnull=False, make_up__done_at=None)),
        )
        .order_by()
    )
    for row in rows:
        counts[row["member"]][row["status"]] = row["n"]
        open_make_ups[row["member"]] += row["open"]
    keynotes = dict(
        DiscussionNote.objects.filter(
            session__in=[s.pk for s in sessions],
            kind=DiscussionNote.Kind.KEYNOTE,
            status=DiscussionNote.Status.FINAL,
            speaker__isnull=False,
        )
        .values_list("speaker")
        .annotate(n=Count("pk"))
        .order_by()
    )
    member_ids = set(counts) | set(
        Membership.objects.filter(group=group).values_list("member", flat=True)
    )
    # Position order; former members who attended this year follow by name.
    people = Member.objects.filter(pk__in=member_ids).in_group_order(group)
    # Articles each member marked studied (学习完成) during the year, whichever group
    # the article was studied for: reading is the member's, not a session's.
    studied = dict(
        ReadingProgress.objects.filter(member__in=member_ids, studied_at__year=year)
        .values_list("member")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # Reflections: whatever was handed in counts; what was owed follows the
    # group's current setting (a group that starts asking mid-year owes from then
    # on only by the deadline reminder, the figure counts the whole year).
    reflections = dict(
        Reflection.objects.filter(session__in=[s.pk for s in sessions])
        .values_list("author")
        .annotate(n=Count("pk"))
        .order_by()
    )
    members = [
        MemberYear(
            member=person,
            counts=counts[person.pk],
            keynotes=keynotes.get(person.pk, 0),
            open_make_ups=open_make_ups.get(person.pk, 0),
            studied=studied.get(person.pk, 0),
            reflections=reflections.get(person.pk, 0),
            reflections_expected=(
                sum(counts[person.pk].values())
                if thresholds.reflections_expected
                else 0
            ),
        )
        for person in people
    ]
    planned_items = list(
        PlanItem.objects.filter(plan__group=group, plan__year=year).values_list(
            "month", flat=True
        )
    )
    has_plan = bool(planned_items) or group.study_plans.filter(year=year).exists()
    planned_by_month = Counter(planned_items)
    held_by_month = Counter(s.starts_at.month for s in sessions)
    peak = max([1, *planned_by_month.values(), *held_by_month.values()])
    months = [
        {
            "month": m,
            "held": held_by_month[m],
            "planned": planned_by_month[m],
            "held_height": round(100 * held_by_month[m] / peak),
            "planned_height": round(100 * planned_by_month[m] / peak),
        }
        for m in range(1, 13)
    ]
    stats = GroupYear(
        group=group,
        year=year,
        thresholds=thresholds,
        sessions=sessions,
        planned_count=len(planned_items) if has_plan else None,
        members=members,
        months=months,
        warnings=[],
    )
    minimum = thresholds.min_attendance_rate
    if stats.held_count < thresholds.min_sessions_per_year:
        stats.warnings.append(
            _(
                "%(held)s sessions held in %(year)s: fewer than the %(minimum)s a "
                "year the group requires."
            )
            % {
                "held": stats.held_count,
                "year": year,
                "minimum": thresholds.min_sessions_per_year,
            }
        )
    if stats.rate is not None and stats.rate < minimum:
        stats.warnings.append(
            _("The group's attendance rate %(rate)s%% is below %(minimum)s%%.")
            % {"rate": stats.rate, "minimum": minimum}
        )
    for person in members:
        if person.rate is not None and person.rate < minimum:
            person.below = True
            stats.warnings.append(
                _("%(name)s: attendance rate %(rate)s%%, below %(minimum)s%%.")
                % {"name": person.member, "rate": person.rate, "minimum": minimum}
            )
    return stats


def paragraph_discussions(user, article) -> dict[int, list[StudySession]]:
    """For the reader: the sessions (visible to ``user``) whose final speeches cited
    each paragraph of ``article``, keyed by paragraph id. One query."""
    rows = (
        DiscussionNote.cited_paragraphs.through.objects.filter(
            paragraph__article=article,
            discussionnote__status=DiscussionNote.Status.FINAL,
            discussionnote__session__in=StudySession.objects.visible_to(user),
        )
        .select_related("discussionnote__session")
        .order_by("discussionnote__session__starts_at")
    )
    found: dict[int, list[StudySession]] = defaultdict(list)
    for row in rows:
        session = row.discussionnote.session
        if session not in found[row.paragraph_id]:
            found[row.paragraph_id].append(session)
    return found


def session_number(session: StudySession) -> int:
    """第N次集体学习: the place of ``session`` among its group's held sessions of
    the same year, by start (as ``group_year`` orders them). A planned session gets
    the number it would take. One query."""
    year = timezone.localtime(session.starts_at).year
    earlier = (
        StudySession.objects.filter(group_id=session.group_id)
        .held()
        .in_year(year)
        .filter(
            Q(starts_at__lt=session.starts_at)
            | Q(starts_at=session.starts_at, pk__lt=session.pk)
        )
        .count()
    )
    return earlier + 1
