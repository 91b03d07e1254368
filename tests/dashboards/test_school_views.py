"""The school dashboard pages: who sees them, what they show, the pupil list behind each number, and downloads."""

import io
import re
import zipfile
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import Role
from tests.dashboards.test_school_figures import THIS_YEAR, build_school_year, freeze_today, week
from tests.factories import GroupFactory, PupilFactory, staff


@pytest.fixture
def today(time_machine):
    return freeze_today(time_machine)


@pytest.fixture
def school_year(school_a, group_a, pupil_a, today):
    return build_school_year(school_a, group_a, pupil_a)


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def school_url(school, name="school_dashboard", *args):
    return reverse(f"dashboards:{name}", args=[school.pk, *args])


def _links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html)]


# --- Who may open them -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Role.Kind.HEADTEACHER, Role.Kind.ATTENDANCE_OFFICER, Role.Kind.DSL])
def test_the_schools_own_staff_open_its_dashboards(client, school_a, school_year, kind):
    user = staff(school_a.trust, kind, school_a, username=f"staff-{kind}")
    for url in (
        school_url(school_a),
        school_url(school_a, "school_trends"),
        school_url(school_a, "school_group_trend", "fsm"),
        school_url(school_a, "year_dashboard", "5"),
        school_url(school_a, "school_pupils"),
    ):
        assert _get(client, user, url).status_code == 200, url


def test_a_trust_lead_opens_any_school_of_the_trust(client, lead, school_a, school_year):
    assert _get(client, lead, school_url(school_a)).status_code == 200


def test_a_teacher_gets_404_for_the_whole_school_views(client, teacher, school_a, school_year):
    for url in (
        school_url(school_a),
        school_url(school_a, "school_trends"),
        school_url(school_a, "year_dashboard", "5"),
    ):
        assert _get(client, teacher, url).status_code == 404


def test_another_trusts_head_gets_404(client, outsider, school_a, group_a, school_year):
    assert _get(client, outsider, school_url(school_a)).status_code == 404
    assert _get(client, outsider, reverse("dashboards:group_dashboard", args=[group_a.pk])).status_code == 404
    assert _get(client, outsider, school_url(school_a, "school_pupils")).status_code == 404


def test_a_head_of_another_school_in_the_trust_gets_404(client, trust_a, school_a, school_year):
    from tests.factories import SchoolFactory

    other = SchoolFactory(trust=trust_a, urn="100777")
    head_elsewhere = staff(trust_a, Role.Kind.HEADTEACHER, other, username="other-head")
    assert _get(client, head_elsewhere, school_url(school_a)).status_code == 404


def test_a_tutor_opens_their_groups_dashboard_and_no_other(client, teacher, school_a, group_a, school_year):
    assert _get(client, teacher, reverse("dashboards:group_dashboard", args=[group_a.pk])).status_code == 200
    other = school_year["6B"]
    assert _get(client, teacher, reverse("dashboards:group_dashboard", args=[other.pk])).status_code == 404


def test_the_office_opens_every_group_of_its_school(client, head, school_year):
    assert _get(client, head, reverse("dashboards:group_dashboard", args=[school_year["6B"].pk])).status_code == 200


def test_an_unknown_year_group_or_characteristic_is_404(client, head, school_a, school_year):
    assert _get(client, head, school_url(school_a, "year_dashboard", "99")).status_code == 404
    assert _get(client, head, school_url(school_a, "school_group_trend", "nonsense")).status_code == 404


# --- The school dashboard ----------------------------------------------------------------------------------------


def test_the_headlines_show_the_year_to_date_against_last_year_and_national(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a))
    html = response.content.decode()
    everyone = response.context["everyone"]

    assert response.status_code == 200
    assert str(everyone.figures.counts.attendance_pct) == "82.1"  # 110 of 134 sessions
    assert (everyone.figures.persistent, everyone.figures.severe) == (2, 1)
    assert (everyone.last_year.persistent, everyone.last_year.severe) == (2, 1)
    assert "82.1%" in html
    assert "England, primary schools, 2023/24 full year" in html  # the comparator names its release
    assert "DfE, Pupil absence in schools in England, 2023/24" in html
    assert "<svg" in html and "Attendance by week" in html


