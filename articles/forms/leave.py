"""Forms of leave requests. They validate input; articles/services/leave.py writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models.leave import COMMENT_MAX_LENGTH, REASON_MAX_LENGTH


class LeaveRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for leave"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. an official trip or a meeting of the higher level."),
        error_messages={"required": _("Give the reason for leave.")},
    )


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
