"""Taking a register: who may, which pupils it shows, marking all present, exceptions, and the reason rules."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registers import taking
from registers.history import history_for_pupil
from registers.models import Mark, RegisterTaking
from registers.services import MarkInput, upsert_marks
from registers.taking import AMENDED_WHILE_OPEN, Edit, codes_by_category, current_session, edit_kind
from schools.models import Enrolment, Role
from schools.services import rebuild_school_days
from tests.factories import GroupFactory, HalfTermFactory, PupilFactory, staff

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 23)  # a Monday; Alpha Primary's morning register is open until 09:15
SATURDAY = dt.date(2026, 11, 21)


def _at(hour: int, minute: int = 0, day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _morning(time_machine):
    time_machine.move_to(_at(8, 50), tick=False)


@pytest.fixture
def school_days(school_a):
    HalfTermFactory(school=school_a, name="Autumn 2", starts=dt.date(2026, 11, 2), ends=dt.date(2026, 12, 18))
    rebuild_school_days(school_a)


@pytest.fixture
def officer(school_a):
    user = staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a, username="officer")
    user.first_name, user.last_name = "Olive", "Officer"
    user.save()
    return user


@pytest.fixture
def pupils(school_a, group_a, pupil_a, school_days):
    """Ann Able (pupil_a) and two more pupils of 5A, in surname order."""
    return [
        pupil_a,
        PupilFactory(school=school_a, group=group_a, legal_surname="Baker", legal_forename="Bea"),
        PupilFactory(school=school_a, group=group_a, legal_surname="Cole", legal_forename="Cal"),
    ]


def _url(name, group, day=TODAY, session="AM", **more):
    return reverse(f"registers:{name}", kwargs={"group_id": group.pk, "day": day, "session": session, **more})


def _row(pupil, code, minutes_late="", note="", reason=""):
    prefix = f"p{pupil.pk}"
    return {
        f"{prefix}-code": code,
        f"{prefix}-minutes_late": minutes_late,
        f"{prefix}-note": note,
        f"{prefix}-reason": reason,
    }


def _save_row(client, group, pupil, code, session="AM", **fields):
    url = _url("take_pupil", group, session=session, pupil_id=pupil.pk)
    return client.post(url, _row(pupil, code, **fields), HTTP_HX_REQUEST="true")


def _codes(session="AM"):
    return dict(Mark.objects.filter(date=TODAY, session=session).values_list("pupil__legal_surname", "code"))


def _office_mark(school, pupil, code, by, reason="Mother phoned: chickenpox", session="AM"):
    upsert_marks(
        school=school,
        marks=[MarkInput(pupil.pk, TODAY, session, code)],
        source=Mark.Source.OFFICE,
        recorded_by=by,
        reason=reason,
    )


# --- Rules -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marked", "by_register", "code_changes", "register_open", "by_office", "expected"),
    [
        (False, False, True, True, False, Edit.FREE),  # a first mark
        (False, False, True, False, False, Edit.FREE),  # a first mark after close (a late register) needs no reason
        (True, True, True, True, False, Edit.AMEND),  # the register's own code, still open
        (True, True, True, False, False, Edit.NEEDS_REASON),  # the register's own code, after close
        (True, True, False, False, False, Edit.FREE),  # only the note or minutes change
        (True, False, True, True, False, Edit.LOCKED),  # a teacher and the office's code
        (True, False, False, True, False, Edit.LOCKED),  # not even a note on it
        (True, False, True, True, True, Edit.NEEDS_REASON),  # the office changes its own kind of code
        (True, True, True, True, True, Edit.AMEND),  # the office amends the register's code while open
        (True, True, True, False, True, Edit.NEEDS_REASON),
    ],
)
def test_each_kind_of_change_from_the_register_follows_the_rule(
    marked, by_register, code_changes, register_open, by_office, expected
):
    kind = edit_kind(
        marked=marked,
        by_register=by_register,
        code_changes=code_changes,
        register_open=register_open,
        by_office=by_office,
    )
    assert kind is expected


@pytest.mark.parametrize(
    ("now", "pm_starts", "expected"),
    [
        (dt.time(7, 30), dt.time(13, 15), "AM"),
        (dt.time(11, 59), dt.time(13, 15), "AM"),
        (dt.time(12, 0), dt.time(13, 15), "PM"),
        (dt.time(11, 50), dt.time(11, 45), "PM"),  # an early afternoon start
        (dt.time(16, 0), dt.time(13, 15), "PM"),
    ],
)
def test_the_current_session_turns_to_the_afternoon_at_midday_or_an_earlier_afternoon_start(now, pm_starts, expected):
    assert current_session(now, pm_starts) == expected


@pytest.mark.parametrize(("session", "present", "other"), [("AM", "/", "\\"), ("PM", "\\", "/")])
def test_a_session_offers_every_code_once_with_only_its_own_present_mark(session, present, other):
    codes = [c.code for _, group in codes_by_category(session) for c in group]
    assert present in codes and other not in codes
    assert len(codes) == len(set(codes)) == 33


# --- Who may take it ---------------------------------------------------------------------------------------------


def test_a_teacher_opens_their_groups_register_with_every_pupil_on_roll_that_day(client, teacher, pupils, school_a):
    group = pupils[0].group
    left = PupilFactory(school=school_a, group=group, legal_surname="Gone", enrolled=False)
    Enrolment.objects.create(
        trust=school_a.trust, pupil=left, school=school_a, starts=dt.date(2026, 9, 1), ends=dt.date(2026, 11, 20)
    )
    PupilFactory(school=school_a, group=GroupFactory(school=school_a), legal_surname="Elsewhere")
    client.force_login(teacher)

    response = client.get(_url("take_register", group))

    html = response.content.decode()
    assert response.status_code == 200
    assert [row.pupil.legal_surname for row in response.context["register"].rows] == ["Able", "Baker", "Cole"]
    assert "Gone" not in html and "Elsewhere" not in html
    assert "3</strong> of 3 not marked yet" in html
    assert "Open until 09:15" in html
    assert 'class="key__code">L<' in html, "the keys for the common codes are on the page"
    assert "<kbd>.</kbd>" in html, "the key map is shown"
    assert "on behalf of" not in html


def test_someone_from_another_trust_gets_404(client, outsider, pupils):
    client.force_login(outsider)
    assert client.get(_url("take_register", pupils[0].group)).status_code == 404
    assert _save_row(client, pupils[0].group, pupils[0], "N").status_code == 404
    assert client.post(_url("take_all_present", pupils[0].group)).status_code == 404
    assert not Mark.objects.exists()


def test_a_teacher_of_another_group_gets_404(client, school_a, pupils):
    other = staff(school_a.trust, Role.Kind.TEACHER, school_a, username="other-teacher")
    GroupFactory(school=school_a, name="6B").tutors.add(other)
    client.force_login(other)
    assert client.get(_url("take_register", pupils[0].group)).status_code == 404
    assert client.post(_url("take_all_present", pupils[0].group)).status_code == 404
    assert not Mark.objects.exists()


def test_the_office_takes_a_register_on_the_teachers_behalf_and_the_page_says_so(client, officer, teacher, pupils):
    teacher.first_name, teacher.last_name = "Tina", "Tutor"
    teacher.save()
    client.force_login(officer)

    page = client.get(_url("take_register", pupils[0].group)).content.decode()
    client.post(_url("take_all_present", pupils[0].group))

    assert "on behalf of Tina Tutor" in page
    taking = RegisterTaking.objects.get()
    assert taking.taken_by == officer
    assert set(Mark.objects.values_list("recorded_by__username", flat=True)) == {"officer"}


def test_a_day_that_is_not_a_school_day_has_no_register_to_take(client, teacher, pupils):
    client.force_login(teacher)
    url = _url("take_register", pupils[0].group, day=SATURDAY)

    page = client.get(url).content.decode()
    refused = client.post(_url("take_all_present", pupils[0].group, day=SATURDAY))

    assert "is not a school day at Alpha Primary" in page
    assert "register-form" not in page
    assert refused.status_code == 409
    assert not Mark.objects.exists()


def test_a_day_still_to_come_cannot_be_taken(client, teacher, pupils):
    client.force_login(teacher)
    tomorrow = TODAY + dt.timedelta(days=1)
    page = client.get(_url("take_register", pupils[0].group, day=tomorrow)).content.decode()
    url = _url("take_pupil", pupils[0].group, day=tomorrow, pupil_id=pupils[0].pk)
    refused = client.post(url, _row(pupils[0], "N"), HTTP_HX_REQUEST="true")
    assert "cannot be taken yet" in page
    assert refused.status_code == 409
    assert not Mark.objects.exists()


@pytest.mark.parametrize("path", ["2026-02-30/AM/", "2026-11-23/XM/", "23-11-2026/AM/"])
def test_an_impossible_day_or_session_in_the_address_is_404(client, teacher, pupils, path):
    client.force_login(teacher)
    assert client.get(f"/registers/take/{pupils[0].group.pk}/{path}").status_code == 404


def test_a_pupil_who_is_not_on_the_register_is_404(client, teacher, pupils, school_a):
    stranger = PupilFactory(school=school_a, group=GroupFactory(school=school_a))
    client.force_login(teacher)
    assert _save_row(client, pupils[0].group, stranger, "N").status_code == 404
    assert not Mark.objects.exists()


# --- Marking -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("session", "present"), [("AM", "/"), ("PM", "\\")])
def test_mark_all_present_gives_only_unmarked_pupils_the_sessions_present_code(
    client, teacher, pupils, time_machine, session, present
):
    time_machine.move_to(_at(8, 50 if session == "AM" else 13))
    client.force_login(teacher)
    _save_row(client, pupils[1].group, pupils[1], "N", session=session)

    response = client.post(_url("take_all_present", pupils[0].group, session=session))

    assert response.status_code == 302
    assert _codes(session) == {"Able": present, "Baker": "N", "Cole": present}
    assert set(Mark.objects.values_list("source", flat=True)) == {Mark.Source.REGISTER}


def test_marking_all_present_through_htmx_sends_back_the_register_and_not_a_page(client, teacher, pupils):
    client.force_login(teacher)
    response = client.post(_url("take_all_present", pupils[0].group), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="register"')
    assert "<html" not in html
    assert '<strong data-unmarked class="register__count--done">0</strong> not marked' in html
    assert 'id="all-present"' not in html, "nothing is left to mark present"


def test_one_row_saved_through_htmx_sends_back_that_row_and_the_unmarked_count(client, teacher, pupils):
    client.force_login(teacher)
    response = _save_row(client, pupils[0].group, pupils[0], "N")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<li id="row-{pupils[0].pk}"')
    assert f'id="row-{pupils[1].pk}"' not in html
    assert 'id="register-status"' in html and 'hx-swap-oob="innerHTML"' in html
    assert "<strong data-unmarked>2</strong> of 3 not marked yet" in html
    assert _codes() == {"Able": "N"}


def test_an_exception_is_saved_with_minutes_late_and_a_note(client, teacher, pupils):
    client.force_login(teacher)
    _save_row(client, pupils[0].group, pupils[0], "L", minutes_late="12", note="Bus was late")
    _save_row(client, pupils[0].group, pupils[1], "I", note="Dad called at 8:10")
    able, baker = Mark.objects.order_by("pupil__legal_surname")
    assert (able.code, able.minutes_late, able.note, able.recorded_by) == ("L", 12, "Bus was late", teacher)
    assert (baker.code, baker.minutes_late, baker.note) == ("I", None, "Dad called at 8:10")


def test_minutes_late_are_kept_only_with_a_late_code(client, teacher, pupils):
    client.force_login(teacher)
    _save_row(client, pupils[0].group, pupils[0], "N", minutes_late="10")
    _save_row(client, pupils[0].group, pupils[1], "L", minutes_late="10")
    _save_row(client, pupils[0].group, pupils[1], "/", minutes_late="10")
    assert list(Mark.objects.order_by("pupil__legal_surname").values_list("code", "minutes_late")) == [
        ("N", None),
        ("/", None),
    ]


def test_minutes_late_must_be_a_sensible_number_and_nothing_is_saved_otherwise(client, teacher, pupils):
    client.force_login(teacher)
    response = _save_row(client, pupils[0].group, pupils[0], "L", minutes_late="900")
    assert "Not saved" in response.content.decode()
    assert "less than or equal to 240" in response.content.decode()
    assert not Mark.objects.exists()


def test_the_afternoon_present_mark_is_recorded_whichever_slash_was_sent(client, teacher, pupils, time_machine):
    time_machine.move_to(_at(13, 0))
    client.force_login(teacher)
    _save_row(client, pupils[0].group, pupils[0], "/", session="PM")
    assert _codes("PM") == {"Able": "\\"}


def test_the_whole_register_saves_in_one_post_without_javascript(client, teacher, pupils):
    client.force_login(teacher)
    data = {**_row(pupils[0], "/"), **_row(pupils[1], "L", minutes_late="5"), **_row(pupils[2], ""), "reason": ""}

    response = client.post(_url("take_register", pupils[0].group), data, follow=True)

    assert response.redirect_chain[-1][0] == _url("take_register", pupils[0].group)
    assert "Register saved: 2 marks recorded." in response.content.decode()
    assert _codes() == {"Able": "/", "Baker": "L"}
    assert not RegisterTaking.objects.exists(), "Cole has no mark yet"


def test_the_register_counts_as_taken_only_once_every_pupil_has_a_mark(client, teacher, pupils):
    client.force_login(teacher)
    group = pupils[0].group
    _save_row(client, group, pupils[0], "N")
    _save_row(client, group, pupils[1], "/")
    assert not RegisterTaking.objects.exists()

    _save_row(client, group, pupils[2], "I")
    taking = RegisterTaking.objects.get()
    assert (taking.group, taking.date, taking.session, taking.taken_by) == (group, TODAY, "AM", teacher)
    assert taking.taken_at == _at(8, 50)
    assert taking.trust == group.trust and taking.school == group.school

    _save_row(client, group, pupils[2], "M")
    assert RegisterTaking.objects.get().pk == taking.pk, "an amendment does not take the register again"


def test_a_group_with_nobody_on_roll_is_never_taken(client, teacher, group_a, school_days):
    client.force_login(teacher)
    response = client.post(_url("take_all_present", group_a), follow=True)
    assert "nothing to mark" in response.content.decode()
    assert not RegisterTaking.objects.exists()


# --- Changes: while open, after close, and the office's codes -----------------------------------------------------


def test_while_the_register_is_open_its_own_mark_is_amended_without_a_typed_reason(client, teacher, pupils):
    client.force_login(teacher)
    _save_row(client, pupils[0].group, pupils[0], "/")
    response = _save_row(client, pupils[0].group, pupils[0], "N")

    assert "Not saved" not in response.content.decode()
    latest = history_for_pupil(pupils[0]).first()
    assert (latest.old_code, latest.code, latest.reason) == ("/", "N", AMENDED_WHILE_OPEN)


def test_after_the_register_closes_a_change_needs_a_typed_reason(client, teacher, pupils, time_machine):
    client.force_login(teacher)
    _save_row(client, pupils[0].group, pupils[0], "N")
    time_machine.move_to(_at(9, 16))

    refused = _save_row(client, pupils[0].group, pupils[0], "/")
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "Not saved." in html and "needs a reason: the register closed at 09:15" in html
    assert f'name="p{pupils[0].pk}-reason"' in html, "the row asks for the reason"
    assert _codes() == {"Able": "N"}

    _save_row(client, pupils[0].group, pupils[0], "/", reason="Arrived with a note from the dentist")
    latest = history_for_pupil(pupils[0]).first()
    assert (latest.old_code, latest.code, latest.reason) == ("N", "/", "Arrived with a note from the dentist")


def test_after_close_a_first_mark_needs_no_reason(client, teacher, pupils, time_machine):
    time_machine.move_to(_at(10, 30))
    client.force_login(teacher)
    response = _save_row(client, pupils[0].group, pupils[0], "N")
    assert "Not saved" not in response.content.decode()
    assert _codes() == {"Able": "N"}


def test_yesterdays_register_is_closed_so_a_change_needs_a_reason(client, teacher, pupils):
    friday = dt.date(2026, 11, 20)
    client.force_login(teacher)
    client.post(_url("take_pupil", pupils[0].group, day=friday, pupil_id=pupils[0].pk), _row(pupils[0], "N"))
    response = client.post(
        _url("take_pupil", pupils[0].group, day=friday, pupil_id=pupils[0].pk),
        _row(pupils[0], "/"),
        HTTP_HX_REQUEST="true",
    )
    assert "needs a reason" in response.content.decode()
    assert Mark.objects.get().code == "N"


def test_a_whole_register_post_with_one_refused_row_saves_nothing(client, teacher, pupils, time_machine):
    client.force_login(teacher)
    _save_row(client, pupils[0].group, pupils[0], "N")
    time_machine.move_to(_at(9, 30))
    data = {**_row(pupils[0], "/"), **_row(pupils[1], "/"), **_row(pupils[2], "/"), "reason": ""}

    response = client.post(_url("take_register", pupils[0].group), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved." in html and "1 pupil needs attention" in html
    assert _codes() == {"Able": "N"}

    client.post(_url("take_register", pupils[0].group), {**data, "reason": "Came in after registration"})
    assert _codes() == {"Able": "/", "Baker": "/", "Cole": "/"}
    assert history_for_pupil(pupils[0]).first().reason == "Came in after registration"
    assert history_for_pupil(pupils[1]).first().reason == "", "a first mark is not a correction"


def test_a_teacher_sees_an_office_code_locked_with_who_set_it_and_cannot_change_it(
    client, teacher, officer, pupils, school_a
):
    _office_mark(school_a, pupils[0], "I", officer)
    client.force_login(teacher)

    page = client.get(_url("take_register", pupils[0].group)).content.decode()
    refused = _save_row(client, pupils[0].group, pupils[0], "/")
    whole = client.post(
        _url("take_register", pupils[0].group), {**_row(pupils[0], "/"), **_row(pupils[1], "/"), "reason": "x"}
    )

    assert "register-row--locked" in page
    assert "Set by the office: Olive Officer" in page and "Mother phoned: chickenpox" in page
    assert f'name="p{pupils[0].pk}-code"' not in page, "a locked row has nothing to change"
    assert "only the attendance office can change it" in refused.content.decode()
    assert whole.status_code == 302, "the locked row is not part of the teacher's form"
    assert _codes() == {"Able": "I", "Baker": "/"}


def test_marking_all_present_leaves_an_office_code_alone(client, teacher, officer, pupils, school_a):
    _office_mark(school_a, pupils[1], "M", officer, reason="Orthodontist at 9")
    client.force_login(teacher)
    client.post(_url("take_all_present", pupils[0].group))
    assert _codes() == {"Able": "/", "Baker": "M", "Cole": "/"}
    assert RegisterTaking.objects.exists()


def test_the_office_may_change_an_office_code_but_only_with_a_reason(client, officer, pupils, school_a):
    _office_mark(school_a, pupils[0], "I", officer)
    client.force_login(officer)

    page = client.get(_url("take_register", pupils[0].group)).content.decode()
    refused = _save_row(client, pupils[0].group, pupils[0], "/")
    _save_row(client, pupils[0].group, pupils[0], "/", reason="Came in after all, feeling better")

    assert "register-row--locked" not in page
    assert "needs a reason: the office set it" in refused.content.decode()
    latest = history_for_pupil(pupils[0]).first()
    assert (latest.old_code, latest.code, latest.reason) == ("I", "/", "Came in after all, feeling better")


# --- Query counts ------------------------------------------------------------------------------------------------


def _class_of(school, group, count):
    return [PupilFactory(school=school, group=group) for _ in range(count)]


def _count_queries(client, method, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {})
    assert response.status_code in (200, 302), response.content.decode()[:500]
    return len(queries)


def test_the_register_page_costs_the_same_queries_for_three_pupils_as_for_six(
    client, teacher, officer, school_a, group_a, school_days
):
    client.force_login(teacher)
    first = _class_of(school_a, group_a, 3)
    _office_mark(school_a, first[0], "I", officer)
    three = _count_queries(client, "get", _url("take_register", group_a))
    second = _class_of(school_a, group_a, 3)
    _office_mark(school_a, second[0], "M", officer)
    assert _count_queries(client, "get", _url("take_register", group_a)) == three


def test_saving_the_whole_register_costs_the_same_queries_for_three_pupils_as_for_six(
    client, teacher, school_a, group_a, school_days
):
    client.force_login(teacher)
    pupils = _class_of(school_a, group_a, 3)
    data = {"reason": ""}
    for pupil in pupils:
        data.update(_row(pupil, "/"))
    three = _count_queries(client, "post", _url("take_register", group_a), data)
    Mark.objects.all().delete()
    RegisterTaking.objects.all().delete()
    for pupil in _class_of(school_a, group_a, 3) + pupils:
        data.update(_row(pupil, "/"))
    assert _count_queries(client, "post", _url("take_register", group_a), data) == three
    assert Mark.objects.count() == 6


def test_after_one_rows_save_the_register_is_what_a_fresh_load_would_give(teacher, pupils):
    from schools.access import access_for

    access = access_for(teacher)
    group = pupils[0].group
    register = taking.load_register(access, group, TODAY, "AM", _at(8, 50))
    taking.save_marks(register, [taking.Entry(pupils[1].pk, "L", minutes_late=4)], teacher)

    reloaded = taking.with_pupil_reloaded(register, pupils[1].pk)

    fresh = taking.load_register(access, group, TODAY, "AM", _at(8, 50))
    assert reloaded == fresh
    assert (reloaded.unmarked, reloaded.row_for(pupils[1].pk).code) == (2, "L")


def test_the_row_that_completes_the_register_sends_back_the_taking(client, teacher, pupils):
    client.force_login(teacher)
    _save_row(client, pupils[0].group, pupils[0], "/")
    _save_row(client, pupils[0].group, pupils[1], "/")
    html = _save_row(client, pupils[0].group, pupils[2], "N").content.decode()
    assert "0</strong> not marked: all 3 pupils have a mark. Taken by" in html
