"""Forms of the study record. They validate input; the services in
articles/services/sessions.py do the writing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Member, StudyGroup

from .models import Article, DiscussionNote, Paragraph, StudySession


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def group_members(group: StudyGroup):
    return Member.objects.filter(memberships__group=group).order_by("username")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class ReasonMixin(forms.Form):
    """An archived record changes only with a reason, asked on the same form."""

    def add_reason_field(self, session: StudySession | None) -> None:
        if session is not None and session.is_archived:
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the correction"),
                max_length=500,
                help_text=_(
                    "This record is archived. The change and its reason are kept in "
                    "the record's history."
                ),
            )


class SessionForm(ReasonMixin, forms.ModelForm):
    materials = forms.ModelMultipleChoiceField(
        label=_("Study materials"),
        queryset=Article.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = StudySession
        fields = [
            "topic",
            "form",
            "starts_at",
            "ends_at",
            "place",
            "host",
            "recorder",
            "summary",
        ]
        field_classes = {"host": MemberChoiceField, "recorder": MemberChoiceField}
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "summary": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, group: StudyGroup, user, **kwargs):
        super().__init__(*args, **kwargs)
        members = group_members(group)
        self.fields["host"].queryset = members
        self.fields["recorder"].queryset = members
        self.fields["materials"].queryset = Article.objects.visible_to(user)
        if self.instance.pk:
            self.initial.setdefault("materials", list(self.instance.materials.all()))
        self.add_reason_field(self.instance if self.instance.pk else None)

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error(
                "ends_at",
                forms.ValidationError(
                    _("The session must end after it starts."), code="ends_before_start"
                ),
            )
        return cleaned


class ParagraphChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        text = obj.text if len(obj.text) <= 60 else obj.text[:60] + "…"
        return text


class NoteForm(ReasonMixin, forms.Form):
    speaker = MemberChoiceField(
        label=_("Speaker"), queryset=Member.objects.none(), required=False
    )
    speaker_name = forms.CharField(
        label=_("Or a speaker who is not a member"),
        max_length=100,
        required=False,
        help_text=_("Name and unit, e.g. an invited lecturer or an observer."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=DiscussionNote.Kind.choices)
    content = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 8})
    )
    cited_paragraphs = ParagraphChoiceField(
        label=_("Paragraphs cited"),
        queryset=Paragraph.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the paragraphs of the materials the speech refers to."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=DiscussionNote.Status.choices)

    def __init__(self, *args, session: StudySession, keeps_record: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.keeps_record = keeps_record
        if keeps_record:
            self.fields["speaker"].queryset = group_members(session.group)
        else:
            # A member drafts their own speech: they are the speaker, it is a draft.
            for name in ("speaker", "speaker_name", "status"):
                del self.fields[name]
        self.fields["cited_paragraphs"].queryset = (
            Paragraph.objects.filter(article__in=session.materials.all())
            .select_related("article")
            .order_by("article_id", "position", "pk")
        )
        self.add_reason_field(session)

    def clean(self):
        cleaned = super().clean()
        if (
            self.keeps_record
            and not cleaned.get("speaker")
            and not cleaned.get("speaker_name", "").strip()
        ):
            self.add_error(
                "speaker",
                forms.ValidationError(
                    _(
                        "Choose the speaker, or type the name of a speaker who is "
                        "not a member."
                    ),
                    code="speaker_required",
                ),
            )
        return cleaned


class MakeUpForm(forms.Form):
    note = forms.CharField(
        label=_("What I studied"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A few sentences: what you read and what you took from it."),
    )


class PlanItemForm(forms.Form):
    month = forms.TypedChoiceField(
        label=_("Month"),
        coerce=int,
        choices=[(m, f"{m}月") for m in range(1, 13)],
    )
    topic = forms.CharField(label=_("Topic"), max_length=300)
    materials = forms.ModelMultipleChoiceField(
        label=_("Study materials"),
        queryset=Article.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["materials"].queryset = Article.objects.visible_to(user)