def test_every_headline_number_opens_its_pupil_list(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a))
    links = response.context["everyone"].links
    pa = _get(client, head, links["pa"])
    names = {row.line.name for row in pa.context["lines"]}

    assert names == {"Ann Able", "Cal Cole"}
    assert links["pa"] in _links(response.content.decode())
    last_year_sa = _get(client, head, links["last_sa"])
    # Eve Eady left before this year: counted in last year's figure, no longer the school's to open.
    assert last_year_sa.context["page"].paginator.count == 0 and last_year_sa.context["hidden"] == 1


def test_the_group_rows_link_to_their_pupils(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a))
    rows = {row.figures.key: row for row in response.context["groups_with_all"]}
    fsm = _get(client, head, rows["fsm"].links["pa"])
    assert [row.line.name for row in fsm.context["lines"]] == ["Ann Able"]
    assert "characteristic=fsm" in rows["fsm"].links["pa"]


def test_year_group_rows_open_the_year_dashboards(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a))
    years = response.context["years"]
    assert [y.figures.label for y in years] == ["Year 5", "Year 6"]
    year_6 = _get(client, head, years[1].dashboard_url)
    assert year_6.status_code == 200
    assert {row.line.name for row in year_6.context["cohort"].pupils} == {"Cal Cole", "Dee Dunn", "Fay Ford"}


def test_the_numbers_of_a_year_or_a_group_view_open_lists_of_that_year_or_group(client, head, school_a, school_year):
    year_6 = _get(client, head, school_url(school_a, "year_dashboard", "6")).context["cohort"].everyone.links
    assert {row.line.name for row in _get(client, head, year_6["all"]).context["lines"]} == {
        "Cal Cole",
        "Dee Dunn",
        "Fay Ford",
    }
    males = _get(client, head, school_url(school_a, "school_group_trend", "gender_m")).context["row"].links
    assert {row.line.name for row in _get(client, head, males["absent"]).context["lines"]} == {"Cal Cole", "Dee Dunn"}


def test_a_date_range_in_the_url_narrows_every_figure(client, head, school_a, school_year):
    monday = THIS_YEAR[2]
    response = _get(client, head, school_url(school_a), start=monday.isoformat(), end="2026-09-25")
    assert [w.week for w in response.context["weeks"]] == [monday]
    assert response.context["everyone"].figures.counts.possible == 50
    assert f"start={monday.isoformat()}" in response.context["everyone"].links["pa"]


def test_a_malformed_filter_is_reported_and_ignored(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a), start="yesterday")
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("school_dashboard", ()),
        ("school_trends", ()),
        ("school_group_trend", ("fsm",)),
        ("year_dashboard", ("5",)),
        ("school_pupils", ()),
    ],
)
def test_each_school_page_runs_the_same_queries_however_many_pupils(client, head, school_a, group_a, today, name, args):
    def queries_with(pupils):
        for _ in range(pupils):
            pupil = PupilFactory(school=school_a, group=group_a, fsm=True)
            week(school_a, pupil, THIS_YEAR[0], ["/", "O"] * 5)
        client.force_login(head)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(school_url(school_a, name, *args), {"day": THIS_YEAR[0].isoformat()}).status_code == 200
        return len(queries)

    assert queries_with(3) == queries_with(4)


# --- Downloads -----------------------------------------------------------------------------------------------------


def _xlsx_rows(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return book.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("table", ["groups", "years", "weeks", "reasons", "national"])
def test_every_table_of_the_school_dashboard_downloads_as_csv_and_xlsx(client, head, school_a, school_year, table):
    csv = _get(client, head, school_url(school_a), format="csv", table=table)
    xlsx = _get(client, head, school_url(school_a), format="xlsx", table=table)

    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert f"school-100001-{table}.csv" in csv["Content-Disposition"]
    assert len(csv.content.decode("utf-8-sig").splitlines()) > 1
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "<sheetData>" in _xlsx_rows(xlsx.content)


def test_the_csv_carries_the_figures_on_the_page(client, head, school_a, school_year):
    csv = _get(client, head, school_url(school_a), format="csv", table="groups").content.decode("utf-8-sig")
    first = csv.splitlines()[1].split(",")
    assert first[:4] == ["All pupils", "5", "134", "82.1"]


def test_an_unknown_table_is_404(client, head, school_a, school_year):
    assert _get(client, head, school_url(school_a), format="csv", table="secrets").status_code == 404


def test_the_pupil_list_downloads_every_pupil_with_numbers_as_numbers(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a, "school_pupils"), measure="pa", format="xlsx")
    sheet = _xlsx_rows(response.content)
    assert "A100000000001" in unescape(_shared_strings(response.content))
    assert re.search(r'<c r="E2"[^>]*><v>30</v></c>', sheet)  # possible sessions, a number cell


