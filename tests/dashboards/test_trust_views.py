"""The trust view and the trust's pupil groups as their users meet them: trust leads only, their own trust only,
sortable from the URL, every number opening its pupils, and downloads."""

import datetime as dt
import io
import zipfile
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from dashboards import comparison
from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from schools.models import Pupil, Role, School
from tests.factories import PupilFactory, SchoolFactory, staff

LAST_MONDAY = dt.date(2026, 11, 16)
TRUST_VIEW, GROUPS_VIEW = reverse("dashboards:trust"), reverse("dashboards:trust_groups")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=False)


@pytest.fixture(autouse=True)
def _national_figures(settings, tmp_path):
    """Primary and secondary national absence, and FSM pupils', as the DfE publishes them."""
    settings.COMPARISON_FIGURES_FILE = tmp_path / "comparison_figures.json"
    rows = [
        {"phase": "primary", "value": "5.5"},
        {"phase": "secondary", "value": "8.9"},
        {"phase": "all", "value": "10.0", "characteristic": "fsm", "academic_year": 2024, "period": "autumn"},
    ]
    base = {"area": "national", "area_name": "England", "academic_year": 2023, "period": "full_year"}
    base |= {"measure": "overall_absence", "source": "DfE, Pupil absence in schools in England"}
    comparison.install(comparison.parse([{**base, **row} for row in rows]))


