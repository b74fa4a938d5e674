"""Sign-in at the meeting (扫码签到): members scan the room's code, observers enter
their name.

A ``SignIn`` is the member's own act, kept apart from ``Attendance`` (the keeper's
record): the attendance screen shows both, and a keeper's correction of the
attendance never erases the fact that, and when, the member signed in.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .sessions import Observer, StudySession


class SignIn(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("on time")
        LATE = "late", _("late")

    session = models.ForeignKey(
        StudySession,
        verbose_name=_("study session"),
        on_delete=models.CASCADE,
        related_name="sign_ins",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="sign_ins",
    )
    # The moment the member opened the room's code (not when they finished logging
    # in): whether they were late depends on when they were in the room.
    signed_at = models.DateTimeField(_("signed in at"))
    status = models.CharField(
        _("sign-in"), max_length=10, choices=Status.choices, default=Status.PRESENT
    )

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        ordering = ["session", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"], name="sign_in_once_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.signed_at:%H:%M}"


class ObserverEntry(models.Model):
    """Someone sitting in (列席) who typed name and unit on the sign-in page; they
    become an ``Observer`` of the record only when a keeper confirms."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        DECLINED = "declined", pgettext_lazy("observer entry", "declined")

    session = models.ForeignKey(
        StudySession,
        verbose_name=_("study session"),
        on_delete=models.CASCADE,
        related_name="observer_entries",
    )
    name = models.CharField(_("name"), max_length=50)
    unit = models.CharField(_("unit"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    observer = models.OneToOneField(
        Observer,
        verbose_name=_("observer"),
        on_delete=models.SET_NULL,
        related_name="entry",
        null=True,
        blank=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("observer entry", "decided by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("observer's sign-in")
        verbose_name_plural = _("observers' sign-ins")
        ordering = ["session", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name=""), name="observer_entry_has_a_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name
