"""Forms of the library: import, the admin's article form, theme merges."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..importer import MAX_IMPORT_BYTES
from ..models import Article
from ..validators import clean_theme_names, validate_theme_name


class ImportDocumentForm(forms.Form):
    document = forms.FileField(
        label=_("Document"),
        help_text=_(
            "Plain text (UTF-8 or GBK), Word (.docx), PDF (.pdf) or a saved web page "
            "(.html, .htm, .mhtml), at most %(mb)d MB."
        )
        % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
    )
    status = forms.ChoiceField(
        label=_("Status after import"),
        choices=Article.Status.choices,
        initial=Article.Status.DRAFT,
    )


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
