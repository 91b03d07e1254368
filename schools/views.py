"""School and pupil pages: the user's schools, the filterable pupil list, one pupil's record and story, and the
signed-in user's notifications."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from . import queries
from .access import Access
from .models import Notification, Pupil, RegistrationGroup, School
from .timeline import Cursor, Kind

YEAR_GROUPS = ["N1", "N2", "R", *(str(n) for n in range(1, 15))]
NOTIFICATIONS_PER_PAGE = 50


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


class TimelineForm(forms.Form):
    """The timeline's kind filter and page, read from the query string; a bad value is ignored, not fatal."""

    kind = forms.ChoiceField(required=False, choices=[("", "Everything"), *Kind.choices])
    before = forms.CharField(required=False, max_length=100)

    def clean_before(self) -> Cursor | None:
        token = self.cleaned_data["before"]
        cursor = Cursor.parse(token) if token else None
        if token and cursor is None:
            raise forms.ValidationError("Not a place in the timeline.")
        return cursor

    def choice(self) -> tuple[str, Cursor | None]:
        """(kind, older-than cursor) from the valid fields: ("", None) for the newest of everything."""
        self.is_valid()
        data = self.cleaned_data
        return data.get("kind", ""), data.get("before")


@member_required
@require_GET
@vary_on_headers("HX-Request")
def pupil_detail(request: HttpRequest, pk: int) -> HttpResponse:
    kind, older_than = TimelineForm(request.GET).choice()
    # A filter or page of the timeline swaps only the timeline; history navigation asks for the whole page again.
    if request.htmx and not request.htmx.history_restore_request:
        pupil, timeline = queries.pupil_timeline(request.access, pk, kind, older_than)
        return render(request, "schools/pupil_detail.html#timeline", {"pupil": pupil, "timeline": timeline})
    page = queries.pupil_page(request.access, pk, timezone.localdate(), kind, older_than)
    context = {"page": page, "pupil": page.pupil, "timeline": page.timeline}
    return render(request, "schools/pupil_detail.html", context)


# --- Notifications ----------------------------------------------------------------------------------------------


def _mine(request: HttpRequest) -> QuerySet:
    """The signed-in user's own notifications, newest first: no one else ever sees them, whatever their role."""
    return Notification.objects.for_trust(request.trust).filter(recipient=request.user).order_by("-created_at", "-pk")


def _safe_link(url: str) -> str:
    """The notification's link if it points into this site, else "" (a stored URL is never trusted to go elsewhere)."""
    return url if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None) else ""


class NotificationForm(forms.Form):
    notification = forms.ModelChoiceField(queryset=Notification.objects.none())

    def __init__(self, *args, notifications: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notification"].queryset = notifications


def _notification_list(request: HttpRequest, page_number: object) -> dict:
    """One page of the user's notifications (each with its safe link) and their unread count: three queries."""
    mine = _mine(request)
    page = Paginator(mine.select_related("pupil", "school", "created_by"), NOTIFICATIONS_PER_PAGE).get_page(page_number)
    unread = mine.filter(read_at__isnull=True).count()
    rows = [(n, _safe_link(n.url)) for n in page.object_list]
    # The header's count too, so the page does not count the same rows twice.
    return {"page": page, "rows": rows, "unread": unread, "unread_notifications": unread}


@member_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    return render(request, "schools/notifications.html", _notification_list(request, request.GET.get("page")))


def _after_marking(request: HttpRequest) -> HttpResponse:
    """The list again on the user's page: for htmx the list alone (and the header's count), else a redirect."""
    page = request.POST.get("page", "")
    page_number = int(page) if page.isdigit() and int(page) > 1 else None
    if request.htmx:
        context = _notification_list(request, page_number) | {"swap_header": True}
        return render(request, "schools/notifications.html#list", context)
    url = reverse("schools:notifications")
    return redirect(f"{url}?page={page_number}" if page_number else url)


@member_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark one of the user's notifications read; any other id (another user's, another trust's) is a 404."""
    form = NotificationForm(request.POST, notifications=_mine(request))
    if not form.is_valid():
        raise Http404("No such notification.")
    _mine(request).filter(pk=form.cleaned_data["notification"].pk, read_at__isnull=True).update(read_at=timezone.now())
    return _after_marking(request)


@member_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    _mine(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    return _after_marking(request)
