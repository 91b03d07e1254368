"""The school list, the pupil list and the pupil page: scoping, filters, figures, calendar, history and sign-in."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from schools.models import Closure, Enrolment, Role
from schools.queries import calendar_grid
from schools.services import rebuild_school_days
from tests.factories import (
    GroupFactory,
    HalfTermFactory,
    PupilContactFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
    staff,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 23)  # a Monday
LAST_WEEK = [TODAY - dt.timedelta(days=7 - n) for n in range(5)]  # Monday 16 to Friday 20 November
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=LONDON), tick=False)


def _calendar(school):
    """Autumn 2026 with an INSET day on Friday 20 November, as SchoolDay rows."""
    HalfTermFactory(school=school, name="Autumn 1", starts=dt.date(2026, 9, 2), ends=dt.date(2026, 10, 23))
    HalfTermFactory(school=school, name="Autumn 2", starts=dt.date(2026, 11, 2), ends=dt.date(2026, 12, 18))
    Closure.objects.create(
        trust=school.trust, school=school, kind="inset", name="INSET", starts=LAST_WEEK[4], ends=LAST_WEEK[4]
    )
    rebuild_school_days(school)


def _record(school, pupil, codes, by=None, reason="", days=LAST_WEEK):
    """Record `codes` for the pupil, AM then PM, day by day from `days[0]`."""
    sessions = [(day, session) for day in days for session in ("AM", "PM")]
    marks = [MarkInput(pupil.pk, day, session, code) for (day, session), code in zip(sessions, codes, strict=False)]
    return upsert_marks(school=school, marks=marks, source=Mark.Source.REGISTER, recorded_by=by, reason=reason)


def _page(client, user, url, **headers):
    client.force_login(user)
    return client.get(url, **headers)


# --- Signing in ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dashboards:home", "schools:list", "schools:pupils"])
def test_a_signed_out_visitor_is_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_sign_in_page_renders_with_a_skip_link_and_local_htmx(client, db):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#main"' in html and 'id="main"' in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "https://" not in html.split("<body")[0], "nothing in the head may load from another server"


def test_htmx_and_the_stylesheet_are_served_from_our_own_static_files(client, db):
    for path in ("/static/django_htmx/htmx-2.min.js", "/static/css/app.css"):
        assert client.get(path).status_code == 200, path


def test_a_correct_password_signs_in_and_lands_on_home(client, head):
    response = client.post(reverse("login"), {"username": "head", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:home")


def test_five_failures_lock_that_username_on_that_network_but_not_another_username(client, head, teacher):
    for _ in range(5):
        client.post(reverse("login"), {"username": "head", "password": "wrong password"})

    locked = client.post(reverse("login"), {"username": "head", "password": PASSWORD})
    other = client.post(reverse("login"), {"username": "teacher", "password": PASSWORD})

    assert locked.status_code == 429
    assert "Too many failed sign-in attempts for this username from this network" in locked.content.decode()
    assert other.status_code == 302 and other["Location"] == reverse("dashboards:home")


def test_four_failures_do_not_lock_the_username(client, head):
    for _ in range(4):
        client.post(reverse("login"), {"username": "head", "password": "wrong password"})
    assert client.post(reverse("login"), {"username": "head", "password": PASSWORD}).status_code == 302


def test_the_header_names_the_trust_and_the_users_roles_and_signs_out_by_post(client, head):
    html = _page(client, head, reverse("schools:list")).content.decode()
    assert "Trust A" in html
    assert "Headteacher, Alpha Primary" in html
    assert f'method="post" action="{reverse("logout")}"' in html
    assert "X-CSRFToken" in html


# --- The school list ----------------------------------------------------------------------------------------------


def test_the_school_list_shows_the_users_school_with_pupils_on_roll(client, head, pupil_a):
    response = _page(client, head, reverse("schools:list"))
    assert response.status_code == 200
    assert [s.name for s in response.context["schools"]] == ["Alpha Primary"]
    assert response.context["schools"][0].on_roll == 1


def test_the_outsider_does_not_see_trust_a_schools(client, outsider, school_a):
    response = _page(client, outsider, reverse("schools:list"))
    assert "Alpha Primary" not in response.content.decode()
    assert [s.name for s in response.context["schools"]] == ["Beta Academy"]


def test_a_head_does_not_see_another_school_of_the_same_trust(client, head, trust_a):
    SchoolFactory(trust=trust_a, name="Gamma Junior", urn="300001")
    response = _page(client, head, reverse("schools:list"))
    assert "Gamma Junior" not in response.content.decode()


# --- The pupil list -----------------------------------------------------------------------------------------------


def _names(response):
    return [row.pupil.legal_surname for row in response.context["listing"].rows]


def test_the_head_sees_every_pupil_of_their_school(client, head, school_a, pupil_a):
    PupilFactory(school=school_a, legal_surname="Brown")
    response = _page(client, head, reverse("schools:pupils"))
    assert response.status_code == 200
    assert _names(response) == ["Able", "Brown"]


def test_the_outsider_does_not_see_trust_a_pupils(client, outsider, pupil_a, pupil_b):
    response = _page(client, outsider, reverse("schools:pupils"))
    assert _names(response) == ["Baker"]
    assert "Able" not in response.content.decode()


def test_a_teacher_sees_only_the_pupils_of_their_group(client, teacher, school_a, pupil_a):
    other_group = GroupFactory(school=school_a, name="6B", year_group="6")
    PupilFactory(school=school_a, group=other_group, legal_surname="Other")
    response = _page(client, teacher, reverse("schools:pupils"))
    assert _names(response) == ["Able"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("able", ["Able"]),
        ("Ann Able", ["Able"]),
        ("A100000000001", ["Able"]),
        ("cole", ["Cole"]),
        ("nobody", []),
    ],
)
def test_the_search_matches_names_and_upn(client, head, school_a, pupil_a, query, expected):
    PupilFactory(school=school_a, legal_surname="Cole", legal_forename="Cat", upn="C300000000003")
    response = _page(client, head, reverse("schools:pupils") + f"?q={query}")
    assert _names(response) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("year=6", ["Sixer"]),
        ("fsm=on", ["Meals"]),
        ("eal=on", ["Lingo"]),
        ("sen=any", ["Plan", "Support"]),
        ("sen=E", ["Plan"]),
        ("safeguarding=on", ["Cared"]),
        ("year=5&fsm=on", ["Meals"]),
    ],
)
def test_the_filters_narrow_the_list(client, head, school_a, params, expected):
    PupilFactory(school=school_a, legal_surname="Sixer", year_group="6")
    PupilFactory(school=school_a, legal_surname="Meals", fsm=True)
    PupilFactory(school=school_a, legal_surname="Lingo", eal=True)
    PupilFactory(school=school_a, legal_surname="Support", sen="K")
    PupilFactory(school=school_a, legal_surname="Plan", sen="E")
    PupilFactory(school=school_a, legal_surname="Cared", looked_after=True)
    response = _page(client, head, reverse("schools:pupils") + "?" + params)
    assert _names(response) == expected


def test_the_group_filter_shows_that_group_only(client, head, school_a, group_a, pupil_a):
    PupilFactory(school=school_a, group=GroupFactory(school=school_a, name="6B"), legal_surname="Other")
    response = _page(client, head, reverse("schools:pupils") + f"?group={group_a.pk}")
    assert _names(response) == ["Able"]


def test_another_trusts_group_is_not_a_valid_filter(client, head, school_b, pupil_a):
    foreign = GroupFactory(school=school_b, name="9Z")
    response = _page(client, head, reverse("schools:pupils") + f"?group={foreign.pk}")
    assert "9Z" not in response.content.decode()
    assert "Some filters were not understood" in response.content.decode()
    assert _names(response) == ["Able"]


def test_persistent_and_severe_absence_filters_use_the_year_to_date_figures(client, head, school_a, pupil_a):
    persistent = PupilFactory(school=school_a, legal_surname="Persistent")
    severe = PupilFactory(school=school_a, legal_surname="Severe")
    _record(school_a, pupil_a, ["/"] * 8)
    _record(school_a, persistent, ["/"] * 7 + ["O"])  # 1 of 8 missed: 12.5%
    _record(school_a, severe, ["/"] * 4 + ["I"] * 4)  # 4 of 8 missed: 50%
    pa = _page(client, head, reverse("schools:pupils") + "?absence=pa")
    sa = _page(client, head, reverse("schools:pupils") + "?absence=sa")
    assert _names(pa) == ["Persistent", "Severe"]
    assert _names(sa) == ["Severe"]
    assert [str(row.counts.attendance_pct) for row in pa.context["listing"].rows] == ["87.5", "50.0"]


def test_marks_from_last_academic_year_do_not_make_a_pupil_persistently_absent(client, head, school_a):
    pupil = PupilFactory(school=school_a, enrolled=False)
    Enrolment.objects.create(trust=school_a.trust, pupil=pupil, school=school_a, starts=dt.date(2025, 9, 1))
    july = [dt.date(2026, 7, 13) + dt.timedelta(days=n) for n in range(5)]
    _record(school_a, pupil, ["O"] * 10, days=july)
    _record(school_a, pupil, ["/"] * 10)
    response = _page(client, head, reverse("schools:pupils") + "?absence=pa")
    assert _names(response) == []


def test_an_htmx_filter_change_swaps_only_the_results(client, head, pupil_a):
    response = _page(client, head, reverse("schools:pupils") + "?q=able", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="pupil-results"')
    assert "<html" not in html and "Able" in html
    assert "HX-Request" in response["Vary"]


def test_without_htmx_the_same_url_renders_the_whole_page(client, head, pupil_a):
    html = _page(client, head, reverse("schools:pupils") + "?q=able").content.decode()
    assert "<html" in html and 'id="pupil-results"' in html and 'value="able"' in html


def test_no_matching_pupils_shows_a_way_back(client, head, pupil_a):
    html = _page(client, head, reverse("schools:pupils") + "?q=zzz").content.decode()
    assert "No pupils match these filters." in html


def test_the_list_is_paged_and_the_page_links_keep_the_filters(client, head, school_a):
    for n in range(51):
        PupilFactory(school=school_a, legal_surname=f"Pupil{n:02d}", year_group="5")
    first = _page(client, head, reverse("schools:pupils") + "?year=5")
    second = client.get(reverse("schools:pupils") + "?year=5&page=2")
    assert len(first.context["listing"].rows) == 50
    assert "?year=5&amp;page=2" in first.content.decode()
    assert _names(second) == ["Pupil50"]


def _pupil_list_queries(client, head, group, add):
    """Add `add` FSM pupils in `group` with one absence each; return the filtered list's query count and rows."""
    for _ in range(add):
        _record(group.school, PupilFactory(school=group.school, group=group, fsm=True), ["/", "O"])
    client.force_login(head)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("schools:pupils") + "?absence=pa&fsm=on")
    return len(queries), len(response.context["listing"].rows)


