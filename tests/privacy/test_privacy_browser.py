"""In a real browser, by keyboard: a headteacher opens a pupil's page, follows it to the pupil's access log and finds
their own visit there, then downloads everything held on the pupil; a trust lead lengthens the retention period."""

import datetime as dt
import io
import zipfile
import zoneinfo

import pytest
from playwright.sync_api import expect

from schools.models import Role, Trust
from tests.factories import staff
from tests.signing_in import sign_in

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _today(time_machine):
    # Ticking, so the browser's timeouts and the server's clocks still move.
    time_machine.move_to(dt.datetime(2026, 11, 23, 10, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=True)


def _activate(page, target) -> None:
    target.focus()
    page.keyboard.press("Enter")


def test_a_head_finds_their_own_visit_in_a_pupils_access_log_and_downloads_everything_held(
    live_server, page, screenshot, school_a, pupil_a
):
    staff(school_a.trust, Role.Kind.HEADTEACHER, school_a, username="head")
    sign_in(page, live_server.url, "head", PASSWORD)
    page.goto(f"{live_server.url}/schools/pupils/{pupil_a.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(pupil_a.legal_surname)

    _activate(page, page.get_by_role("link", name="Access log for this pupil"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Access log")
    log = page.get_by_role("table")
    expect(log).to_contain_text("head")
    expect(log).to_contain_text(pupil_a.legal_surname)
    screenshot("privacy-access-log")

    page.go_back()
    with page.expect_download() as download:
        _activate(page, page.get_by_role("link", name="Download everything held (subject access)"))
    with zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes())) as archive:
        names = archive.namelist()
        assert "README.txt" in names
        assert pupil_a.upn in archive.read("pupil.json").decode()

    page.goto(f"{live_server.url}/privacy/access-log/?pupil={pupil_a.pk}")
    expect(page.get_by_role("table")).to_contain_text("Subject-access export")


def test_a_trust_lead_lengthens_the_retention_period_and_cannot_go_under_six_years(
    live_server, page, screenshot, school_a
):
    staff(school_a.trust, Role.Kind.TRUST_LEAD, username="lead")
    sign_in(page, live_server.url, "lead", PASSWORD)
    page.goto(live_server.url + "/privacy/retention/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention of leavers' data")
    field = page.get_by_role("spinbutton")
    field.fill("5")
    page.keyboard.press("Enter")
    expect(page.get_by_text("at least 6", exact=False).first).to_be_visible()
    assert Trust.objects.get(pk=school_a.trust_id).leaver_retention_years == 6

    field = page.get_by_role("spinbutton")
    field.fill("7")
    page.keyboard.press("Enter")
    expect(page.get_by_role("spinbutton")).to_have_value("7")
    screenshot("privacy-retention")
    assert Trust.objects.get(pk=school_a.trust_id).leaver_retention_years == 7
