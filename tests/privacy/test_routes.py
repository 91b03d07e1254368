"""The table of logged routes: which requests are logged, as what, and the detail a row carries."""

import pytest

from privacy import routes


@pytest.mark.parametrize(
    ("view_name", "kind"),
    [
        ("schools:pupil", routes.VIEW),
        ("interventions:case", routes.VIEW),
        ("interventions:family", routes.VIEW),
        ("letters:letter_pdf", routes.PDF),
        ("letters:batch_pdf", routes.PDF),
        ("registers:attendance_csv", routes.EXPORT),
        ("api:pupil-list", routes.API),
        ("api:pupil-detail", routes.API),
        ("api:contact-list", routes.API),
        ("api:mark-list", routes.API),
        ("privacy:subject_access", routes.SUBJECT_ACCESS),
    ],
)
def test_pupil_data_routes_are_logged_as_their_kind(view_name, kind):
    assert routes.route_for(view_name, {}).kind == kind


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_dashboard_is_logged_only_when_it_is_downloaded(fmt):
    assert routes.route_for("dashboards:school_pupils", {}) is None
    assert routes.route_for("dashboards:school_pupils", {"format": "html"}) is None
    assert routes.route_for("dashboards:school_pupils", {"format": fmt}).kind == routes.EXPORT


@pytest.mark.parametrize("view_name", ["dashboards:home", "schools:list", "registers:take_index", None, ""])
def test_pages_without_pupil_data_are_not_logged(view_name):
    assert routes.route_for(view_name, {}) is None


def test_the_detail_names_the_filters_and_the_rows_taken_but_not_the_page():
    detail = routes.describe({"format": "csv", "year": "5", "page": "3", "q": ""}, rows=12)
    assert detail == "format=csv year=5; 12 rows"


def test_the_detail_is_cut_to_fit_its_column():
    assert len(routes.describe({"q": "x" * 1000})) == routes.DETAIL_LENGTH
