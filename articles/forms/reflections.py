"""The reflection form. It checks the file by its content (services.reflections);
the service does the writing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..services.reflections import (
    MAX_REFLECTION_BYTES,
    MAX_REFLECTION_CHARACTERS,
    check_reflection_file,
)


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label=_("My reflection"),
        required=False,
        max_length=MAX_REFLECTION_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Write it here, or attach it below as a file."),
    )
    file = forms.FileField(
        label=_("Or attach a file"),
        required=False,
        help_text=_("A Word file (.docx) or a PDF, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.pdf"}),
    )
    remove_file = forms.BooleanField(
        label=_("Remove the attached file"), required=False
    )
    shared = forms.BooleanField(
        label=_("Share with my study group"),
        required=False,
        help_text=_(
            "Otherwise only you and those who keep the group's record read it."
        ),
    )
    for_make_up = forms.BooleanField(
        label=_("This is my make-up reflection (补学体会) for the session I missed"),
        required=False,
    )

    def __init__(self, *args, has_file=False, open_make_up=False, **kwargs):
        super().__init__(*args, **kwargs)
        # Django's ClearableFileInput would show the stored name as a link to a
        # media URL we never serve; the template shows the file itself.
        self.fields["file"].widget = forms.FileInput(attrs={"accept": ".docx,.pdf"})
        if not has_file:
            del self.fields["remove_file"]
        if not open_make_up:
            del self.fields["for_make_up"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        # Refused before reading: the size Django counted while receiving it.
        if upload.size > MAX_REFLECTION_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB. Please attach a smaller one.")
                % {"limit": MAX_REFLECTION_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return check_reflection_file(upload.read(), upload.name)


class ShareForm(forms.Form):
    shared = forms.BooleanField(required=False)
