"""Notifications: what a member is told about (站内通知) and, if they wish, mailed.

A notification stores a reference (its kind and the id of what it is about), never
a copy of text. What it says is rendered when it is shown or mailed, under the
recipient's visibility at that moment (``articles.reading.notifications``): a
reply whose annotation became private, was deleted or whose article was taken back
shows a neutral line instead of its text.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user) -> "NotificationQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    # Each kind names the model its ``target_id`` points at (``TARGET_MODELS``).
    class Kind(models.TextChoices):
        REPLY = "reply", _("reply to an annotation")
        SESSION_NEW = "session_new", _("new study session")
        SESSION_CHANGED = "session_changed", _("study session changed")
        MAKE_UP = "make_up", _("make-up study assigned")
        SESSION_REMINDER = "session_reminder", _("study session reminder")
        # A LeaveRequest: to its approvers when asked, to its member when decided.
        LEAVE_AWAITING = "leave_awaiting", _("leave request awaiting a decision")
        LEAVE_DECIDED = "leave_decided", _("decision on a leave request")
        # A StudySession whose reflection the recipient owes soon.
        REFLECTION_DUE = "reflection_due", _("reflection due")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # A plain id, not a foreign key: kinds point at different models, and a target
    # deleted later leaves a notification that shows a neutral line.
    target_id = models.PositiveBigIntegerField(_("about (id)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # When the e-mail went out (empty: not sent, or nobody to send it to): the
    # worker claims this field, so an e-mail is sent at most once.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints = [
            # Running the reminders twice reminds once: the database refuses the
            # second row for the same member and session.
            models.UniqueConstraint(
                fields=["recipient", "kind", "target_id"],
                condition=Q(kind__in=["session_reminder", "reflection_due"]),
                name="notification_reminder_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("articles:notification_open", args=[self.pk])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