def test_the_pupil_list_runs_the_same_number_of_queries_for_three_or_six_pupils(client, head, group_a):
    queries_for_three, three = _pupil_list_queries(client, head, group_a, add=3)
    queries_for_six, six = _pupil_list_queries(client, head, group_a, add=3)
    assert (three, six) == (3, 6)
    assert queries_for_three == queries_for_six


# --- The pupil page -----------------------------------------------------------------------------------------------


def test_the_pupil_page_opens_for_the_head_teacher_and_trust_lead(client, head, teacher, lead, pupil_a):
    url = reverse("schools:pupil", args=[pupil_a.pk])
    for user in (head, teacher, lead):
        assert _page(client, user, url).status_code == 200, user.username


def test_the_outsider_gets_404_for_a_trust_a_pupil(client, outsider, pupil_a):
    assert _page(client, outsider, reverse("schools:pupil", args=[pupil_a.pk])).status_code == 404


def test_a_teacher_gets_404_for_a_pupil_in_another_group_of_their_school(client, teacher, school_a):
    other = PupilFactory(school=school_a, group=GroupFactory(school=school_a, name="6B"))
    assert _page(client, teacher, reverse("schools:pupil", args=[other.pk])).status_code == 404


def test_a_head_gets_404_for_a_pupil_at_another_school_of_the_trust(client, head, trust_a):
    elsewhere = PupilFactory(school=SchoolFactory(trust=trust_a, urn="300002"))
    assert _page(client, head, reverse("schools:pupil", args=[elsewhere.pk])).status_code == 404


