"""Reflections (学习心得): what a member wrote after a held session.

Who owes one: every member *expected* at the session, i.e. with an ``Attendance`` row
(present, late, on leave or absent alike; the rules ask the absentee for a 补学体会
too, see shared/research/study_sessions.md §1.2). A member who joined the group
later has no row and owes nothing; observers (列席) never do.

When: the group's ``GroupStudySettings`` say whether reflections are expected and
within how many days after the day the session ends (the deadline is the end of
that local day). A reflection handed in after the deadline is kept and marked late.

Visibility (written once, in ``ReflectionQuerySet.visible_to``): the author and the
keepers of the session's group; other members of the group only once the author
shares it. Staff see nothing they would not see as members.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, StudyGroup

from .sessions import (
    RECORD_KEEPER_ROLES,
    Attendance,
    GroupStudySettings,
    StudySession,
)

# Days a group may give for a reflection (the database checks the same bounds).
MAX_REFLECTION_DAYS = 60


def upload_storage():
    """The private store of uploads (``STORAGES["uploads"]``): local files outside
    any served directory by default, or an S3-compatible bucket (README)."""
    return storages["uploads"]


def reflection_upload_to(instance: "Reflection", filename: str) -> str:
    # The member's own file name is kept in ``file_name`` for the download; the
    # stored name is ours, so nothing a member typed reaches a path.
    suffix = ".pdf" if instance.file_kind == Reflection.FileKind.PDF else ".docx"
    return f"reflections/{instance.session_id}/{instance.author_id}{suffix}"


def reflection_deadline(session: StudySession, days: int) -> datetime:
    """The end of the local day ``days`` after the day the session ends."""
    end_day = timezone.localtime(session.ends_at).date() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(end_day, time.max))


class ReflectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReflectionQuerySet":
        """The author's own; every reflection of the groups the user keeps; the
        shared ones of the user's other groups. Nothing for anyone else, staff
        included."""
        if not user.is_authenticated:
            return self.none()
        kept = Membership.objects.filter(
            member=user, role__in=RECORD_KEEPER_ROLES
        ).values("group_id")
        mine = StudyGroup.objects.of_member(user).values("pk")
        return self.filter(
            Q(author=user)
            | Q(session__group__in=kept)
            | Q(shared=True, session__group__in=mine)
        )

    def activity_of(self, person, viewer) -> "ReflectionQuerySet":
        """``person``'s reflections as ``viewer`` may see them, in the groups both
        belong to (the archive's rule, see ``StudySession.objects.shared_by``)."""
        return self.visible_to(viewer).filter(
            author=person,
            session__in=StudySession.objects.shared_by(viewer, person).values("pk"),
        )


class Reflection(models.Model):
    class FileKind(models.TextChoices):
        DOCX = "docx", _("Word document")
        PDF = "pdf", _("PDF document")

    session = models.ForeignKey(
        StudySession,
        verbose_name=_("study session"),
        on_delete=models.CASCADE,
        related_name="reflections",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="reflections",
    )
    text = models.TextField(_("reflection"), blank=True)
    file = models.FileField(
        _("attached file"),
        storage=upload_storage,
        upload_to=reflection_upload_to,
        max_length=200,
        blank=True,
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_kind = models.CharField(
        _("file type"), max_length=10, choices=FileKind.choices, blank=True
    )
    file_size = models.PositiveIntegerField(_("file size"), default=0)
    # The text read out of the file when it has one (a scanned PDF has none): the
    # dossier prints it, so a keeper need not open each file.
    file_text = models.TextField(_("text of the file"), blank=True)
    shared = models.BooleanField(_("shared with the group"), default=False)
    for_make_up = models.BooleanField(_("make-up reflection (补学体会)"), default=False)
    handed_in_at = models.DateTimeField(_("handed in at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReflectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["session", "handed_in_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "author"], name="reflection_once_per_member"
            ),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(file=""), name="reflection_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.session}"

    def get_absolute_url(self) -> str:
        return reverse("articles:reflection_detail", args=[self.pk])

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    def deadline(self, days: int | None = None) -> datetime:
        if days is None:
            days = GroupStudySettings.for_group(self.session.group).reflection_days
        return reflection_deadline(self.session, days)

    def is_late(self, days: int | None = None) -> bool:
        return self.handed_in_at > self.deadline(days)


def owing_reflection(due_by: date, due_from: date | None = None):
    """Attendance rows (member, session) of held sessions whose group expects
    reflections, due between ``due_from`` and ``due_by`` (local dates, both
    included; ``due_from`` defaults to ``due_by``: due on that day), and not yet
    handed in. For the "reflections due" reminder; a few queries whatever the data.
    """
    due_from = due_from or due_by
    groups = dict(
        GroupStudySettings.objects.filter(reflections_expected=True).values_list(
            "group_id", "reflection_days"
        )
    )
    if not groups or due_from > due_by:
        return Attendance.objects.none()
    # A session due in the window ended at most MAX_REFLECTION_DAYS (+1 for time
    # zones) before it: only those are read to compute their deadlines.
    earliest = timezone.make_aware(
        datetime.combine(due_from - timedelta(days=MAX_REFLECTION_DAYS + 1), time.min)
    )
    latest = timezone.make_aware(datetime.combine(due_by, time.max))
    candidates = (
        StudySession.objects.held()
        .filter(group__in=list(groups), ends_at__gte=earliest, ends_at__lte=latest)
        .only("pk", "group_id", "ends_at")
    )
    due = [
        s.pk
        for s in candidates
        if due_from
        <= timezone.localtime(reflection_deadline(s, groups[s.group_id])).date()
        <= due_by
    ]
    return (
        Attendance.objects.filter(session__in=due)
        .exclude(
            pk__in=Attendance.objects.filter(
                session__in=due,
                session__reflections__author=models.F("member"),
            ).values("pk")
        )
        .select_related("session__group", "member")
    )