def _shared_strings(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return book.read("xl/sharedStrings.xml").decode()


def test_the_page_offers_the_download_links_with_its_filters(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a, "school_pupils"), measure="sa")
    links = _links(response.content.decode())
    assert any("measure=sa" in href and "format=csv" in href for href in links)
    assert any("measure=sa" in href and "format=xlsx" in href for href in links)


# --- The pupil list -------------------------------------------------------------------------------------------------


def test_the_pupil_list_shows_each_pupils_figures_and_links_to_the_pupil(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a, "school_pupils"), measure="sa")
    html = response.content.decode()
    [row] = response.context["lines"]
    line = row.line
    assert (line.name, line.counts.possible, line.counts.attended, str(line.counts.attendance_pct)) == (
        "Cal Cole",
        30,
        14,
        "46.7",
    )
    assert reverse("schools:pupil", args=[school_year["cal"].pk]) in html
    assert "Severe absence" in html


def test_a_teacher_sees_only_their_own_pupils_in_a_list(client, teacher, school_a, school_year):
    response = _get(client, teacher, school_url(school_a, "school_pupils"))
    assert {row.line.name for row in response.context["lines"]} == {"Ann Able", "Bea Bright"}
    assert response.context["hidden"] == 0


def test_the_day_list_shows_that_days_absent_pupils_with_their_level_this_year(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a, "school_pupils"), measure="absent", day=THIS_YEAR[1].isoformat())
    rows = {row.line.name: row for row in response.context["lines"]}
    assert set(rows) == {"Bea Bright", "Cal Cole", "Dee Dunn", "Fay Ford"}
    # One day absent is 100% of that day; the colour is the pupil's year to date.
    assert {name: row.level for name, row in rows.items()} == {
        "Bea Bright": "",
        "Cal Cole": "sa",
        "Dee Dunn": "",
        "Fay Ford": "at_risk",
    }
    assert "Level this year" in response.content.decode()


def test_a_group_outside_the_users_scope_is_404_in_a_filter(client, teacher, school_a, school_year):
    response = _get(client, teacher, school_url(school_a, "school_pupils"), group=school_year["6B"].pk)
    assert response.status_code == 404


# --- Group trends, day and week trends ------------------------------------------------------------------------------


def test_a_group_view_shows_its_weekly_absence_against_last_year_and_all_pupils(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a, "school_group_trend", "sen_k"))
    weeks = response.context["weeks"]
    assert [w.week for w, _ in weeks] == THIS_YEAR
    first, everyone = weeks[0]
    assert str(first.absence_pct) == "100.0" and str(first.last_year_absence_pct) == "40.0"
    assert everyone.counts.possible > first.counts.possible


def test_a_group_view_lists_its_pupils_absent_in_a_chosen_week_and_on_a_day(client, head, school_a, school_year):
    url = school_url(school_a, "school_group_trend", "gender_m")
    in_week = _get(client, head, url, week=THIS_YEAR[1].isoformat())
    on_day = _get(client, head, url, day=THIS_YEAR[1].isoformat())

    assert {a.line.name for a in in_week.context["absent"]} == {"Cal Cole", "Dee Dunn"}
    assert {(a.line.name, a.am, a.pm) for a in on_day.context["absent"]} == {
        ("Cal Cole", "N", "N"),
        ("Dee Dunn", "M", "\\"),
    }
    csv = _get(client, head, url, day=THIS_YEAR[1].isoformat(), format="csv", table="absent").content.decode(
        "utf-8-sig"
    )
    assert "Cal Cole" in csv


def test_the_trends_view_colours_weeks_and_flags_the_lowest(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a, "school_trends"))
    html = response.content.decode()
    weeks = [w for w, _ in response.context["weeks"]]
    assert [w.rag for w in weeks] == ["", "green", "green"]
    assert "At risk week" in html and "Lowest day" in html
    assert "▲ Improved" in html
    year_rates = response.context["weeks"][0][1]
    assert [r.label for r in year_rates] == ["Year 5", "Year 6"]


def test_the_trends_view_narrows_to_a_year_group(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a, "school_trends"), year="6")
    first = response.context["weeks"][0][0]
    assert (first.possible, first.attended) == (14, 4)


