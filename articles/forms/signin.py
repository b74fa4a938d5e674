"""The observer's entry on the sign-in page (列席人员登记)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ObserverEntryForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=50)
    unit = forms.CharField(label=_("Your unit"), max_length=200, required=False)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."), code="required")
        return name
