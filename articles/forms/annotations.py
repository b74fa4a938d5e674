"""Forms of reading together: annotations, selections, replies."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import StudyGroup

from ..anchoring import utf16_to_code_points
from ..models.annotations import NOTE_MAX_LENGTH, REPLY_MAX_LENGTH
from ..services.annotations import parse_themes


class ThemesField(forms.CharField):
    """Theme names typed as text, separated by commas, 、 or spaces."""

    def clean(self, value):
        return parse_themes(super().clean(value))


class AnnotationForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Write a note."),
            "max_length": _(
                "The note is too long: at most %(limit_value)d characters "
                "(it has %(show_value)d)."
            ),
        },
    )
    themes = ThemesField(
        label=_("Themes"),
        required=False,
        help_text=_(
            "Optional. Separate several themes with commas, e.g. 新质生产力，党建引领"
        ),
    )
    visibility = forms.ChoiceField(label=_("Who may see it"), required=False)

    def __init__(self, *args, author, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = {
            str(group.pk): group for group in StudyGroup.objects.of_member(author)
        }
        self.fields["visibility"].choices = [
            ("", _("Only me (private)")),
            *(
                (pk, _("My study group: %(name)s") % {"name": group.name})
                for pk, group in self.groups.items()
            ),
        ]
        self.fields["visibility"].error_messages["invalid_choice"] = _(
            "You can only share with a study group you belong to."
        )

    def clean_visibility(self):
        return self.groups.get(self.cleaned_data["visibility"])


class SelectionForm(AnnotationForm):
    """A new annotation: the passage as the page saw it, then the note.

    Browsers count offsets in UTF-16 code units (``unit=utf16``, sent by
    annotate.js); the plain form without JavaScript sends code points.
    """

    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    quote = forms.CharField(strip=False, widget=forms.HiddenInput)
    unit = forms.ChoiceField(
        choices=[("cp", "cp"), ("utf16", "utf16")],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, paragraph, **kwargs):
        self.paragraph = paragraph
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("unit") == "utf16" and not self.errors:
            try:
                cleaned["start"] = utf16_to_code_points(
                    self.paragraph.text, cleaned["start"]
                )
                cleaned["end"] = utf16_to_code_points(
                    self.paragraph.text, cleaned["end"]
                )
            except ValueError:
                raise forms.ValidationError(
                    _("The selected passage is outside the paragraph. Select it again.")
                ) from None
        return cleaned


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Write a reply."),
            "max_length": _(
                "The reply is too long: at most %(limit_value)d characters "
                "(it has %(show_value)d)."
            ),
        },
    )
