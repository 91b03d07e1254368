"""School and pupil pages: the user's schools, the filterable pupil list and one pupil's record."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from . import queries
from .access import Access
from .models import Pupil, RegistrationGroup, School

YEAR_GROUPS = ["N1", "N2", "R", *(str(n) for n in range(1, 15))]


def member_required(view):
    """Sign-in required; a user who belongs to no trust gets a page saying so (403) instead of the view."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # request.access is a lazy object: it is never None itself, but it is false when the user has no trust.
        if not request.access:
            return render(request, "registration/no_trust.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


class PupilFilterForm(forms.Form):
    """The pupil list's filters, read from the query string; a field with a bad value is ignored, not fatal."""

    q = forms.CharField(label="Name or UPN", required=False, max_length=100)
    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False, empty_label="All schools")
    year = forms.ChoiceField(
        label="Year", required=False, choices=[("", "All years"), *((y, f"Year {y}") for y in YEAR_GROUPS)]
    )
    group = forms.ModelChoiceField(
        label="Group", queryset=RegistrationGroup.objects.none(), required=False, empty_label="All groups"
    )
    absence = forms.ChoiceField(
        label="Absence",
        required=False,
        choices=[
            ("", "Any attendance"),
            (queries.PERSISTENT, "Persistent (10%+ missed)"),
            (queries.SEVERE, "Severe (50%+ missed)"),
        ],
    )
    sen = forms.ChoiceField(
        label="SEN",
        required=False,
        choices=[("", "Any SEN status"), (queries.SEN_ANY, "SEN support or EHC plan"), *Pupil.SEN.choices[1:]],
    )
    fsm = forms.BooleanField(label="FSM", required=False)
    eal = forms.BooleanField(label="EAL", required=False)
    safeguarding = forms.BooleanField(label="Safeguarding", required=False)

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        schools = access.scope_schools(School.objects.all())
        self.fields["school"].queryset = schools
        self.fields["group"].queryset = queries.groups_visible_to(access)
        if len(access.all_school_ids) > 1:
            self.fields["group"].label_from_instance = lambda g: f"{g.name} ({g.school.name})"
        else:
            # One school: the choice would always be the same, so it is not offered.
            del self.fields["school"]

    def filters(self) -> queries.PupilFilters:
        """The filters from the valid fields (all of them empty when the form was not submitted)."""
        data = getattr(self, "cleaned_data", {})
        return queries.PupilFilters(
            search=data.get("q", "").strip(),
            school=data.get("school"),
            year_group=data.get("year", ""),
            group=data.get("group"),
            fsm=data.get("fsm", False),
            sen=data.get("sen", ""),
            eal=data.get("eal", False),
            safeguarding=data.get("safeguarding", False),
            absence=data.get("absence", ""),
        )


@member_required
@require_GET
def school_list(request: HttpRequest) -> HttpResponse:
    schools = queries.schools_with_roll(request.access, timezone.localdate())
    context = {"schools": schools, "whole_school_ids": request.access.school_ids}
    return render(request, "schools/school_list.html", context)


@member_required
@require_GET
@vary_on_headers("HX-Request")
def pupil_list(request: HttpRequest) -> HttpResponse:
    form = PupilFilterForm(request.GET or None, access=request.access)
    if form.is_bound:
        form.is_valid()
    filters = form.filters()
    listing = queries.pupil_list(request.access, filters, timezone.localdate(), request.GET.get("page"))
    # A filter change swaps only the results; history navigation asks for the whole page again.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "schools/pupil_list.html" + ("#results" if partial else "")
    context = {"form": form, "listing": listing, "filtered": filters != queries.PupilFilters()}
    return render(request, template, context)


@member_required
@require_GET
def pupil_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = queries.pupil_page(request.access, pk, timezone.localdate())
    return render(request, "schools/pupil_detail.html", {"page": page, "pupil": page.pupil})
