from django import forms

from .models import Member


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["email_notifications"]
