from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .models import ImportJob

KIND_HELP = {
    ImportJob.Kind.CALENDAR: "CSV: kind,name,start,end",
    ImportJob.Kind.PUPILS: "CSV: upn,surname,forename,dob,gender,year,group,fsm,sen,eal",
    ImportJob.Kind.CONTACTS: "CSV: upn,name,relationship,parental_responsibility,phone,email,address,language,priority",
    ImportJob.Kind.MARKS: "CSV: upn,date,session,code (minutes_late optional)",
    ImportJob.Kind.CTF: "XML from the school's MIS",
}


class UploadForm(forms.Form):
    """Choose a school and what the file holds, and upload it.

    `school` is an id; the view fetches it within the user's trust, so another trust's school is a 404.
    """

    school = forms.IntegerField(widget=forms.Select)
    kind = forms.ChoiceField(label="The file holds", choices=ImportJob.Kind.choices)
    file = forms.FileField()

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].widget.choices = [(s.pk, f"{s.name} ({s.urn})") for s in schools]
        self.fields["kind"].choices = [(k, f"{label} — {KIND_HELP[k]}") for k, label in ImportJob.Kind.choices]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"{upload.name} is {filesizeformat(upload.size)}; the largest file that can be imported is "
                f"{filesizeformat(limit)}. Split it (marks by half-term, for example) and upload each part."
            )
        if not upload.size:
            raise forms.ValidationError(f"{upload.name} is empty.")
        return upload