def test_the_pupil_page_shows_details_contacts_and_enrolments(client, head, pupil_a):
    PupilContactFactory(pupil=pupil_a, contact__name="Mary Able", contact__phone="07700 900456")
    html = _page(client, head, reverse("schools:pupil", args=[pupil_a.pk])).content.decode()
    assert "A100000000001" in html
    assert "Mary Able" in html and 'href="tel:07700900456"' in html
    assert "Alpha Primary" in html and "On roll" in html


def test_the_pupil_page_shows_year_to_date_statistics(client, head, school_a, pupil_a):
    _record(school_a, pupil_a, ["/", "\\", "L", "\\", "I", "I", "O", "U", "/", "\\"])
    response = _page(client, head, reverse("schools:pupil", args=[pupil_a.pk]))
    counts = response.context["page"].counts
    html = response.content.decode()
    assert (counts.possible, counts.attended, counts.authorised, counts.unauthorised, counts.late) == (10, 6, 2, 2, 2)
    assert "60.0%" in html
    assert "Attended 6 out of a possible 10 sessions." in html
    assert 'class="badge badge--pa"' in html


def test_the_calendar_colours_each_code_by_category_and_greys_the_inset_day(client, head, school_a, pupil_a):
    _calendar(school_a)
    _record(school_a, pupil_a, ["/", "\\", "I", "O", "V", "\\", "X", "\\"])  # Monday to Thursday
    html = _page(client, head, reverse("schools:pupil", args=[pupil_a.pk])).content.decode()
    assert 'class="cal__cell cat-present cal__cell--am" title="Mon 16 Nov AM: /' in html
    assert 'class="cal__cell cat-authorised cal__cell--am" title="Tue 17 Nov AM: I' in html
    assert 'class="cal__cell cat-unauthorised" title="Tue 17 Nov PM: O' in html
    assert 'class="cal__cell cat-approved_activity cal__cell--am" title="Wed 18 Nov AM: V' in html
    assert 'class="cal__cell cat-not_possible cal__cell--am" title="Thu 19 Nov AM: X' in html
    assert 'title="Fri 20 Nov: not a school day"' in html


