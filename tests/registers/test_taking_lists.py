"""My registers and the office's missing registers: the state of each register, reminders once per session."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from registers.taking import record_taking_if_complete
from schools.models import Notification, Role
from schools.services import rebuild_school_days
from tests.factories import GroupFactory, HalfTermFactory, PupilFactory, SchoolFactory, staff

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 23)  # a Monday


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(TODAY, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _morning(time_machine):
    time_machine.move_to(_at(9, 20), tick=False)


@pytest.fixture
def officer(school_a):
    return staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a, username="officer")


def _tutor(school, username, first, last):
    user = staff(school.trust, Role.Kind.TEACHER, school, username=username)
    user.first_name, user.last_name = first, last
    user.save()
    return user


@pytest.fixture
def school(school_a):
    """Alpha Primary's autumn term as school days, and three groups: 5A and 6A with pupils, 6B with none."""
    HalfTermFactory(school=school_a, name="Autumn 2", starts=dt.date(2026, 11, 2), ends=dt.date(2026, 12, 18))
    rebuild_school_days(school_a)
    return school_a


@pytest.fixture
def groups(school, group_a, teacher):
    teacher.first_name, teacher.last_name = "Tina", "Tutor"
    teacher.save()
    six_a = GroupFactory(school=school, name="6A", year_group="6")
    six_a.tutors.add(_tutor(school, "sam", "Sam", "Smith"), _tutor(school, "una", "Una", "Ure"))
    empty = GroupFactory(school=school, name="6B", year_group="6")
    empty.tutors.add(_tutor(school, "vic", "Vic", "Vale"))
    for group in (group_a, six_a):
        for _ in range(2):
            PupilFactory(school=school, group=group)
    return {"5A": group_a, "6A": six_a, "6B": empty}


def _take(group, day=TODAY, session="AM", by=None):
    """Mark every pupil of the group present through the register, which takes it."""
    marks = [MarkInput(p.pk, day, session, "/") for p in group.pupils.all()]
    upsert_marks(school=group.school, marks=marks, source=Mark.Source.REGISTER, recorded_by=by)
    record_taking_if_complete(group, day, session, by)


def _missing_url(school, **params):
    query = "&".join(f"{k}={v}" for k, v in {"school": school.pk, **params}.items())
    return f"{reverse('registers:take_missing')}?{query}"


def _remind(client, school, group=None, session="AM", htmx=False):
    data = {"school": school.pk, "date": TODAY.isoformat(), "session": session}
    if group:
        data["group"] = group.pk
    return client.post(reverse("registers:take_remind"), data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))


# --- Missing registers -------------------------------------------------------------------------------------------


def test_missing_registers_lists_the_groups_not_taken_with_their_tutors(client, officer, groups, school):
    _take(groups["5A"], by=officer)
    client.force_login(officer)

    response = client.get(_missing_url(school, date=TODAY, session="AM"))

    registers = response.context["registers"]
    assert [line.group.name for line in registers.missing] == ["6A"]
    assert registers.missing[0].tutors == ["Sam Smith", "Una Ure"]
    assert [line.group.name for line in registers.taken] == ["5A"]
    html = response.content.decode()
    assert "Sam Smith, Una Ure" in html
    assert "6B" not in html, "a group with nobody on roll has no register"
    assert reverse("registers:take_register", args=[groups["6A"].pk, TODAY, "AM"]) in html, "take it now"


def test_missing_registers_defaults_to_the_current_session_of_the_users_school(client, officer, groups, time_machine):
    client.force_login(officer)
    assert client.get(reverse("registers:take_missing")).context["registers"].session == "AM"
    time_machine.move_to(_at(13, 40))
    registers = client.get(reverse("registers:take_missing")).context["registers"]
    assert (registers.session, registers.date) == ("PM", TODAY)
    assert {line.group.name for line in registers.missing} == {"5A", "6A"}


def test_before_roll_call_the_list_says_the_registers_are_not_due_yet(client, officer, groups, time_machine):
    time_machine.move_to(_at(8, 0))
    client.force_login(officer)
    assert "not due yet" in client.get(reverse("registers:take_missing")).content.decode()


def test_a_weekend_has_no_missing_registers(client, officer, groups, school):
    client.force_login(officer)
    response = client.get(_missing_url(school, date="2026-11-21", session="AM"))
    assert response.context["registers"].missing == []
    assert "not a school day" in response.content.decode()


def test_missing_registers_are_only_for_the_office(client, teacher, groups, school):
    client.force_login(teacher)
    assert client.get(reverse("registers:take_missing")).status_code == 403
    assert client.get(_missing_url(school)).status_code == 404
    assert _remind(client, school).status_code == 404
    assert not Notification.objects.exists()


def test_another_trusts_school_is_404_for_missing_registers_and_reminders(client, outsider, groups, school):
    client.force_login(outsider)
    assert client.get(_missing_url(school)).status_code == 404
    assert _remind(client, school).status_code == 404
    assert not Notification.objects.exists()


def test_a_group_of_another_school_cannot_be_reminded_through_this_one(client, officer, groups, school, trust_a):
    other = GroupFactory(school=SchoolFactory(trust=trust_a), name="9Z")
    client.force_login(officer)
    assert _remind(client, school, group=other).status_code == 400
    assert not Notification.objects.exists()


# --- Reminders ---------------------------------------------------------------------------------------------------


