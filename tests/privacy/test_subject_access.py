"""The subject-access export: every table that points at a pupil is in it, it holds what is held, and only the
pupil's own leaders of the pupil's own trust can take it."""

import io
import json
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from privacy import subject_access
from privacy.models import AccessLogEntry
from schools.models import Role
from tests.factories import PupilFactory, staff

pytestmark = pytest.mark.django_db


def export(client, user, pupil):
    client.force_login(user)
    return client.get(reverse("privacy:subject_access", args=[pupil.pk]))


def unzip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def records(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return json.loads(archive.read(name))


def test_every_table_with_a_pupil_foreign_key_is_in_the_export():
    """Fails when a model pointing at schools.Pupil is added without a section in privacy.subject_access."""
    exported = {section.model for section in subject_access.SECTIONS}
    missing = subject_access.pupil_models() - exported
    assert not missing, f"add these to privacy.subject_access.SECTIONS: {sorted(missing)}"


def test_the_walk_finds_the_tables_it_must(db):
    found = subject_access.pupil_models()
    assert {"registers.Mark", "registers.MarkEvent", "letters.Letter", "interventions.Case"} <= found
    assert "schools.Contact" not in found


def test_the_export_holds_a_record_in_every_section_for_a_pupil_with_everything(client, lead, leaver):
    client.force_login(lead)
    client.get(reverse("schools:pupil", args=[leaver.pk]))  # so the access log has a row about her
    archive = unzip(export(client, lead, leaver))
    names = set(archive.namelist())
    for section in subject_access.SECTIONS:
        assert section.filename in names
        if section.model != "privacy.Anonymisation":
            assert records(archive, section.filename), f"{section.filename} is empty"
    assert records(archive, "anonymisation.json") == []


def test_the_export_holds_the_pupils_details_marks_and_every_version_of_a_corrected_mark(client, lead, leaver):
    archive = unzip(export(client, lead, leaver))
    (pupil,) = records(archive, "pupil.json")
    assert pupil["pk"] == leaver.pk
    assert pupil["fields"]["upn"] == "A100000000001"
    assert pupil["fields"]["date_of_birth"] == "2016-03-14"
    assert len(records(archive, "marks.json")) == 12
    corrected = [e["fields"] for e in records(archive, "mark_history.json") if e["fields"]["date"] == "2026-07-16"]
    assert [(e["pgh_label"], e["code"]) for e in corrected if e["session"] == "AM"] == [
        ("insert", "O"),
        ("update", "M"),
    ]


def test_the_export_holds_both_parents_their_links_and_the_letters_pdf(client, lead, leaver):
    archive = unzip(export(client, lead, leaver))
    assert {c["fields"]["name"] for c in records(archive, "contacts.json")} == {"Maria Able", "Peter Able"}
    assert len(records(archive, "contact_links.json")) == 2
    (letter,) = records(archive, "letters.json")
    assert "pdf" not in letter["fields"]
    pdf = archive.read(f"letters/letter-{leaver.letter.pk}-LON3.pdf")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_the_export_leaves_out_other_pupils_records(client, lead, leaver):
    archive = unzip(export(client, lead, leaver))
    sibling_upn = leaver.sibling.upn
    assert sibling_upn not in archive.read("pupil.json").decode()
    assert all(link["fields"]["pupil"] == leaver.pk for link in records(archive, "contact_links.json"))


def test_the_readme_lists_each_file_with_its_number_of_records(client, lead, leaver):
    readme = unzip(export(client, lead, leaver)).read("README.txt").decode()
    assert f"UPN {leaver.upn}" in readme
    assert "made" in readme.lower() and "by lead" in readme
    assert "marks.json" in readme and "    12  Every attendance mark" in readme
    assert "letters/" in readme


def test_taking_the_export_is_logged_as_a_subject_access_export(client, head, pupil_a):
    unzip(export(client, head, pupil_a))
    row = AccessLogEntry.objects.get(kind="subject_access")
    assert (row.user, row.pupil, row.route) == (head, pupil_a, "privacy:subject_access")
    # The export's own access log holds earlier rows; the row for this export is written after it is made.
    assert AccessLogEntry.objects.filter(pupil=pupil_a).count() == 1


def test_the_headteacher_and_attendance_lead_of_the_pupils_school_may_take_it(client, head, school_a, pupil_a):
    attendance_lead = staff(school_a.trust, Role.Kind.ATTENDANCE_LEAD, school_a)
    unzip(export(client, head, pupil_a))
    unzip(export(client, attendance_lead, pupil_a))


def test_another_trust_gets_404(client, outsider, pupil_a):
    assert export(client, outsider, pupil_a).status_code == 404
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("kind", [Role.Kind.TEACHER, Role.Kind.ATTENDANCE_OFFICER, Role.Kind.DSL])
def test_other_staff_of_the_school_get_404(client, school_a, pupil_a, kind):
    assert export(client, staff(school_a.trust, kind, school_a), pupil_a).status_code == 404


def test_the_head_of_another_school_of_the_same_trust_gets_404(client, trust_a, pupil_a):
    other = PupilFactory(school__trust=trust_a)
    head_there = staff(trust_a, Role.Kind.HEADTEACHER, other.enrolments.get().school)
    assert export(client, head_there, pupil_a).status_code == 404
