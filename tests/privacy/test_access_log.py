"""The access log: what writes a row, that rows can never change, and who reads which rows on the log page."""

import csv
import datetime as dt
import io

import pytest
from django.db import ProgrammingError, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from privacy.models import AccessLogEntry
from schools.models import Role
from tests.factories import PupilFactory, staff

pytestmark = pytest.mark.django_db


def only_row(**lookup) -> AccessLogEntry:
    rows = list(AccessLogEntry.objects.filter(**lookup))
    assert len(rows) == 1, rows
    return rows[0]


def log(user, pupil=None, *, route="schools:pupil", kind="view", at=None, school=None, detail=""):
    """A row as the middleware writes it, for the page's tests."""
    trust = user.membership.trust
    return AccessLogEntry.objects.create(
        trust=trust, user=user, at=at or timezone.now(), route=route, kind=kind, school=school, pupil=pupil,
        detail=detail, path="/somewhere/",
    )  # fmt: skip


# --- What is logged -----------------------------------------------------------------------------------------------


def test_opening_a_pupils_page_writes_one_row_naming_who_and_which_pupil(client, head, pupil_a):
    client.force_login(head)
    assert client.get(reverse("schools:pupil", args=[pupil_a.pk])).status_code == 200
    row = only_row()
    assert (row.user, row.pupil, row.trust, row.kind, row.route) == (
        head,
        pupil_a,
        pupil_a.trust,
        "view",
        "schools:pupil",
    )
    assert row.path == f"/schools/pupils/{pupil_a.pk}/"


def test_the_case_file_and_family_view_are_logged(client, head, pupil_a):
    client.force_login(head)
    for name in ("interventions:case", "interventions:family"):
        assert client.get(reverse(name, args=[pupil_a.pk])).status_code == 200
    assert sorted(AccessLogEntry.objects.filter(pupil=pupil_a).values_list("route", flat=True)) == [
        "interventions:case",
        "interventions:family",
    ]


def test_downloading_a_letter_pdf_writes_a_row_about_the_letters_pupil(client, head, leaver):
    client.force_login(head)
    response = client.get(reverse("letters:letter_pdf", args=[leaver.letter.pk]) + "?download=1")
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    row = only_row(kind="pdf")
    assert (row.user, row.pupil, row.school, row.route) == (head, leaver, leaver.letter.school, "letters:letter_pdf")
    assert row.detail == f"letter {leaver.letter.pk} (LON3)"


def test_printing_a_batch_writes_a_row_with_its_number_of_letters(client, head, leaver):
    client.force_login(head)
    assert client.get(reverse("letters:batch_pdf", args=[leaver.batch.pk])).status_code == 200
    row = only_row(kind="pdf")
    assert row.pupil is None
    assert row.school == leaver.batch.school
    assert row.detail == f"batch {leaver.batch.pk}, 1 letters"


def test_a_schools_attendance_csv_is_logged_with_its_filters_and_row_count(client, head, school_a):
    PupilFactory.create_batch(3, school=school_a)
    client.force_login(head)
    url = reverse("registers:attendance_csv", args=[school_a.pk]) + "?from=2026-09-01&to=2026-09-30"
    assert client.get(url).status_code == 200
    row = only_row(kind="export")
    assert row.school == school_a
    assert row.detail == "from=2026-09-01 to=2026-09-30; 3 rows"


def test_a_dashboard_page_is_not_logged_but_its_download_is(client, head, school_a, pupil_a):
    client.force_login(head)
    url = reverse("dashboards:school_pupils", args=[school_a.pk])
    assert client.get(url).status_code == 200
    assert not AccessLogEntry.objects.exists()
    assert client.get(url + "?format=xlsx").status_code == 200
    row = only_row(kind="export")
    assert (row.route, row.school, row.detail) == ("dashboards:school_pupils", school_a, "format=xlsx")


