"""Headroom from the database: the year so far (the summaries, topped up from the marks), the school sessions left, and
the penalty-notice window, for a group of pupils in a fixed number of queries; the pupil page's panel and the school's
headroom page, least headroom first."""

import datetime as dt
import json
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.daily import headroom_for_pupils, sessions_left, year_counts
from dashboards.headroom import Spare, Standing, headroom
from interventions.facts import facts_for_school
from interventions.penalty import threshold
from registers.statistics import SessionCounts
from schools.calendar import school_days
from schools.models import Enrolment, Pupil
from tests.factories import EnrolmentFactory, GroupFactory
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_facts import POLICY, able_marks, day, present, pupil_at, record

LONDON = zoneinfo.ZoneInfo("Europe/London")
ON = dt.date(2026, 11, 25)  # a Wednesday: 26 Nov - 18 Dec leaves 17 school days, 34 sessions


@pytest.fixture(autouse=True)
def _wednesday(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 16, 0, tzinfo=LONDON), tick=False)


@pytest.fixture
def school(school_a):
    school_calendar(school_a)
    return school_a


@pytest.fixture
def able(school):
    """24 possible sessions to 25 Nov: 12 missed; 7 G/N/O/U in the 10 school weeks from 14 Sep (test_facts)."""
    pupil = pupil_at(school, "Able")
    record(school, pupil, able_marks())
    return pupil


@pytest.fixture
def mixed(school, able):
    """Beside Able: a pupil present every day so far, a joiner from 1 October with marks before admission, and a
    leaver who left on 16 October."""
    steady = pupil_at(school, "Steady")
    record(school, steady, present(day(9, 7), day(9, 8), day(11, 23), day(11, 24), day(11, 25)))
    joiner = pupil_at(school, "Joiner", enrolled=False)
    EnrolmentFactory(pupil=joiner, school=school, starts=day(10, 1))
    record(school, joiner, {day(9, 28): ("O", "O"), day(10, 1): ("/", "O"), day(11, 24): ("I", "I")})
    leaver = pupil_at(school, "Leaver")
    Enrolment.objects.filter(pupil=leaver).update(ends=day(10, 16))
    record(school, leaver, {day(10, 15): ("O", "O"), day(10, 16): ("/", "\\")})
    return {"steady": steady, "joiner": joiner, "leaver": leaver}


def test_the_year_so_far_equals_the_attendance_command_for_every_pupil(capsys, school, mixed):
    call_command("attendance", school.urn, "--json", "--from", "2026-08-01", "--to", ON.isoformat())
    expected = {row.pop("upn"): row for row in json.loads(capsys.readouterr().out)["pupils"]}
    counted = year_counts(school, Pupil.objects.for_trust(school.trust), ON)

    assert len(expected) == 4
    for pupil in Pupil.objects.for_trust(school.trust):
        counts = counted.get(pupil.pk, SessionCounts()).as_dict()
        assert counts == expected[pupil.upn], pupil.legal_surname


def test_marks_after_the_day_are_not_in_the_year_so_far(school, able):
    assert year_counts(school, [able], ON)[able.pk] == SessionCounts(
        possible=24, present=12, authorised=3, unauthorised=9, late=4
    )
    assert year_counts(school, [able], day(11, 26))[able.pk].possible == 26  # 26 Nov's O O


def test_sessions_left_are_two_for_each_school_day_after_the_day(school):
    assert sessions_left(school, ON) == 34
    assert sessions_left(school, day(12, 18)) == 0


def test_a_pupils_headroom_from_the_database(school, able, mixed):
    figures = headroom_for_pupils(school, Pupil.objects.for_trust(school.trust), ON)
    facts = facts_for_school(school, ON, POLICY)

    # Able: 12 of 24 missed; with 34 sessions left, 5 absences is the most of 58 below 10%: certain.
    assert figures[able.pk].persistent == Spare(0, Standing.CERTAIN)
    assert figures[able.pk].severe == Spare(16, Standing.CLEAR)  # 28 of 58 stays below 50%
    # The same window and count as the engine's 10-week rule: G G U U U N N.
    assert figures[able.pk].penalty.count == facts[able.pk].unauthorised_in_weeks[10] == 7
    assert figures[able.pk].penalty_sessions == 3
    assert figures[able.pk].penalty.first_week == day(9, 14)
    # Steady: 10 present of 10, so (10 + 34 - 1) // 10 = 4 absences to spare.
    assert figures[mixed["steady"].pk].persistent == Spare(4, Standing.CLEAR)
    assert figures[mixed["steady"].pk].penalty_sessions == 10
    # The joiner's O O before admission count for neither.
    joiner = figures[mixed["joiner"].pk]
    assert (joiner.counts.possible, joiner.counts.absent, joiner.penalty.count) == (4, 3, 1)


def test_a_pupil_with_no_marks_has_the_whole_year_to_spare(school):
    pupil = pupil_at(school, "New")
    figures = headroom_for_pupils(school, [pupil.pk], ON)[pupil.pk]
    assert figures.counts == SessionCounts() and figures.persistent == Spare(3, Standing.CLEAR)
    assert figures.penalty_sessions == 10


