"""Study sessions of a 中心组: plans, sessions, attendance, speeches and corrections.

Rates (documented once, used by the statistics page, the Excel sheet and the archive):

- *expected* members of a session are those with an ``Attendance`` row; the secretary's
  screen creates one per member of the group, so a member who joined later is not
  counted for earlier sessions. Observers (列席) have no ``Attendance`` row and are
  never counted.
- *attended* = present + late + left early (they were in the room).
- attendance rate = attended ÷ expected, over held and archived sessions only.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, StudyGroup, position_order

from .materials import Article, Paragraph

# The years a session may be given (a mistyped 0202 or 20266 is refused, not stored).
SESSION_YEARS = range(2000, 2101)


class GroupStudySettings(models.Model):
    """Per-group thresholds for the statistics warnings; units set their own numbers."""

    group = models.OneToOneField(
        StudyGroup,
        verbose_name=_("study group"),
        on_delete=models.CASCADE,
        related_name="study_settings",
    )
    min_attendance_rate = models.PositiveSmallIntegerField(
        _("minimum attendance rate (%)"), default=90
    )
    min_sessions_per_year = models.PositiveSmallIntegerField(
        _("minimum sessions per year"), default=12
    )
    # Sign-in (扫码签到): when the room's code starts to work, and from when on a
    # member who signs in is late. Units differ (some open the door an hour early).
    sign_in_opens_minutes = models.PositiveSmallIntegerField(
        _("sign-in opens (minutes before the start)"),
        default=30,
        validators=[MaxValueValidator(240)],
    )
    late_after_minutes = models.PositiveSmallIntegerField(
        _("late after (minutes after the start)"),
        default=5,
        validators=[MaxValueValidator(120)],
    )

    # Leave (请假): who decides the members' requests (articles/models/leave.py).
    class LeaveApprovers(models.TextChoices):
        LEADER = "leader", _("the group leader")
        DEPUTIES = "deputies", _("the group leader or a deputy leader")

    leave_approvers = models.CharField(
        _("leave is approved by"),
        max_length=20,
        choices=LeaveApprovers.choices,
        default=LeaveApprovers.LEADER,
        help_text=_(
            "A leave request by the group leader always goes to the deputy leaders."
        ),
    )

    # Reflections (学习心得): whether members are asked for one after each held
    # session, and how many days after the session's end they have to hand it in.
    reflections_expected = models.BooleanField(
        _("reflections expected after each session"), default=False
    )
    reflection_days = models.PositiveSmallIntegerField(
        _("days to hand in a reflection"),
        default=7,
        help_text=_("Counted from the day the session ends, at most 60."),
    )

    class Meta:
        verbose_name = _("study thresholds")
        verbose_name_plural = _("study thresholds")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_attendance_rate__lte=100),
                name="study_settings_rate_at_most_100",
            ),
            # Reflections
            models.CheckConstraint(
                condition=Q(reflection_days__gte=1, reflection_days__lte=60),
                name="study_settings_reflection_days_1_60",
            ),
        ]

    def __str__(self) -> str:
        return str(self.group)

    @classmethod
    def for_group(cls, group: StudyGroup) -> "GroupStudySettings":
        """The group's thresholds, or the defaults (unsaved) when none were set."""
        found = cls.objects.filter(group=group).first()
        return found or cls(group=group)