def test_the_calendar_has_one_row_per_school_week_and_skips_the_half_term_holiday(client, head, school_a, pupil_a):
    _calendar(school_a)
    weeks = _page(client, head, reverse("schools:pupil", args=[pupil_a.pk])).context["page"].weeks
    mondays = [w.monday for w in weeks]
    assert mondays[0] == dt.date(2026, 8, 31)  # term starts Wednesday 2 September
    assert dt.date(2026, 10, 26) not in mondays  # half-term week
    assert mondays[-1] == TODAY  # this week, its remaining days still to come


def test_the_pupil_page_shows_a_corrected_mark_with_old_and_new_code_who_and_why(client, head, school_a, pupil_a):
    officer = staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a, username="officer")
    officer.first_name, officer.last_name = "Olive", "Officer"
    officer.save()
    _record(school_a, pupil_a, ["N"], by=head)
    _record(school_a, pupil_a, ["I"], by=officer, reason="Mother phoned: chickenpox")

    html = _page(client, head, reverse("schools:pupil", args=[pupil_a.pk])).content.decode()
    history = html[html.index('id="history-heading"') :]

    assert "Mon 16 Nov AM" in history
    assert '<span class="code cat-unauthorised">N</span> → <span class="code cat-authorised">I</span>' in history
    assert "Olive Officer" in history and "Mother phoned: chickenpox" in history
    assert '<span class="muted">new</span> → <span class="code cat-unauthorised">N</span>' in history
    assert history.index("chickenpox") < history.index('<span class="muted">new</span>'), "newest first"


def test_a_deleted_mark_is_shown_as_deleted_in_the_history(client, head, school_a, pupil_a):
    _record(school_a, pupil_a, ["O"], by=head)
    Mark.objects.filter(pupil=pupil_a).delete()
    html = _page(client, head, reverse("schools:pupil", args=[pupil_a.pk])).content.decode()
    assert '<span class="code cat-unauthorised">O</span> → <strong>deleted</strong>' in html


def test_a_user_with_no_trust_is_told_so_instead_of_seeing_pages(client, db):
    loner = UserFactory(username="loner")
    response = _page(client, loner, reverse("schools:pupils"))
    assert response.status_code == 403
    assert "Your account has no trust" in response.content.decode()


# --- The calendar grid as plain values ----------------------------------------------------------------------------


def test_the_grid_marks_future_days_and_non_school_days():
    monday = dt.date(2026, 11, 16)
    school_days = [monday + dt.timedelta(days=n) for n in range(4)]  # Friday is an INSET day
    grid = calendar_grid(school_days, {(monday, "AM"): "/", (monday, "PM"): "N"}, today=monday + dt.timedelta(days=1))
    [week] = grid
    cells = {(d.date.weekday(), s.session): (s.code, s.category) for d in week.days for s in d.sessions}
    assert cells[(0, "AM")] == ("/", "present") and cells[(0, "PM")] == ("N", "unauthorised")
    assert [d.is_future for d in week.days] == [False, False, True, True, True]
    assert [d.is_school_day for d in week.days] == [True, True, True, True, False]


def test_a_mark_outside_the_calendar_still_gets_its_week():
    saturday_week = dt.date(2026, 9, 7)
    grid = calendar_grid([], {(saturday_week, "AM"): "/"}, today=dt.date(2026, 11, 23))
    assert [w.monday for w in grid] == [saturday_week]
    assert grid[0].days[0].is_school_day is False and grid[0].days[0].sessions[0].code == "/"
