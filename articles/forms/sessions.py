"""Forms of the study record. They validate input; the services in
articles/services/sessions.py do the writing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Member, StudyGroup

from ..models import Article, DiscussionNote, Paragraph, StudySession
from ..models.sessions import SESSION_YEARS
from ..services.sessions import SESSION_FIELDS


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def group_members(group: StudyGroup):
    """The group's members in its position order (按职务排序)."""
    return Member.objects.of_group(group)


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


# Only published articles are offered and accepted as materials. A draft's id is
# refused with the same words as an id that does not exist, so the form tells
# nothing about drafts.
UNPUBLISHED_MATERIAL = _("Only published study materials can be chosen.")


class PublishedMaterialsField(forms.ModelMultipleChoiceField):
    default_error_messages = {
        "invalid_choice": UNPUBLISHED_MATERIAL,
        "invalid_pk_value": UNPUBLISHED_MATERIAL,
    }

    def __init__(self, **kwargs):
        super().__init__(
            label=_("Study materials"),
            queryset=Article.objects.published(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )


class SessionForm(ReasonMixin, forms.ModelForm):
    materials = PublishedMaterialsField()

    class Meta:
        model = StudySession
        # The fields the session services write, in the form's order.
        fields = list(SESSION_FIELDS)
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
        self.withdrawn = []
        if self.instance.pk:
            current = list(self.instance.materials.order_by("sessionmaterial"))
            self.initial.setdefault(
                "materials", [a for a in current if a.status == a.Status.PUBLISHED]
            )
            # Materials taken back to draft are neither offered nor dropped: the
            # record keeps them (see records.reads.shown_materials).
            self.withdrawn = [a for a in current if a.status != a.Status.PUBLISHED]
        self.add_reason_field(self.instance if self.instance.pk else None)

    def clean_materials(self):
        return [*self.cleaned_data["materials"], *self.withdrawn]

    def _sane_year(self, name: str):
        value = self.cleaned_data.get(name)
        if value is not None and value.year not in SESSION_YEARS:
            raise forms.ValidationError(
                _("Give a year between %(first)s and %(last)s."),
                code="year_out_of_range",
                params={"first": SESSION_YEARS[0], "last": SESSION_YEARS[-1]},
            )
        return value

    def clean_starts_at(self):
        return self._sane_year("starts_at")

    def clean_ends_at(self):
        return self._sane_year("ends_at")

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


class GroupedCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes in one fieldset per group of choices, the group's name as legend."""

    template_name = "articles/widgets/grouped_checkboxes.html"


class ParagraphChoiceField(forms.ModelMultipleChoiceField):
    """Paragraphs of the session's materials, shown as one checkbox list per article,
    body paragraphs numbered and headings marked, so a secretary finds "the third
    paragraph of the second article" without reading every line."""

    @staticmethod
    def _excerpt(text: str) -> str:
        return text if len(text) <= 60 else text[:60] + "…"

    def label_from_instance(self, obj) -> str:
        return self._excerpt(obj.text)

    def group_by_article(self) -> None:
        """Give the widget (not the field: validation still goes through the
        queryset) one group of choices per article, in the queryset's order."""
        groups: dict[int, tuple[str, list]] = {}
        numbers: dict[int, int] = {}
        for paragraph in self.queryset:
            _title, choices = groups.setdefault(
                paragraph.article_id, (paragraph.article.title, [])
            )
            text = self._excerpt(paragraph.text)
            if paragraph.is_heading:
                label = _("Heading: %(text)s") % {"text": text}
            else:
                numbers[paragraph.article_id] = numbers.get(paragraph.article_id, 0) + 1
                label = _("Paragraph %(number)s: %(text)s") % {
                    "number": numbers[paragraph.article_id],
                    "text": text,
                }
            choices.append((paragraph.pk, label))
        self.widget.choices = list(groups.values())


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
        widget=GroupedCheckboxes,
        help_text=_("Tick the paragraphs of the materials the speech refers to."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=DiscussionNote.Status.choices)

    def __init__(
        self,
        *args,
        session: StudySession,
        keeps_record: bool,
        note: DiscussionNote | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.session = session
        self.keeps_record = keeps_record
        if keeps_record:
            self.fields["speaker"].queryset = group_members(session.group)
        else:
            # A member drafts their own speech: they are the speaker, it is a draft.
            for name in ("speaker", "speaker_name", "status"):
                del self.fields[name]
        # Only paragraphs of published materials are offered; citations of an
        # article since withdrawn are kept as they are, never shown.
        self.fields["cited_paragraphs"].queryset = (
            Paragraph.objects.filter(
                article__in=session.materials.filter(status=Article.Status.PUBLISHED)
            )
            .select_related("article")
            .order_by("article_id", "position", "pk")
        )
        self.fields["cited_paragraphs"].group_by_article()
        self.withdrawn_citations = []
        if note is not None:
            self.withdrawn_citations = list(
                note.cited_paragraphs.exclude(article__status=Article.Status.PUBLISHED)
            )
        self.add_reason_field(session)

    def clean_cited_paragraphs(self):
        return [*self.cleaned_data["cited_paragraphs"], *self.withdrawn_citations]

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
    materials = PublishedMaterialsField()
