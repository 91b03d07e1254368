"""The access log's filters and the trust's retention period."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from schools.models import Trust

from . import retention
from .models import AccessLogEntry


class AccessLogFilterForm(forms.Form):
    """Filters read from the query string; a field with a bad value is ignored, not fatal."""

    pupil = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    user = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False, empty_label="Everyone")
    kind = forms.ChoiceField(required=False, choices=[("", "Every kind"), *AccessLogEntry.Kind.choices])
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, trust: Trust, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(membership__trust=trust).order_by("username")
        self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.get_username()

    def filters(self) -> dict:
        """The valid fields' values (empty ones left out); the rest of the form is ignored."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class RetentionForm(forms.ModelForm):
    class Meta:
        model = Trust
        fields = ["leaver_retention_years"]
        labels = {"leaver_retention_years": "Years after leaving"}

    def clean_leaver_retention_years(self) -> int:
        try:
            return retention.check_years(self.cleaned_data["leaver_retention_years"])
        except ValueError as e:
            raise forms.ValidationError(str(e).capitalize() + ".") from e
