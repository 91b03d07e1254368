"""The trust's policy in a browser, by keyboard: a trust lead raises a threshold in a draft, tries the draft school by
school against the policy in force, sees which pupil it would change, and adopts it after confirming."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from interventions import policies
from interventions.models import PolicyVersion
from tests.factories import PupilFactory, SchoolFactory
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_evaluate_command import ON, history
from tests.signing_in import sign_in

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _today(time_machine):
    # The evaluation day of the helpers' marks; ticking, so the browser's timeouts and the server's clocks still move.
    time_machine.move_to(dt.datetime.combine(ON, dt.time(10), tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=True)


@pytest.fixture
def two_schools(school_a):
    """Alpha Primary: Cara at exactly 95% (LON2 under version 1, LON3 once the rung is raised to 96%) and Dan at
    100%. Zeta Juniors: Eve at 90% (LON4 under either version)."""
    school_calendar(school_a)
    cara = PupilFactory(school=school_a, upn="A123456789012", legal_forename="Cara", legal_surname="Cole")
    history(school_a, cara, ["/"] * 95 + ["I"] * 5)
    history(school_a, PupilFactory(school=school_a, legal_forename="Dan", legal_surname="Dale"), ["/"] * 100)
    zeta = SchoolFactory(trust=school_a.trust, name="Zeta Juniors", urn="100002")
    school_calendar(zeta)
    history(zeta, PupilFactory(school=zeta, legal_forename="Eve", legal_surname="East"), ["/"] * 90 + ["I"] * 10)
    return cara, zeta


def _sign_in(page, live_server, username: str) -> None:
    sign_in(page, live_server.url, username, PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _retype(page, field, text: str) -> None:
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def _activate(page, target) -> None:
    target.focus()
    page.keyboard.press("Enter")


def test_a_trust_lead_drafts_a_higher_threshold_tries_it_on_each_school_and_adopts_it(
    live_server, page, screenshot, lead, school_a, two_schools
):
    cara, zeta = two_schools
    _sign_in(page, live_server, "lead")
    page.goto(live_server.url + reverse("policy:overview"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Omega graduated response, version 1")

    _activate(page, page.get_by_role("link", name="Edit the parameters (saves a draft)"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit the attendance policy")
    threshold = page.get_by_label("Threshold of “Below 95%” (%)")
    expect(threshold).to_have_value("95")
    _retype(page, threshold, "96")
    _retype(page, page.get_by_label("Title of “Below 95%”"), "Below 96%")
    _retype(page, page.get_by_label("What changed and why"), "Meet families sooner: LON3 and a meeting from 96%")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Draft version 2 saved. Nothing has changed in force")
    expect(page.get_by_role("heading", level=1)).to_contain_text("version 2 (draft)")
    expect(page.get_by_text("Below 95%: threshold 95% → 96%")).to_be_visible()
    assert policies.version_in_force(school_a).number == 1
    assert policies.version_in_force(zeta).number == 1

    _activate(page, page.get_by_role("link", name="Try this draft on tonight's run"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Try version 2 against the policy in force")

    # Each school's comparison arrives on its own (htmx, one school after another).
    alpha = page.locator(f"#school-{school_a.pk}")
    expect(alpha).to_contain_text("2 pupils on roll, evaluated as on Wednesday 25 November 2026.")
    expect(alpha).to_contain_text("1 pupil whose proposals change")
    changed = alpha.get_by_role("row").filter(has_text="Cara Cole")
    expect(changed).to_contain_text("A123456789012")
    expect(changed).to_contain_text("in force: LON2 (stage 1) → draft: LON3 (stage 2)")
    expect(changed.get_by_role("link", name="Cara Cole")).to_have_attribute(
        "href", reverse("schools:pupil", args=[cara.pk])
    )
    counts = alpha.get_by_role("table", name="Proposals at Alpha Primary under each version")
    # In force, draft, change: Cara's LON2 letter becomes LON3 with its meeting.
    expect(counts.get_by_role("row").filter(has_text="Letters").get_by_role("cell")).to_have_text(["1", "0", "-1"])
    expect(counts.get_by_role("row").filter(has_text="Meetings").get_by_role("cell")).to_have_text(["0", "1", "+1"])

    others = page.locator(f"#school-{zeta.pk}")
    expect(others).to_contain_text("1 pupil on roll")
    expect(others).to_contain_text("No pupil's proposals change at Zeta Juniors.")
    screenshot("policy-01-simulation")

    _activate(page, page.get_by_role("link", name="Adopt this draft"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Adopt version 2?")
    expect(page.get_by_text("Below 95%: threshold 95% → 96%")).to_be_visible()
    assert PolicyVersion.objects.get(trust=school_a.trust, number=2).is_draft, "asking to confirm changes nothing"
    _activate(page, page.get_by_role("button", name="Adopt version 2"))

    expect(page.get_by_role("status")).to_contain_text("Version 2 is in force from now for every school of the trust")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Omega graduated response, version 2")
    history_rows = page.get_by_role("region", name="Version history").get_by_role("row")
    expect(history_rows.filter(has_text="Version 2")).to_contain_text("In force")
    expect(history_rows.filter(has_text="Version 2")).to_contain_text("Meet families sooner")
    expect(history_rows.filter(has_text="Version 1")).to_contain_text("Adopted, replaced")
    expect(page.get_by_role("table", name="The rules of the policy in force")).to_contain_text("Below 96%")
    screenshot("policy-02-adopted")
    assert policies.version_in_force(school_a).number == 2
    assert policies.version_in_force(zeta).number == 2
