"""The home page each role lands on: figures per school or per group, year to date, scoped to the user's trust."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from schools.models import Role
from tests.factories import GroupFactory, PupilFactory, SchoolFactory, UserFactory, staff

LAST_MONDAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=False)


def _record(school, pupil, codes):
    """Record `codes` for the pupil, AM then PM, from Monday 16 November."""
    sessions = [(LAST_MONDAY + dt.timedelta(days=n // 2), ("AM", "PM")[n % 2]) for n in range(len(codes))]
    marks = [MarkInput(pupil.pk, day, session, code) for (day, session), code in zip(sessions, codes, strict=True)]
    upsert_marks(school=school, marks=marks, source=Mark.Source.REGISTER)


def _home(client, user):
    client.force_login(user)
    return client.get(reverse("dashboards:home"))


@pytest.fixture
def alpha_figures(school_a, pupil_a):
    """Alpha Primary: Ann Able missed 2 of 10 sessions (PA), Bea Bright attended all 10."""
    _record(school_a, pupil_a, ["/", "\\"] * 4 + ["O", "O"])
    _record(school_a, PupilFactory(school=school_a, legal_surname="Bright", legal_forename="Bea"), ["/", "\\"] * 5)


def test_the_trust_lead_sees_every_school_with_roll_attendance_and_absence_counts(client, lead, trust_a, alpha_figures):
    severe_school = SchoolFactory(trust=trust_a, name="Gamma Junior", urn="300001")
    _record(severe_school, PupilFactory(school=severe_school), ["O", "O", "/", "\\"])
    response = _home(client, lead)
    rows = {s.school.name: s for s in response.context["schools"]}

    assert response.status_code == 200
    alpha, gamma = rows["Alpha Primary"], rows["Gamma Junior"]
    assert (alpha.on_roll, str(alpha.counts.attendance_pct), alpha.persistent, alpha.severe) == (2, "90.0", 1, 0)
    assert (gamma.on_roll, str(gamma.counts.attendance_pct), gamma.persistent, gamma.severe) == (1, "50.0", 1, 1)
    html = response.content.decode()
    assert "All 2 schools" in html
    assert "83.3%" in html  # 20 of 24 sessions across the trust


def test_a_school_with_no_marks_yet_shows_no_percentage(client, lead, school_a, pupil_a):
    response = _home(client, lead)
    [summary] = response.context["schools"]
    assert summary.on_roll == 1 and summary.counts.attendance_pct is None
    assert "–" in response.content.decode()


def test_the_trust_lead_home_runs_at_most_one_more_query_per_school(client, lead, trust_a):
    urns = iter(range(300001, 300010))  # clear of the standing cast's URNs

    def queries_with(schools):
        for _ in range(schools):
            school = SchoolFactory(trust=trust_a, urn=str(next(urns)))
            _record(school, PupilFactory(school=school), ["/", "O"])
        _home(client, lead)  # sign in outside the count
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("dashboards:home"))
        return len(queries)

    two, three = queries_with(2), queries_with(1)
    assert three - two <= 1


def test_the_head_sees_their_school_and_links_to_its_pa_and_sa_pupils(client, head, school_a, alpha_figures):
    response = _home(client, head)
    html = response.content.decode()
    assert [s.school.name for s in response.context["schools"]] == ["Alpha Primary"]
    assert f"{reverse('schools:pupils')}?school={school_a.pk}&amp;absence=pa" in html
    assert f"{reverse('schools:pupils')}?school={school_a.pk}&amp;absence=sa" in html
    assert "Persistently absent pupils" in html and "Severely absent pupils" in html


def test_the_pa_link_from_the_home_page_lists_the_persistently_absent_pupil(client, head, school_a, alpha_figures):
    _home(client, head)
    response = client.get(reverse("schools:pupils"), {"school": school_a.pk, "absence": "pa"})
    assert [row.pupil.legal_surname for row in response.context["listing"].rows] == ["Able"]


@pytest.mark.parametrize("kind", [Role.Kind.ATTENDANCE_LEAD, Role.Kind.ATTENDANCE_OFFICER, Role.Kind.DSL])
def test_other_school_roles_see_their_school_the_same_way(client, school_a, alpha_figures, kind):
    user = staff(school_a.trust, kind, school_a, username=f"{kind}-user")
    response = _home(client, user)
    assert [s.school.name for s in response.context["schools"]] == ["Alpha Primary"]
    assert response.context["groups"] == []


def test_the_head_does_not_see_another_school_of_the_trust(client, head, trust_a):
    SchoolFactory(trust=trust_a, name="Gamma Junior", urn="300001")
    assert "Gamma Junior" not in _home(client, head).content.decode()


def test_a_teacher_sees_their_group_with_each_pupils_attendance(client, teacher, school_a, group_a, pupil_a):
    _record(school_a, pupil_a, ["/", "\\", "/", "O"])
    other_group = GroupFactory(school=school_a, name="6B")
    PupilFactory(school=school_a, group=other_group, legal_surname="Other")
    response = _home(client, teacher)

    [group] = response.context["groups"]
    assert group.group == group_a
    assert [(row.pupil.legal_surname, str(row.counts.attendance_pct)) for row in group.pupils] == [("Able", "75.0")]
    assert response.context["schools"] == []
    html = response.content.decode()
    assert "Group 5A" in html and "75.0%" in html and "Other" not in html


def test_the_outsider_does_not_see_trust_a_on_their_home_page(client, outsider, school_a, alpha_figures):
    response = _home(client, outsider)
    assert [s.school.name for s in response.context["schools"]] == ["Beta Academy"]
    html = response.content.decode()
    assert "Alpha Primary" not in html and "Trust A" not in html


def test_a_user_with_no_trust_sees_a_page_saying_so(client, db):
    response = _home(client, UserFactory(username="loner"))
    assert response.status_code == 403
    assert "Your account has no trust" in response.content.decode()


def test_the_home_page_names_the_trust_and_the_users_roles(client, lead):
    html = _home(client, lead).content.decode()
    assert "Trust A" in html and "Trust lead" in html