def test_an_api_read_with_a_token_is_logged_against_the_pupil(client, head, pupil_a):
    token = Token.objects.create(user=head)
    response = client.get(f"/api/pupils/{pupil_a.upn}/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    row = only_row(kind="api")
    assert (row.user, row.pupil, row.route) == (head, pupil_a, "api:pupil-detail")


def test_an_api_list_of_marks_is_logged_with_its_count(client, head, pupil_a, school_a):
    token = Token.objects.create(user=head)
    response = client.get(f"/api/marks/?school={school_a.urn}", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert only_row(kind="api").detail == f"school={school_a.urn}; 0 rows"


def test_a_refused_or_missing_page_is_not_logged(client, outsider, teacher, pupil_a, school_a):
    client.force_login(outsider)
    assert client.get(reverse("schools:pupil", args=[pupil_a.pk])).status_code == 404
    client.force_login(teacher)
    assert client.get(reverse("registers:attendance_csv", args=[school_a.pk])).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_a_signed_out_visitor_is_not_logged(client, pupil_a):
    assert client.get(reverse("schools:pupil", args=[pupil_a.pk])).status_code == 302
    assert not AccessLogEntry.objects.exists()


def test_a_log_row_can_be_neither_changed_nor_deleted(head, pupil_a):
    row = log(head, pupil_a)
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        AccessLogEntry.objects.filter(pk=row.pk).update(detail="nothing to see")
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        AccessLogEntry.objects.filter(pk=row.pk).delete()
    assert AccessLogEntry.objects.get(pk=row.pk).detail == ""


def test_the_admin_offers_no_way_to_add_change_or_delete_rows(rf, head):
    from django.contrib import admin

    model_admin = admin.site._registry[AccessLogEntry]
    request = rf.get("/")
    request.user = head
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


# --- The log page -------------------------------------------------------------------------------------------------


def listed(response) -> list[AccessLogEntry]:
    return list(response.context["page"].object_list)


def test_the_trust_lead_reads_every_row_of_the_trust_and_none_of_another(
    client, lead, head, outsider, pupil_a, pupil_b
):
    mine, theirs = log(head, pupil_a), log(outsider, pupil_b)
    client.force_login(lead)
    response = client.get(reverse("privacy:access_log"))
    assert response.status_code == 200
    assert listed(response) == [mine]
    assert theirs.pupil.display_name not in response.content.decode()


def test_a_headteacher_reads_the_rows_of_their_schools_pupils_only(client, head, lead, trust_a, pupil_a):
    other_school_pupil = PupilFactory(school__trust=trust_a)
    about_mine, about_other = log(lead, pupil_a), log(lead, other_school_pupil)
    client.force_login(head)
    rows = listed(client.get(reverse("privacy:access_log")))
    assert about_mine in rows
    assert about_other not in rows


def test_another_trusts_headteacher_never_sees_this_trusts_rows(client, outsider, head, pupil_a):
    log(head, pupil_a)
    client.force_login(outsider)
    assert listed(client.get(reverse("privacy:access_log"))) == []
    assert listed(client.get(reverse("privacy:access_log") + f"?pupil={pupil_a.pk}")) == []


def test_a_teacher_may_not_read_the_log(client, teacher):
    client.force_login(teacher)
    assert client.get(reverse("privacy:access_log")).status_code == 403


def test_the_log_filters_by_pupil_user_kind_and_date(client, lead, head, pupil_a, school_a):
    other = PupilFactory(school=school_a)
    target = log(head, pupil_a, at=timezone.make_aware(dt.datetime(2026, 9, 7, 10)))
    log(lead, pupil_a, at=timezone.make_aware(dt.datetime(2026, 9, 7, 11)))
    log(head, other, at=timezone.make_aware(dt.datetime(2026, 9, 7, 12)))
    log(head, pupil_a, at=timezone.make_aware(dt.datetime(2026, 9, 9, 9)))
    log(head, pupil_a, at=timezone.make_aware(dt.datetime(2026, 9, 7, 13)), kind="pdf", route="letters:letter_pdf")
    client.force_login(lead)
    query = f"?pupil={pupil_a.pk}&user={head.pk}&kind=view&start=2026-09-07&end=2026-09-08"
    response = client.get(reverse("privacy:access_log") + query)
    assert listed(response) == [target]
    assert response.context["pupil"] == pupil_a


def test_the_log_is_paged_fifty_rows_at_a_time_newest_first(client, lead, head, pupil_a):
    start = timezone.now() - dt.timedelta(days=1)
    rows = [log(head, pupil_a, at=start + dt.timedelta(minutes=n)) for n in range(55)]
    client.force_login(lead)
    first = client.get(reverse("privacy:access_log"))
    assert listed(first) == rows[::-1][:50]
    assert listed(client.get(reverse("privacy:access_log") + "?page=2")) == rows[::-1][50:]


def test_the_next_page_keeps_the_filters(client, lead, head, pupil_a):
    start = timezone.now() - dt.timedelta(days=1)
    for n in range(55):
        log(head, pupil_a, at=start + dt.timedelta(minutes=n))
    client.force_login(lead)
    body = client.get(reverse("privacy:access_log"), {"kind": "view", "user": head.pk}).content.decode()
    assert f'href="?kind=view&amp;user={head.pk}&amp;page=2" rel="next">Older</a>' in body


def test_the_log_page_costs_the_same_queries_for_three_rows_as_for_six(client, lead, head, teacher, school_a):
    client.force_login(lead)

    def queries_after_adding(rows: int) -> int:
        for n in range(rows):
            log(head if n % 2 else teacher, PupilFactory(school=school_a), school=school_a)
        with CaptureQueriesContext(transaction.get_connection()) as captured:
            assert client.get(reverse("privacy:access_log")).status_code == 200
        return len(captured)

    with_three = queries_after_adding(3)
    with_six = queries_after_adding(3)
    assert with_three == with_six


def test_the_log_downloads_as_csv_with_its_filters_and_formulae_kept_as_text(client, lead, head, pupil_a, school_a):
    log(head, pupil_a, school=school_a, detail='=HYPERLINK("http://evil")')
    log(lead, pupil_a, school=school_a)
    client.force_login(lead)
    response = client.get(reverse("privacy:access_log") + f"?user={head.pk}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["when", "user", "kind"]
    assert len(lines) == 2
    assert lines[1][1] == "head"
    assert lines[1][6] == "Ann Able"
    assert lines[1][7] == '\'=HYPERLINK("http://evil")'
    # The download is itself an export of pupil data, so it is logged too.
    assert AccessLogEntry.objects.filter(route="privacy:access_log", user=lead, kind="export").count() == 1


# --- Links on the pupil page --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead", "head"])
def test_the_trust_lead_and_headteacher_see_the_subject_access_and_access_log_links(client, request, pupil_a, who):
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("schools:pupil", args=[pupil_a.pk])).content.decode()
    assert reverse("privacy:subject_access", args=[pupil_a.pk]) in page
    assert f"{reverse('privacy:access_log')}?pupil={pupil_a.pk}" in page


def test_an_attendance_lead_sees_the_export_link_but_not_the_log(client, school_a, pupil_a):
    attendance_lead = staff(school_a.trust, Role.Kind.ATTENDANCE_LEAD, school_a)
    client.force_login(attendance_lead)
    page = client.get(reverse("schools:pupil", args=[pupil_a.pk])).content.decode()
    assert reverse("privacy:subject_access", args=[pupil_a.pk]) in page
    assert "?pupil=" not in page


def test_a_teacher_sees_neither_link(client, teacher, pupil_a):
    client.force_login(teacher)
    page = client.get(reverse("schools:pupil", args=[pupil_a.pk])).content.decode()
    assert "subject access" not in page
    assert reverse("privacy:access_log") not in page