def test_before_the_first_school_week_there_is_no_penalty_window(school, able):
    figures = headroom_for_pupils(school, [able], dt.date(2026, 8, 20))[able.pk]
    assert figures.penalty is None and figures.penalty_sessions is None


def test_headroom_for_more_pupils_costs_no_more_queries(school, able, mixed):
    def queries(pupils):
        with CaptureQueriesContext(connection) as captured:
            headroom_for_pupils(school, pupils, ON)
        return len(captured)

    assert queries([able]) == queries(list(Pupil.objects.for_trust(school.trust))) == 6


# --- The pages ------------------------------------------------------------------------------------------------------


def test_the_school_page_lists_least_headroom_first(client, head, school, able, mixed):
    client.force_login(head)
    response = client.get(reverse("dashboards:headroom", args=[school.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    # On roll today: Able (PA certain), Joiner, Steady; the leaver has left.
    assert [r.pupil.legal_surname for r in response.context["listing"].rows] == ["Able", "Joiner", "Steady"]
    assert "34 school sessions left after today" in html
    assert "now the weeks from 14 September 2026" in html


def test_the_school_page_downloads_with_the_figures(client, head, school, able):
    client.force_login(head)
    response = client.get(reverse("dashboards:headroom", args=[school.pk]), {"format": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(
        "Sessions to spare before PA,PA certain by year end,Sessions to spare before SA,SA certain by year end,"
        "G/N/O/U sessions in the penalty window,Sessions to the penalty threshold"
    )
    assert lines[1].endswith(",24,12,50.0,0,Y,16,N,7,3")


def test_a_teacher_sees_the_headroom_of_their_own_group_only(client, teacher, school, group_a, able):
    able.group = GroupFactory(school=school, name="6B", year_group="6")
    able.save()
    mine = pupil_at(school, "Mine", group=group_a)
    client.force_login(teacher)
    response = client.get(reverse("dashboards:headroom", args=[school.pk]))
    assert [r.pupil for r in response.context["listing"].rows] == [mine]


def test_the_pupil_page_loads_the_headroom_panel(client, head, school, able):
    client.force_login(head)
    page = client.get(reverse("schools:pupil", args=[able.pk])).content.decode()
    url = reverse("dashboards:pupil_headroom", args=[able.pk])
    assert f'hx-get="{url}"' in page and f'href="{url}"' in page

    panel = client.get(url, headers={"HX-Request": "true"})
    html = panel.content.decode()
    assert panel.status_code == 200 and "<html" not in html
    assert "missed 12 of 24 possible sessions so far, with 34 school sessions left" in html
    assert "persistently absent at year end even attending every session left" in html
    assert "3</strong> more unauthorised sessions (G, N, O, U) in the current 10 school weeks" in html
    whole = client.get(url).content.decode()
    assert "<html" in whole and "Able" in whole


def test_a_pupil_not_on_roll_today_has_no_headroom_to_show(client, head, school, mixed):
    client.force_login(head)
    html = client.get(reverse("dashboards:pupil_headroom", args=[mixed["leaver"].pk])).content.decode()
    assert "is not on roll at a school today" in html


def test_another_trusts_pupil_and_another_groups_pupil_are_404(client, outsider, teacher, school, able):
    client.force_login(outsider)
    assert client.get(reverse("dashboards:pupil_headroom", args=[able.pk])).status_code == 404
    client.force_login(teacher)  # Able has no group, so is not in the teacher's
    assert client.get(reverse("dashboards:pupil_headroom", args=[able.pk])).status_code == 404


def test_the_school_page_costs_the_same_queries_however_many_pupils(client, head, school, able):
    def queries():
        client.force_login(head)
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("dashboards:headroom", args=[school.pk]))
        return len(captured)

    before = queries()
    for n in range(3):
        record(school, pupil_at(school, f"More{n}"), {day(11, 16): ("O", "O"), day(11, 17): ("/", "\\")})
    assert queries() == before


def test_the_include_for_other_pages_says_each_line_in_words():
    days = school_days([(day(9, 2), day(10, 23))])
    check = threshold(days, [(day(10, 19), "AM", "O")], day(10, 21))
    figures = headroom(SessionCounts(possible=60, present=54, unauthorised=6), sessions_left=4, penalty=check)

    html = " ".join(render_to_string("dashboards/daily/_headroom.html", {"headroom": figures}).split())
    assert "<strong>0</strong> more sessions (0 days) this year" in html  # 6 of 64 is 9.4%; one more is 10.9%
    assert "<strong>4</strong> sessions: could miss every session left and stay below 50%" in html
    assert "<strong>9</strong> more unauthorised sessions (G, N, O, U) in the current 10 school weeks" in html
    compact = render_to_string("dashboards/daily/_headroom.html", {"headroom": figures, "compact": True})
    assert "Before severe absence" not in compact and "Before persistent absence" in compact
