"""Browser imports: upload, preview (errors or what will change), confirm, progress, and who may do it."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registers.models import Mark
from schools.imports.progress import ProgressReporter
from schools.models import HalfTerm, ImportJob, Pupil, SchoolDay
from schools.services import rebuild_school_days
from schools.tasks import run_import
from tests.factories import SchoolFactory, UserFactory, staff

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
START = reverse("imports:start")


def upload(client, school, kind: str, name: str, content: bytes | None = None):
    content = (FIXTURES / name).read_bytes() if content is None else content
    data = {"school": school.pk, "kind": kind, "file": SimpleUploadedFile(name, content)}
    return client.post(START, data)


def job_url(job, name="job"):
    return reverse(f"imports:{name}", args=[job.pk])


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def ready_job(lead_client, school_a):
    upload(lead_client, school_a, "calendar", "calendar-2026-27.csv")
    return ImportJob.objects.get()


# -- upload and preview -------------------------------------------------------------------------------------------


def test_the_import_page_offers_the_trusts_schools_only(lead_client, school_a, school_b):
    SchoolFactory(trust=school_a.trust, name="Beacon Academy", urn="100002")
    page = lead_client.get(START).content.decode()
    assert "Alpha Primary (100001)" in page and "Beacon Academy (100002)" in page
    assert "Beta Academy" not in page


def test_a_file_with_errors_is_previewed_with_every_error_by_row_and_column(lead_client, school_a):
    call_command("import_calendar", school_a.urn, str(FIXTURES / "calendar-2026-27.csv"), stdout=StringIO())
    call_command("import_pupils", school_a.urn, str(FIXTURES / "pupils.csv"), stdout=StringIO())
    response = upload(lead_client, school_a, "marks", "marks-with-errors.csv")
    job = ImportJob.objects.get()
    assert response.url == job_url(job)
    assert (job.status, job.trust, job.created_by.username) == ("invalid", school_a.trust, "lead")
    assert len(job.errors) == 9
    page = lead_client.get(job_url(job)).content.decode()
    assert "9 problems to fix" in page
    assert "Nothing has been saved" in page
    assert '<td class="num">8</td>' in page and "Wed 02 Sep 2026 is not a school day here" in page
    assert "Zoë Nowak was not on Alpha Primary&#x27;s roll on Wed 02 Sep 2026" in page
    assert "Confirm" not in page
    assert not Mark.objects.exists()


def test_a_valid_file_is_previewed_with_its_row_count_and_a_sample_of_the_changes(lead_client, ready_job):
    assert ready_job.status == "ready"
    page = lead_client.get(job_url(ready_job)).content.decode()
    assert "9 rows ready to import" in page
    assert "new: Autumn 1 (half term): Wed 02 Sep 2026 to Fri 23 Oct 2026" in page
    assert "Confirm and import" in page
    assert not HalfTerm.objects.exists()


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(lead_client, school_a, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(lead_client, school_a, "marks", "marks.csv")
    assert response.status_code == 200
    assert "the largest file that can be imported is 100\xa0bytes" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_another_trusts_school_cannot_be_chosen(lead_client, school_b):
    assert upload(lead_client, school_b, "calendar", "calendar-2026-27.csv").status_code == 404
    assert not ImportJob.objects.exists()


# -- confirm, progress, done --------------------------------------------------------------------------------------


def test_confirming_runs_the_import_after_commit_and_the_page_shows_the_summary(
    lead_client, ready_job, school_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = lead_client.post(job_url(ready_job, "confirm"))
    assert response.url == job_url(ready_job)
    assert len(callbacks) == 1
    ready_job.refresh_from_db()
    assert (ready_job.status, ready_job.rows_done, ready_job.rows_total) == ("done", 9, 9)
    assert ready_job.finished_at is not None
    assert ready_job.summary.startswith("9 new, 0 updated, 0 unchanged; Alpha Primary has")
    assert HalfTerm.objects.filter(school=school_a).count() == 6
    page = lead_client.get(job_url(ready_job)).content.decode()
    assert ready_job.summary in page
    assert "hx-trigger" not in page


def test_pressing_confirm_twice_queues_the_import_once(lead_client, ready_job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        lead_client.post(job_url(ready_job, "confirm"))
        lead_client.post(job_url(ready_job, "confirm"))
    assert len(callbacks) == 1
    ready_job.refresh_from_db()
    assert ready_job.status == "queued"


def test_the_import_task_run_twice_imports_once(ready_job, school_a):
    run_import(ready_job.trust_id, ready_job.pk)
    days = list(SchoolDay.objects.order_by("date").values_list("pk", "date"))
    finished = ImportJob.objects.values_list("status", "finished_at", "summary").get()
    run_import(ready_job.trust_id, ready_job.pk)
    assert list(SchoolDay.objects.order_by("date").values_list("pk", "date")) == days
    assert ImportJob.objects.values_list("status", "finished_at", "summary").get() == finished
    assert finished[0] == "done"


def test_the_task_does_nothing_for_another_trusts_id(ready_job, trust_b):
    run_import(trust_b.pk, ready_job.pk)
    ready_job.refresh_from_db()
    assert ready_job.status == "ready"
    assert not HalfTerm.objects.exists()


def test_a_file_that_stopped_being_valid_fails_and_saves_nothing(lead_client, school_a):
    school_a.half_terms.create(
        trust=school_a.trust, name="Autumn 2", starts=dt.date(2026, 11, 2), ends=dt.date(2026, 12, 18)
    )
    rebuild_school_days(school_a)
    upload(lead_client, school_a, "pupils", "pupils.csv")
    upload(lead_client, school_a, "marks", "marks.csv")
    pupils_job, marks_job = ImportJob.objects.order_by("pk")
    run_import(pupils_job.trust_id, pupils_job.pk)
    assert ImportJob.objects.get(pk=pupils_job.pk).status == "done"
    ImportJob.objects.filter(pk=marks_job.pk).update(status="ready")
    Pupil.objects.filter(upn="R123456720001").update(upn="R123456720001"[:-1] + "9")
    run_import(marks_job.trust_id, marks_job.pk)
    marks_job.refresh_from_db()
    assert marks_job.status == "failed"
    assert "no longer passes its checks" in marks_job.summary
    assert {e["row"] for e in marks_job.errors} == {2, 3, 4, 5}
    page = lead_client.get(job_url(marks_job)).content.decode()
    assert "no longer passes its checks" in page and "no pupil of Trust A has UPN R123456720001" in page


def test_the_progress_partial_polls_while_the_import_runs_and_stops_when_it_is_done(lead_client, ready_job):
    ImportJob.objects.filter(pk=ready_job.pk).update(status="running", rows_done=4)
    partial = lead_client.get(job_url(ready_job), headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="progress"')
    assert 'hx-trigger="every 1s"' in partial and f'hx-get="{job_url(ready_job)}"' in partial
    assert "4 of 9 rows done" in partial
    assert "<html" not in partial
    ImportJob.objects.filter(pk=ready_job.pk).update(status="done", rows_done=9, summary="9 new")
    partial = lead_client.get(job_url(ready_job), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial and "9 new" in partial


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_the_page_while_the_imports_transaction_is_still_open(school_a):
    job = ImportJob.objects.create(
        trust=school_a.trust,
        school=school_a,
        kind="marks",
        filename="m.csv",
        content=b"",
        status="running",
        rows_total=9,
    )
    report = ProgressReporter(school_a.trust_id, job.pk, interval=60)
    try:
        with transaction.atomic():
            report(7)
            report(8)  # within the interval: not written
            assert ImportJob.objects.get(pk=job.pk).rows_done == 7
    finally:
        report.close()


# -- who may import -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["head", "teacher"])
def test_staff_of_the_trust_who_are_not_trust_leads_are_told_why_they_cannot_import(client, request, user, ready_job):
    client.force_login(request.getfixturevalue(user))
    for response in (client.get(START), client.get(job_url(ready_job)), client.post(job_url(ready_job, "confirm"))):
        assert response.status_code == 403
        assert "Only a trust lead can import files" in response.content.decode()
    assert ImportJob.objects.get().status == "ready"


def test_an_outsider_cannot_see_or_confirm_another_trusts_import(client, outsider, ready_job):
    client.force_login(outsider)
    assert client.get(job_url(ready_job)).status_code == 404
    assert client.post(job_url(ready_job, "confirm")).status_code == 404
    assert ImportJob.objects.get().status == "ready"


def test_another_trusts_lead_gets_404_for_this_trusts_import(client, trust_b, ready_job):
    client.force_login(staff(trust_b, "trust_lead", username="lead-b"))
    assert client.get(job_url(ready_job)).status_code == 404
    assert client.post(job_url(ready_job, "confirm")).status_code == 404
    assert "calendar-2026-27.csv" not in client.get(START).content.decode()


def test_a_user_without_a_trust_gets_404_and_a_visitor_is_sent_to_sign_in(client, ready_job):
    client.logout()
    assert client.get(START).url.startswith(reverse("login"))
    client.force_login(UserFactory(username="nobody"))
    assert client.get(START).status_code == 404
    assert client.get(job_url(ready_job)).status_code == 404


def test_the_list_of_recent_imports_takes_the_same_queries_however_many_there_are(lead_client, school_a):
    def queries_for_the_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            lead_client.get(START)
        return len(queries)

    for _ in range(3):
        upload(lead_client, school_a, "calendar", "calendar-2026-27.csv")
    with_three = queries_for_the_page()
    for _ in range(3):
        upload(lead_client, school_a, "calendar", "calendar-2026-27.csv")
    assert queries_for_the_page() == with_three
    assert lead_client.get(START).content.decode().count("calendar-2026-27.csv") == 6