def record(school, pupil, codes, monday=LAST_MONDAY):
    sessions = [(monday + dt.timedelta(days=n // 2), ("AM", "PM")[n % 2]) for n in range(len(codes))]
    marks = [MarkInput(pupil.pk, day, session, code) for (day, session), code in zip(sessions, codes, strict=True)]
    upsert_marks(school=school, marks=marks, source=Mark.Source.REGISTER)


@pytest.fixture
def gamma(trust_a):
    return SchoolFactory(trust=trust_a, name="Gamma High", urn="300001", phase=School.Phase.SECONDARY)


@pytest.fixture
def marks(school_a, pupil_a, gamma):
    """Alpha: Ann (FSM) 8 of 10 (PA), Bea 10 of 10: 90.0%. Gamma: Gil 1 of 2: 50.0% (SA)."""
    Pupil.objects.filter(pk=pupil_a.pk).update(fsm=True)
    record(school_a, pupil_a, ["/", "\\"] * 4 + ["O", "O"])
    record(school_a, PupilFactory(school=school_a, legal_surname="Bright", legal_forename="Bea"), ["/", "\\"] * 5)
    record(gamma, PupilFactory(school=gamma, legal_surname="Gold", legal_forename="Gil"), ["O", "\\"])


def page(client, user, url=TRUST_VIEW, **params):
    client.force_login(user)
    return client.get(url, params)


def school_order(response):
    return [line.row.label for line in response.context["lines"]]


def test_the_trust_lead_sees_every_school_side_by_side_with_the_trusts_total(client, lead, marks):
    response = page(client, lead)
    assert response.status_code == 200
    assert school_order(response) == ["Alpha Primary", "Gamma High"]
    html = response.content.decode()
    assert "90.0%" in html and "50.0%" in html
    assert "All 2 schools" in html and "86.4%" in html  # 19 of 22 sessions: summed, not averaged
    assert "50.0% (1)" in html  # Alpha's PA: one of two pupils


def test_the_page_names_the_96_percent_target_and_its_source(client, lead, marks):
    html = page(client, lead).content.decode()
    assert "96%" in html and "ODST Attendance Statement" in html
    assert "−6.0" in html  # Alpha, 90.0% against 96%


def test_each_school_is_compared_with_national_for_its_phase_with_the_source_shown(client, lead, marks):
    response = page(client, lead)
    alpha, gamma = (line.row for line in response.context["lines"])
    assert (str(alpha.national_pct), str(gamma.national_pct)) == ("94.5", "91.1")
    assert response.context["total"].row.national_pct is None  # a primary and a secondary: no single figure
    html = response.content.decode()
    assert "national 94.5%" in html and "England, primary schools, 2023/24 full year" in html


def test_a_headteacher_and_a_teacher_are_told_the_trust_view_is_for_trust_leads(client, head, teacher, marks):
    for user in (head, teacher):
        for url in (TRUST_VIEW, GROUPS_VIEW):
            response = page(client, user, url)
            assert response.status_code == 403
            body = response.content.decode()
            assert "for trust leads" in body and "Gamma High" not in body


def test_signing_in_is_needed(client):
    response = client.get(TRUST_VIEW)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_trusts_lead_sees_only_their_own_trust(client, marks, school_b, pupil_b):
    record(school_b, pupil_b, ["/", "O"])
    other_lead = staff(school_b.trust, Role.Kind.TRUST_LEAD, username="beta-lead")
    for url in (TRUST_VIEW, GROUPS_VIEW):
        response = page(client, other_lead, url)
        body = response.content.decode()
        assert response.status_code == 200
        assert "Beta Academy" in body
        assert "Alpha Primary" not in body and "Gamma High" not in body and "Able" not in body


def test_a_column_sorts_the_schools_both_ways_from_the_url(client, lead, marks):
    assert school_order(page(client, lead, sort="attendance")) == ["Gamma High", "Alpha Primary"]
    response = page(client, lead, sort="-attendance")
    assert school_order(response) == ["Alpha Primary", "Gamma High"]
    headers = {h.column.key: h for h in response.context["headers"]}
    assert headers["attendance"].aria_sort == "descending" and headers["attendance"].url == "?sort=attendance"
    assert headers["pa"].aria_sort == "" and headers["pa"].url == "?sort=pa"
    html = response.content.decode()
    assert 'aria-sort="descending"' in html and html.count("aria-sort=") == 1


def test_sorting_keeps_the_pages_other_parameters(client, lead, marks):
    response = page(client, lead, GROUPS_VIEW, group="fsm", sort="pupils")
    headers = {h.column.key: h for h in response.context["headers"]}
    assert parse_qs(urlsplit(headers["pupils"].url).query) == {"group": ["fsm"], "sort": ["-pupils"]}


def test_each_school_links_to_its_dashboard_where_there_is_one(client, lead, school_a, marks):
    html = page(client, lead).content.decode()
    assert f'href="{reverse("dashboards:school_dashboard", kwargs={"school_id": school_a.pk})}"' in html


def test_every_school_number_opens_the_schools_pupil_list_for_that_figure(client, lead, school_a, marks):
    alpha = page(client, lead).context["lines"][0]
    pa = urlsplit(alpha.links.pa)
    assert pa.path == reverse("dashboards:school_pupils", kwargs={"school_id": school_a.pk})
    assert parse_qs(pa.query) == {"measure": ["pa"], "start": ["2026-08-01"], "end": ["2026-11-23"]}
    last_sa = parse_qs(urlsplit(alpha.links.last_sa).query)
    assert last_sa == {"measure": ["sa"], "start": ["2025-08-01"], "end": ["2025-11-24"]}
    for link in (alpha.links.pupils, alpha.links.absent, alpha.links.unauthorised, alpha.links.sa):
        assert link.startswith(pa.path)


def test_the_pa_number_lists_the_persistently_absent_pupil(client, lead, marks):
    alpha = page(client, lead).context["lines"][0]
    listed = client.get(alpha.links.pa).content.decode()
    assert "Able" in listed and "Bright" not in listed


def test_a_groups_school_row_opens_the_list_for_that_group(client, lead, marks):
    response = page(client, lead, GROUPS_VIEW, group="fsm")
    alpha = response.context["lines"][0]
    assert parse_qs(urlsplit(alpha.links.pa).query)["characteristic"] == ["fsm"]


def test_the_trusts_total_opens_the_trust_wide_pupil_list_where_it_filters_the_group(client, lead, marks):
    total = page(client, lead).context["total"]
    assert total.links.pa == f"{reverse('schools:pupils')}?absence=pa"
    groups = {line.row.group.key: line for line in page(client, lead, GROUPS_VIEW).context["groups"]}
    assert groups["fsm"].links.sa == f"{reverse('schools:pupils')}?fsm=on&absence=sa"
    assert groups["gender_f"].links.pa == ""  # the trust-wide list has no gender filter


def test_the_groups_page_shows_each_group_across_the_trust_then_school_by_school(client, lead, marks):
    response = page(client, lead, GROUPS_VIEW, group="fsm")
    assert response.status_code == 200
    groups = {line.row.group.key: line.row for line in response.context["groups"]}
    assert str(groups["all"].this_year.attendance_pct) == "86.4"
    assert str(groups["fsm"].this_year.attendance_pct) == "80.0"
    assert groups["fsm"].national_pct is None  # the trust's schools are of two phases
    assert response.context["chosen"].key == "fsm"
    by_school = [line.row for line in response.context["lines"]]
    assert [(row.label, row.this_year.pupils) for row in by_school] == [("Alpha Primary", 1), ("Gamma High", 0)]
    assert str(by_school[0].national_pct) == "90.0"  # the DfE's FSM figure: published for all phases together
    assert response.context["total"].row.label == "All 2 schools"
    gender = page(client, lead, GROUPS_VIEW, group="gender_m").context["lines"]
    assert gender[0].row.national_pct is None  # none published for boys
    assert 'aria-current="true"' in response.content.decode()


def test_an_unknown_group_shows_the_first_group(client, lead, marks):
    assert page(client, lead, GROUPS_VIEW, group="nonsense").context["chosen"].key == "fsm"


def test_the_schools_download_as_csv_with_the_total(client, lead, marks):
    response = page(client, lead, format="csv", sort="-attendance")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="trust-a-schools-2026-11-23.csv"' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Group,School,URN,Phase,From,To,Pupils,Possible sessions")
    assert lines[1].startswith("All pupils,Alpha Primary,100001,Primary,2026-08-01,2026-11-23,2,20,18,90.0,96,-6.0")
    assert lines[3].startswith("All pupils,All schools,,,2026-08-01,2026-11-23,3,22,19,86.4")


def test_the_groups_download_as_xlsx_every_group_at_every_school(client, lead, marks):
    response = page(client, lead, GROUPS_VIEW, format="xlsx")
    assert response["Content-Type"] == comparison_xlsx_type()
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "Free school meals (FSM)" in strings and "Looked after" in strings and "Gamma High" in strings
    assert sheet.count("<row ") == 1 + 10 * 3  # the header, then ten groups: two schools and the total each


def comparison_xlsx_type():
    from dashboards.export import XLSX_TYPE

    return XLSX_TYPE


def test_the_trust_leads_home_page_opens_the_trust_view(client, lead, marks):
    html = page(client, lead, reverse("dashboards:home")).content.decode()
    assert f'href="{TRUST_VIEW}"' in html and f'href="{GROUPS_VIEW}"' in html


def test_a_headteachers_home_page_does_not_offer_the_trust_view(client, head, marks):
    html = page(client, head, reverse("dashboards:home")).content.decode()
    assert f'href="{TRUST_VIEW}"' not in html


def test_a_trust_with_no_schools_says_so(client, db):
    from tests.factories import TrustFactory

    empty_lead = staff(TrustFactory(slug="empty", name="Empty Trust"), Role.Kind.TRUST_LEAD, username="empty-lead")
    response = page(client, empty_lead)
    assert response.status_code == 200 and "The trust has no schools yet" in response.content.decode()


def test_a_headteachers_home_page_opens_each_of_their_schools_dashboards(client, head, school_a, marks):
    html = page(client, head, reverse("dashboards:home")).content.decode()
    for name in ("school_dashboard", "school_trends", "today", "early_warning", "headroom", "coding", "reconciliation"):
        assert f'href="{reverse(f"dashboards:{name}", kwargs={"school_id": school_a.pk})}"' in html, name


def test_a_tutors_home_page_opens_their_groups_dashboard(client, teacher, group_a, marks):
    html = page(client, teacher, reverse("dashboards:home")).content.decode()
    assert f'href="{reverse("dashboards:group_dashboard", kwargs={"group_id": group_a.pk})}"' in html
    assert f'href="{TRUST_VIEW}"' not in html