def test_a_reminder_goes_to_each_tutor_of_the_group_once_per_session(client, officer, groups, school):
    client.force_login(officer)

    first = _remind(client, school, group=groups["6A"], htmx=True)
    again = _remind(client, school, group=groups["6A"], htmx=True)

    reminders = Notification.objects.filter(kind=Notification.Kind.REGISTER_REMINDER)
    assert sorted(reminders.values_list("recipient__username", flat=True)) == ["sam", "una"]
    reminder = reminders.first()
    assert reminder.url == reverse("registers:take_register", args=[groups["6A"].pk, TODAY, "AM"])
    assert reminder.message == "Please take the 6A morning register for Monday 23 November: it has not been taken yet."
    assert (reminder.school, reminder.trust, reminder.created_by) == (school, school.trust, officer)
    assert "Reminder sent to 2 teachers (1 group)." in first.content.decode()
    assert "1 group was reminded already: nothing was sent again." in again.content.decode()
    assert first.content.decode().lstrip().startswith('<section id="missing"'), "htmx gets the list, not a page"


def test_send_reminders_to_all_reminds_every_missing_register_and_skips_those_taken(client, officer, groups, school):
    _take(groups["5A"], by=officer)
    client.force_login(officer)

    response = _remind(client, school)

    assert response.status_code == 302
    assert response["Location"] == _missing_url(school, date=TODAY.isoformat(), session="AM")
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["sam", "una"]
    _remind(client, school)
    assert Notification.objects.count() == 2


def test_the_afternoon_register_is_reminded_separately_from_the_morning(client, officer, groups, school):
    client.force_login(officer)
    _remind(client, school, group=groups["5A"])
    _remind(client, school, group=groups["5A"], session="PM")
    assert Notification.objects.filter(recipient__username="teacher").count() == 2


def test_a_teacher_sees_their_unread_reminders_until_the_register_is_taken(client, officer, teacher, groups, school):
    client.force_login(officer)
    _remind(client, school, group=groups["5A"])
    client.force_login(teacher)

    before = client.get(reverse("registers:take_index")).content.decode()
    client.post(reverse("registers:take_all_present", args=[groups["5A"].pk, TODAY, "AM"]))
    after = client.get(reverse("registers:take_index")).content.decode()

    assert "Please take the 5A morning register for Monday 23 November" in before
    assert "Reminder from the office" in before
    assert "Please take the 5A morning register" not in after
    assert Notification.objects.get(recipient=teacher).read_at is not None


def test_another_teachers_reminders_are_not_shown(client, officer, teacher, groups, school):
    client.force_login(officer)
    _remind(client, school, group=groups["6A"])
    client.force_login(teacher)
    assert "Please take" not in client.get(reverse("registers:take_index")).content.decode()


# --- My registers ------------------------------------------------------------------------------------------------


def test_my_registers_lists_the_teachers_groups_for_the_current_session_with_their_state(
    client, teacher, groups, time_machine
):
    client.force_login(teacher)
    morning = client.get(reverse("registers:take_index"))
    _take(groups["5A"], by=teacher)
    taken = client.get(reverse("registers:take_index")).content.decode()
    time_machine.move_to(_at(13, 5))
    afternoon = client.get(reverse("registers:take_index"))

    page = morning.context["page"]
    assert (page.date, page.session) == (TODAY, "AM")
    assert [line.group.name for line in page.groups] == ["5A"]
    assert (page.groups[0].on_roll, page.groups[0].marked, page.groups[0].taking) == (2, 0, None)
    assert "Not taken" in morning.content.decode()
    assert 'Taken</span> <span class="muted">by Tina Tutor at 09:20' in taken
    assert afternoon.context["page"].session == "PM"
    assert "Not taken" in afternoon.content.decode()
    assert not page.office_schools, "a teacher runs no office"


def test_my_registers_shows_a_chosen_day_and_says_when_it_is_not_a_school_day(client, teacher, groups):
    client.force_login(teacher)
    response = client.get(reverse("registers:take_index"), {"date": "2026-11-21", "session": "PM"})
    assert (response.context["page"].date, response.context["page"].session) == (dt.date(2026, 11, 21), "PM")
    assert "Not a school day" in response.content.decode()


def test_my_registers_gives_the_office_the_count_of_missing_registers(client, officer, groups, school):
    _take(groups["6A"], by=officer)
    client.force_login(officer)
    response = client.get(reverse("registers:take_index"))
    [office] = response.context["page"].office_schools
    assert (office, office.missing) == (school, 1)
    assert "Missing registers: 1" in response.content.decode()


def test_a_teacher_with_no_group_is_told_so(client, school):
    loner = _tutor(school, "loner", "Lee", "Loner")
    client.force_login(loner)
    assert (
        "You are not the tutor of any registration group"
        in client.get(reverse("registers:take_index")).content.decode()
    )


# --- Query counts ------------------------------------------------------------------------------------------------


def _add_groups(school, tutor, count):
    for _ in range(count):
        group = GroupFactory(school=school)
        group.tutors.add(tutor, _tutor(school, f"t{group.pk}", "Tess", f"T{group.pk}"))
        for _ in range(2):
            PupilFactory(school=school, group=group)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["registers:take_index", "registers:take_missing"])
def test_a_list_of_registers_costs_the_same_queries_for_three_groups_as_for_six(client, officer, school, name):
    client.force_login(officer)
    _add_groups(school, officer, 3)
    three = _queries(client, reverse(name))
    _add_groups(school, officer, 3)
    assert _queries(client, reverse(name)) == three