@pytest.mark.parametrize("table", ["weeks", "weekdays", "days", "year_groups"])
def test_every_trends_table_downloads(client, head, school_a, school_year, table):
    response = _get(client, head, school_url(school_a, "school_trends"), format="xlsx", table=table)
    assert response.status_code == 200 and response.content[:2] == b"PK"


# --- Year-group and tutor-group dashboards --------------------------------------------------------------------------


def test_the_tutor_group_dashboard_shows_this_week_last_week_and_the_year(client, teacher, group_a, school_year):
    response = _get(client, teacher, reverse("dashboards:group_dashboard", args=[group_a.pk]))
    cohort = response.context["cohort"]
    html = response.content.decode()

    assert cohort.this_week.possible == 20 and cohort.last_week.possible == 20
    assert [row.line.name for row in cohort.pupils] == ["Ann Able", "Bea Bright"]
    assert cohort.pupils[0].level == "pa"
    assert {r.code for r in cohort.reasons} == {"I", "O", "U"}
    assert "level--pa" in html and "Persistent absence" in html
    # The school's dashboard is not the teacher's to open, so the page does not offer it.
    assert f'href="{reverse("dashboards:school_dashboard", args=[group_a.school_id])}"' not in html


def test_the_tutor_groups_numbers_open_lists_of_its_pupils(client, teacher, group_a, school_year):
    response = _get(client, teacher, reverse("dashboards:group_dashboard", args=[group_a.pk]))
    pa = _get(client, teacher, response.context["cohort"].everyone.links["pa"])
    assert pa.status_code == 200
    assert [row.line.name for row in pa.context["lines"]] == ["Ann Able"]


def test_the_year_dashboard_colours_pupils_by_risk(client, head, school_a, school_year):
    response = _get(client, head, school_url(school_a, "year_dashboard", "6"))
    levels = {row.line.name: row.level for row in response.context["cohort"].pupils}
    assert levels == {"Cal Cole": "sa", "Fay Ford": "at_risk", "Dee Dunn": ""}
    assert reverse("dashboards:group_dashboard", args=[school_year["6B"].pk]) in response.content.decode()
    assert {r.code for r in response.context["cohort"].reasons} == {"G", "N", "M", "I"}


@pytest.mark.parametrize("table", ["pupils", "groups", "weeks", "reasons"])
def test_every_table_of_a_group_dashboard_downloads(client, teacher, group_a, school_year, table):
    url = reverse("dashboards:group_dashboard", args=[group_a.pk])
    response = _get(client, teacher, url, format="csv", table=table)
    assert response.status_code == 200 and response.content.decode("utf-8-sig").count("\n") >= 2


def test_the_group_dashboard_runs_the_same_queries_however_many_pupils(client, teacher, school_a, group_a, today):
    def queries_with(pupils):
        for _ in range(pupils):
            pupil = PupilFactory(school=school_a, group=group_a)
            week(school_a, pupil, THIS_YEAR[0], ["/", "O"] * 5)
        client.force_login(teacher)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboards:group_dashboard", args=[group_a.pk])).status_code == 200
        return len(queries)

    assert queries_with(3) == queries_with(4)


# --- The home page leads to the dashboards ---------------------------------------------------------------------------


def test_the_home_page_links_each_school_and_tutor_group_to_its_dashboard(
    client, head, teacher, school_a, group_a, today
):
    assert school_url(school_a) in _get(client, head, reverse("dashboards:home")).content.decode()
    group = reverse("dashboards:group_dashboard", args=[group_a.pk])
    assert group in _get(client, teacher, reverse("dashboards:home")).content.decode()


def test_a_group_with_no_marks_yet_shows_empty_states(client, head, school_a, today):
    empty = GroupFactory(school=school_a, name="3C", year_group="3")
    response = _get(client, head, reverse("dashboards:group_dashboard", args=[empty.pk]))
    assert response.status_code == 200
    assert "No absence recorded" in response.content.decode()


def test_the_tutor_group_view_shows_each_pupils_headroom_least_first(client, teacher, group_a, school_year):
    response = _get(client, teacher, reverse("dashboards:group_dashboard", args=[group_a.pk]))

    html = unescape(response.content.decode())
    assert "Headroom: how much more absence each pupil can afford" in html
    rows = response.context["headroom"]
    assert rows and {pupil.group_id for pupil, _ in rows} == {group_a.pk}
    assert [h.sort_key for _, h in rows] == sorted(h.sort_key for _, h in rows)
    assert "Before persistent absence (10%)" in html and "Before the penalty-notice threshold" in html
