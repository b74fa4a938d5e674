"""Forms of the library: import, the admin's article form, theme merges."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..importer import MAX_IMPORT_BYTES
from ..models import Article
from ..validators import clean_theme_names, validate_theme_name


class ImportDocumentForm(forms.Form):
    """A file, or text pasted from elsewhere: one of the two."""

    document = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_(
            "Plain text (UTF-8 or GBK), Word (.docx), PDF (.pdf) or a saved web page "
            "(.html, .htm, .mhtml), at most %(mb)d MB."
        )
        % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
    )
    text = forms.CharField(
        label=_("Or paste the text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 90}),
        help_text=_(
            "The collection header, then each article's title, the study group that "
            "wrote it and its text, as in a file."
        ),
    )
    status = forms.ChoiceField(
        label=_("Status after import"),
        choices=Article.Status.choices,
        initial=Article.Status.DRAFT,
    )

    def clean(self):
        cleaned = super().clean()
        has_file = bool(cleaned.get("document"))
        has_text = bool((cleaned.get("text") or "").strip())
        if has_file and has_text:
            raise forms.ValidationError(
                _("Upload a file or paste text, not both."), code="both"
            )
        if not has_file and not has_text:
            raise forms.ValidationError(
                _("Choose a file to upload or paste the text."), code="none"
            )
        return cleaned

    def document_bytes(self) -> tuple[bytes, str]:
        """(content, file name) of whichever was given; pasted text as UTF-8."""
        upload = self.cleaned_data.get("document")
        if upload:
            return upload.read(), upload.name
        return self.cleaned_data["text"].encode("utf-8"), "pasted.txt"


class ConfirmImportForm(forms.Form):
    """The confirm button of a preview: the upload itself waits on the server."""


class MergeThemesForm(forms.Form):
    name = forms.CharField(
        label=_("Merge into the theme"),
        max_length=100,
        help_text=_("An existing theme's name, or a new one."),
    )


class ArticleAdminForm(forms.ModelForm):
    """The admin's article form, with theme names checked before taggit stores them."""

    class Meta:
        model = Article
        fields = ["title", "byline", "source", "published_on", "status", "tags"]

    def clean_tags(self):
        names = clean_theme_names(self.cleaned_data["tags"])
        return [validate_theme_name(name) for name in names]