class StudyPlan(models.Model):
    # PROTECT, like the sessions: a group's record outlives any wish to delete it.
    group = models.ForeignKey(
        StudyGroup,
        verbose_name=_("study group"),
        on_delete=models.PROTECT,
        related_name="study_plans",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("annual study plan")
        verbose_name_plural = _("annual study plans")
        ordering = ["group", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["group", "year"], name="plan_once_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.year}"


class PlanItem(models.Model):
    plan = models.ForeignKey(
        StudyPlan,
        verbose_name=_("annual study plan"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    month = models.PositiveSmallIntegerField(_("month"))
    topic = models.CharField(_("topic"), max_length=300)
    materials = models.ManyToManyField(
        Article, verbose_name=_("study materials"), blank=True
    )

    class Meta:
        verbose_name = _("planned topic")
        verbose_name_plural = _("planned topics")
        ordering = ["plan", "month", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="plan_item_month_1_12"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month}月 · {self.topic}"


class StudySessionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "StudySessionQuerySet":
        """Members see their own groups' sessions and nobody else does.

        Being staff adds nothing: staff curate the library, and a group's record
        (attendance, leave reasons, speeches) is its members' business only.
        """
        if not user.is_authenticated:
            return self.none()
        return self.filter(group__in=StudyGroup.objects.of_member(user).values("pk"))

    def shared_by(self, viewer, person) -> "StudySessionQuerySet":
        """The one rule for what of ``person``'s activity ``viewer`` may see: the
        sessions of the groups both belong to (every group of one's own).

        A keeper of group A looking at someone also in group B sees nothing of B.
        Attendance, leave reasons, make-up study, speeches and the archive's years
        all start from here (their ``activity_of`` methods).
        """
        return self.filter(
            group__in=StudyGroup.objects.shared_by(viewer, person).values("pk")
        )

    def held(self) -> "StudySessionQuerySet":
        """Sessions that took place (held, or held and archived)."""
        return self.exclude(status=StudySession.Status.PLANNED)

    def upcoming(self) -> "StudySessionQuerySet":
        return self.filter(
            status=StudySession.Status.PLANNED, ends_at__gte=timezone.now()
        ).order_by("starts_at")

    def awaiting_record(self) -> "StudySessionQuerySet":
        """待记录: still planned although their time is over (never recorded)."""
        return self.filter(
            status=StudySession.Status.PLANNED, ends_at__lt=timezone.now()
        ).order_by("starts_at")

    def kept_by(self, user) -> "StudySessionQuerySet":
        """Sessions of the groups whose record ``user`` keeps (not staff's all)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            group__in=Membership.objects.filter(
                member=user, role__in=RECORD_KEEPER_ROLES
            ).values("group_id")
        )

    def in_year(self, year: int) -> "StudySessionQuerySet":
        return self.filter(starts_at__year=year)

    def with_attendance_counts(self) -> "StudySessionQuerySet":
        """``expected`` and ``attended`` per session, as correlated subqueries: the
        database counts them for the rows a page shows only (a JOIN and GROUP BY
        would count every visible session before the LIMIT, and again in the
        paginator's COUNT, so the list grew with the whole record)."""

        def counted(rows) -> models.Subquery:
            return models.Subquery(
                rows.filter(session=OuterRef("pk"))
                .order_by()
                .values("session")
                .annotate(n=models.Count("pk"))
                .values("n"),
                output_field=models.IntegerField(),
            )

        attendances = Attendance.objects.all()
        return self.annotate(
            expected=Coalesce(counted(attendances), 0),
            attended=Coalesce(
                counted(attendances.filter(status__in=Attendance.ATTENDED)), 0
            ),
        )


class StudySession(models.Model):
    class Form(models.TextChoices):
        COLLECTIVE = "collective", _("collective study")
        SEMINAR = "seminar", _("thematic seminar")
        LECTURE = "lecture", _("guidance lecture")
        READING_CLASS = "reading_class", _("reading class")
        OTHER = "other", _("other form")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        HELD = "held", _("held")
        ARCHIVED = "archived", _("archived")

    # PROTECT: a group's sessions are its study record, which higher bodies and
    # inspection teams read; deleting the group in the admin must not take them
    # along (the admin refuses and names the records by kind).
    group = models.ForeignKey(
        StudyGroup,
        verbose_name=_("study group"),
        on_delete=models.PROTECT,
        related_name="study_sessions",
    )
    topic = models.CharField(_("topic"), max_length=300)
    form = models.CharField(
        _("form"), max_length=20, choices=Form.choices, default=Form.COLLECTIVE
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host"),
        on_delete=models.PROTECT,
        related_name="hosted_sessions",
        null=True,
        blank=True,
    )
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorder"),
        on_delete=models.PROTECT,
        related_name="recorded_sessions",
        null=True,
        blank=True,
    )
    materials = models.ManyToManyField(
        Article,
        verbose_name=_("study materials"),
        through="SessionMaterial",
        related_name="study_sessions",
        blank=True,
    )
    summary = models.TextField(_("content and main points"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StudySessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("study session")
        verbose_name_plural = _("study sessions")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["group", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d} {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("articles:session_detail", args=[self.pk])

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED

    @property
    def is_planned(self) -> bool:
        return self.status == self.Status.PLANNED

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def is_awaiting_record(self) -> bool:
        """待记录: the time is over and the keeper never recorded the session."""
        return self.is_planned and self.ends_at < timezone.now()

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def hours(self) -> float:
        return round(self.duration.total_seconds() / 3600, 1)

    @property
    def time_range(self) -> str:
        """``2026年03月12日 09:00—12:00``, with the end date when it differs."""
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        if start.date() == end.date():
            return f"{start:%Y年%m月%d日 %H:%M}—{end:%H:%M}"
        return f"{start:%Y年%m月%d日 %H:%M}—{end:%Y年%m月%d日 %H:%M}"


class SessionMaterial(models.Model):
    """An article studied at a session; optionally only some of its paragraphs."""

    session = models.ForeignKey(
        StudySession, verbose_name=_("study session"), on_delete=models.CASCADE
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT
    )
    paragraphs = models.ManyToManyField(
        Paragraph,
        verbose_name=_("particular paragraphs"),
        blank=True,
        help_text=_("Leave empty to study the whole article."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("study material")
        verbose_name_plural = _("study materials")
        ordering = ["session", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article"], name="session_material_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.article)


class AttendanceQuerySet(models.QuerySet):
    def attended(self) -> "AttendanceQuerySet":
        return self.filter(status__in=Attendance.ATTENDED)

    def activity_of(self, person, viewer) -> "AttendanceQuerySet":
        """``person``'s attendance (and leave reasons) as ``viewer`` may see it."""
        return self.filter(
            member=person,
            session__in=StudySession.objects.shared_by(viewer, person).values("pk"),
        )

    # Reflections
    def owing_reflection(self, due_by, due_from=None) -> "AttendanceQuerySet":
        """Who owes a reflection due between ``due_from`` and ``due_by`` (local
        dates; see ``articles.models.reflections.owing_reflection``)."""
        from .reflections import owing_reflection

        return owing_reflection(due_by, due_from).filter(pk__in=self.values("pk"))

    def in_position_order(self) -> "AttendanceQuerySet":
        """Session by session, members in their group's position order (按职务排序)."""
        return self.order_by(
            "session", *position_order("member", OuterRef("session__group"))
        )


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        LATE = "late", _("late")
        LEFT_EARLY = "left_early", _("left early")
        ON_LEAVE = "on_leave", _("on leave")
        ABSENT = "absent", _("absent")

    ATTENDED = (Status.PRESENT, Status.LATE, Status.LEFT_EARLY)

    session = models.ForeignKey(
        StudySession,
        verbose_name=_("study session"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    status = models.CharField(
        _("attendance"), max_length=20, choices=Status.choices, default=Status.PRESENT
    )
    leave_reason = models.CharField(_("reason for leave"), max_length=300, blank=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "member__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"], name="attendance_once_per_member"
            ),
            models.CheckConstraint(
                condition=~Q(status="on_leave") | ~Q(leave_reason=""),
                name="attendance_leave_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_status_display()}"

    @property
    def attended(self) -> bool:
        return self.status in self.ATTENDED


class Observer(models.Model):
    """Someone sitting in (列席): shown in the record, never counted in rates."""

    session = models.ForeignKey(
        StudySession,
        verbose_name=_("study session"),
        on_delete=models.CASCADE,
        related_name="observers",
    )
    name = models.CharField(_("name"), max_length=50)
    unit = models.CharField(_("unit"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("observer")
        verbose_name_plural = _("observers")
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name


class MakeUpStudyQuerySet(models.QuerySet):
    def open(self) -> "MakeUpStudyQuerySet":
        return self.filter(done_at__isnull=True)

    def activity_of(self, person, viewer) -> "MakeUpStudyQuerySet":
        """``person``'s make-up study as ``viewer`` may see it."""
        return self.filter(
            attendance__in=Attendance.objects.activity_of(person, viewer).values("pk")
        )


class MakeUpStudy(models.Model):
    """补学: a member on leave studies the session's materials afterwards."""

    attendance = models.OneToOneField(
        Attendance,
        verbose_name=_("attendance"),
        on_delete=models.CASCADE,
        related_name="make_up",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("make-up note"), blank=True)

    objects = MakeUpStudyQuerySet.as_manager()

    class Meta:
        verbose_name = _("make-up study")
        verbose_name_plural = _("make-up studies")
        ordering = ["done_at", "pk"]

    def __str__(self) -> str:
        return f"{self.attendance.member} · {self.attendance.session}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


# The roles that keep a group's record (see accounts.Membership.leads).
RECORD_KEEPER_ROLES = [
    Membership.Role.LEADER,
    Membership.Role.DEPUTY,
    Membership.Role.SECRETARY,
]


class DiscussionNoteQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DiscussionNoteQuerySet":
        """The speeches of sessions the user sees, as the record page shows them.

        Final speeches are read by everyone who sees the session. A draft is private
        to whoever drafted it and its speaker until the secretary finalises it; those
        who keep the group's record (leaders, deputies, the secretary) see every
        draft of their groups. Staff see no session they are not a member of.
        """
        if not user.is_authenticated:
            return self.none()
        sessions = StudySession.objects.visible_to(user).values("pk")
        kept = Membership.objects.filter(
            member=user, role__in=RECORD_KEEPER_ROLES
        ).values("group_id")
        return self.filter(
            Q(status=DiscussionNote.Status.FINAL)
            | Q(drafted_by=user)
            | Q(speaker=user)
            | Q(session__group__in=kept),
            session__in=sessions,
        )

    def activity_of(self, person, viewer) -> "DiscussionNoteQuerySet":
        """The speeches ``person`` gave, as ``viewer`` may see them: in the groups
        both belong to, and drafts only where ``visible_to`` shows them."""
        return self.visible_to(viewer).filter(
            speaker=person,
            session__in=StudySession.objects.shared_by(viewer, person).values("pk"),
        )


class DiscussionNote(models.Model):
    class Kind(models.TextChoices):
        KEYNOTE = "keynote", _("keynote speech")
        DISCUSSION = "discussion", _("discussion")
        CLOSING = "closing", _("closing remarks")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        FINAL = "final", _("final")

    session = models.ForeignKey(
        StudySession,
        verbose_name=_("study session"),
        on_delete=models.CASCADE,
        related_name="notes",
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    speaker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("speaker"),
        on_delete=models.PROTECT,
        related_name="speeches",
        null=True,
        blank=True,
    )
    speaker_name = models.CharField(
        _("speaker (observer)"),
        max_length=100,
        blank=True,
        help_text=_("For a speaker who is not a member, e.g. an invited lecturer."),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.DISCUSSION
    )
    content = models.TextField(_("content"))
    cited_paragraphs = models.ManyToManyField(
        Paragraph,
        verbose_name=_("cited paragraphs"),
        related_name="discussion_notes",
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.FINAL
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DiscussionNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("speech")
        verbose_name_plural = _("speeches")
        ordering = ["session", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(speaker__isnull=False) | ~Q(speaker_name=""),
                name="note_has_a_speaker",
            )
        ]

    def __str__(self) -> str:
        return f"{self.speaker_label} · {self.get_kind_display()}"

    @property
    def speaker_label(self) -> str:
        return self.speaker.name if self.speaker_id else self.speaker_name

    @property
    def anchor(self) -> str:
        return f"n-{self.pk}"


class Correction(models.Model):
    """A change made to an archived record: who, when, what changed and why."""

    session = models.ForeignKey(
        StudySession,
        verbose_name=_("study session"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason for correction"), max_length=500)
    # [{"field": label, "old": text, "new": text}, ...] — labels, not column names, so
    # the history still reads correctly if a field is renamed.
    changes = models.JSONField(_("changes"), default=list)
    created_at = models.DateTimeField(_("corrected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["session", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="correction_needs_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.created_at:%Y-%m-%d}"
