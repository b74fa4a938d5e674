from django import forms
from django.utils.translation import gettext_lazy as _

from .importer import MAX_IMPORT_BYTES
from .models import Article


class ImportDocumentForm(forms.Form):
    document = forms.FileField(
        label=_("Document"),
        help_text=_("Plain text (UTF-8 or GBK) or Word (.docx), at most %(mb)d MB.")
        % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
    )
    status = forms.ChoiceField(
        label=_("Status after import"),
        choices=Article.Status.choices,
        initial=Article.Status.DRAFT,
    )
