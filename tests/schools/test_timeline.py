"""The pupil's story: marks and corrections, reports, leave, calls and visits, and tasks, newest first, by kind."""

import datetime as dt
import re
import zoneinfo
from contextlib import contextmanager

import pghistory
import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions.models import ContactAttempt, Task
from letters.models import Letter, LetterBatch
from registers.models import AbsenceReport, LeaveRequest, Mark
from registers.services import MarkInput, upsert_marks
from schools.models import Role
from schools.timeline import Cursor, timeline_for
from tests.factories import ContactFactory, GroupFactory, PupilFactory, staff

LONDON = zoneinfo.ZoneInfo("Europe/London")
MONDAY = dt.date(2026, 11, 16)
TUESDAY = MONDAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=LONDON), tick=False)


def _at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def officer(school_a):
    user = staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a, username="officer")
    user.first_name, user.last_name = "Olive", "Officer"
    user.save()
    return user


@contextmanager
def _marks_at(when: dt.datetime):
    """Give the mark history events made inside the block the time `when`.

    The history triggers stamp events with the database's clock, which the tests' frozen clock does not move.
    """
    events = Mark.pgh_event_model.objects
    last = events.aggregate(last=Max("pgh_id"))["last"] or 0
    yield
    events.filter(pgh_id__gt=last).update(pgh_created_at=when)


def _mark(school, pupil, code, at, by=None, reason="", day=MONDAY, session="AM"):
    with _marks_at(at):
        upsert_marks(
            school=school,
            marks=[MarkInput(pupil.pk, day, session, code)],
            source=Mark.Source.REGISTER if by is None or not reason else Mark.Source.OFFICE,
            recorded_by=by,
            reason=reason,
        )


def _delete_mark(pupil, at, by, reason, day=MONDAY, session="AM"):
    with _marks_at(at), pghistory.context(user=by.pk, reason=reason):
        Mark.objects.filter(pupil=pupil, date=day, session=session).delete()


def _report(school, pupil, at, by, **fields):
    values = {"reported_by": "Mary Able", "channel": AbsenceReport.Channel.PHONE, "code": "I", "reason": "chickenpox"}
    report = AbsenceReport.objects.create(
        trust=school.trust,
        school=school,
        pupil=pupil,
        first_day=MONDAY,
        last_day=TUESDAY,
        expected_return=TUESDAY + dt.timedelta(days=1),
        recorded_by=by,
        **(values | fields),
    )
    AbsenceReport.objects.filter(pk=report.pk).update(recorded_at=at)
    return report


def _leave(school, pupil, at, by, **fields):
    leave = LeaveRequest.objects.create(
        trust=school.trust,
        school=school,
        pupil=pupil,
        kind=LeaveRequest.Kind.HOLIDAY,
        reason="Family wedding in Lahore",
        first_day=dt.date(2026, 12, 7),
        last_day=dt.date(2026, 12, 11),
        requested_on=at.date(),
        recorded_by=by,
        **fields,
    )
    LeaveRequest.objects.filter(pk=leave.pk).update(recorded_at=at)
    return leave


def _attempt(school, pupil, at, by, **fields):
    values = {"method": ContactAttempt.Method.CALL, "outcome": ContactAttempt.Outcome.NO_ANSWER} | fields
    return ContactAttempt.objects.create(
        trust=school.trust, school=school, pupil=pupil, absence_date=MONDAY, made_by=by, made_at=at, **values
    )


def _task(school, pupil, at, **fields):
    values = {"kind": Task.Kind.WELFARE_CALL, "title": "Welfare call", "key": f"day3:{at:%Y%m%d%H%M}"} | fields
    task = Task.objects.create(
        trust=school.trust, school=school, pupil=pupil, due_at=at + dt.timedelta(hours=2), **values
    )
    Task.objects.filter(pk=task.pk).update(created_at=at)
    return task


def _section(html: str) -> str:
    start = html.index('<section id="timeline"')
    return html[start : html.index("</section>", start)]


def _timeline_html(client, user, pupil, query="", **headers):
    client.force_login(user)
    response = client.get(reverse("schools:pupil", args=[pupil.pk]) + query, headers=headers)
    assert response.status_code == 200
    return _section(response.content.decode())


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _rows(section: str) -> list[str]:
    """Each timeline row's text, after the day it is grouped under: "Monday 16 November 2026 08:50 Marks ..."."""
    rows, day = [], ""
    for kind, body in re.findall(r'<tr( class="timeline__day")?>(.*?)</tr>', section.split("</thead>")[1], re.S):
        if kind:
            day = _text(body)
        else:
            rows.append(f"{day} {_text(body)}")
    return rows


# --- What the story says, in order --------------------------------------------------------------------------------


@pytest.fixture
def morning(school_a, pupil_a, teacher, officer, head):
    """A week of one pupil's story, one entry of each kind, at known times."""
    mother = ContactFactory(trust=school_a.trust, name="Mary Able")
    _mark(school_a, pupil_a, "N", _at(8, 50), by=teacher)
    _report(school_a, pupil_a, _at(9, 5), officer)
    _attempt(school_a, pupil_a, _at(9, 10), officer, contact=mother, note="Rang twice")
    report = AbsenceReport.objects.get(pupil=pupil_a)
    AbsenceReport.objects.filter(pk=report.pk).update(
        status=AbsenceReport.Status.CONFIRMED, decided_by=officer, decided_at=_at(9, 40)
    )
    _mark(school_a, pupil_a, "I", _at(9, 41), by=officer, reason="Mother phoned: chickenpox")
    task = _task(school_a, pupil_a, _at(10), assignee=officer, why="Absent three days in a row")
    Task.objects.filter(pk=task.pk).update(
        status=Task.Status.DONE, completed_by=officer, completed_at=_at(11, day=TUESDAY), outcome="Spoke to mum"
    )
    _attempt(
        school_a,
        pupil_a,
        _at(12, day=TUESDAY),
        officer,
        method=ContactAttempt.Method.HOME_VISIT,
        outcome=ContactAttempt.Outcome.SEEN_SAFE,
    )
    leave = _leave(school_a, pupil_a, _at(13, day=TUESDAY), officer)
    LeaveRequest.objects.filter(pk=leave.pk).update(
        decision=LeaveRequest.Decision.REFUSED, decided_by=head, decided_at=_at(15, day=TUESDAY)
    )
    _delete_mark(pupil_a, _at(16, day=TUESDAY), head, "Entered for the wrong pupil")
    return pupil_a


def test_every_kind_of_entry_appears_newest_first_with_what_who_and_why(client, head, morning):
    rows = _rows(_timeline_html(client, head, morning))

    tuesday, monday = "Tuesday 17 November 2026", "Monday 16 November 2026"
    illness = "I – Illness (not medical or dental appointment)"
    assert rows == [
        f"{tuesday} 16:00 Marks Mon 16 Nov AM: mark I deleted Entered for the wrong pupil head",
        f"{tuesday} 15:00 Leave requests Leave refused: Mon 7 Dec – Fri 11 Dec head",
        f"{tuesday} 13:00 Leave requests Leave requested: Holiday (G), Mon 7 Dec – Fri 11 Dec "
        "Family wedding in Lahore Olive Officer",
        f"{tuesday} 12:00 Calls and visits Home visit: Seen safe and well "
        "About the absence on Mon 16 Nov Olive Officer",
        f"{tuesday} 11:00 Tasks Task done: Welfare call Spoke to mum Olive Officer",
        f"{monday} 10:00 Tasks Task set: Welfare call "
        "Absent three days in a row · Due Mon 16 Nov 12:00 · Assigned to Olive Officer –",
        f"{monday} 09:41 Marks Mon 16 Nov AM: corrected N → {illness} "
        "Office · Reason: Mother phoned: chickenpox Olive Officer",
        f"{monday} 09:40 Absence reports Absence report confirmed: I for Mon 16 Nov – Tue 17 Nov Olive Officer",
        f"{monday} 09:10 Calls and visits Phone call: No answer "
        "About the absence on Mon 16 Nov · With Mary Able · Rang twice Olive Officer",
        f"{monday} 09:05 Absence reports Absence reported for Mon 16 Nov – Tue 17 Nov, proposing {illness} "
        "Mary Able, phone call: chickenpox · Expected back Wed 18 Nov Olive Officer",
        f"{monday} 08:50 Marks Mon 16 Nov AM: marked N – Reason for absence not yet established Register teacher",
    ]


def test_a_deleted_mark_names_who_deleted_it_from_the_change_context_not_who_recorded_it(
    client, head, school_a, pupil_a, teacher, officer
):
    _mark(school_a, pupil_a, "O", _at(9), by=teacher)
    _delete_mark(pupil_a, _at(10), officer, "Entered for the wrong pupil")

    deleted, recorded = _rows(_timeline_html(client, head, pupil_a))

    assert deleted.endswith("Mon 16 Nov AM: mark O deleted Entered for the wrong pupil Olive Officer")
    assert recorded.endswith("Register teacher")


def test_the_mark_history_table_names_who_deleted_a_mark_too(client, head, school_a, pupil_a, teacher, officer):
    _mark(school_a, pupil_a, "O", _at(9), by=teacher)
    _delete_mark(pupil_a, _at(10), officer, "Entered for the wrong pupil")
    client.force_login(head)

    html = client.get(reverse("schools:pupil", args=[pupil_a.pk])).content.decode()

    deleted_row = html[html.index('<tr class="row--deleted">') :]
    assert _text(deleted_row[: deleted_row.index("</tr>")]).startswith(
        "16 Nov 2026 10:00 Mon 16 Nov AM O → deleted Olive Officer"
    )


def test_a_classmates_story_never_appears_in_the_pupils_timeline(client, head, school_a, group_a, pupil_a, officer):
    classmate = PupilFactory(school=school_a, group=group_a, legal_forename="Cara")
    _mark(school_a, classmate, "O", _at(9), by=officer)
    _report(school_a, classmate, _at(9), officer, reason="Dentist")
    _attempt(school_a, classmate, _at(9), officer, note="Cara's mum")
    _task(school_a, classmate, _at(9), title="Visit Cara")
    _leave(school_a, classmate, _at(9), officer)

    section = _timeline_html(client, head, pupil_a)

    assert "Nothing recorded for Ann Able yet." in section
    assert "<tbody>" not in section


# --- Filtering by kind ----------------------------------------------------------------------------------------------


def test_the_kind_filter_shows_only_that_kind_and_marks_the_chosen_filter(client, head, morning):
    section = _timeline_html(client, head, morning, "?kind=contact")

    assert [re.search(r"\d\d:\d\d (.+?):", row).group(1) for row in _rows(section)] == ["Home visit", "Phone call"]
    assert '<span class="tag">' not in section, "every row is of the chosen kind, so none is labelled"
    url = reverse("schools:pupil", args=[morning.pk])
    assert (
        f'<a id="timeline-show-contact" class="button" href="{url}?kind=contact#timeline" '
        f'hx-get="{url}?kind=contact" aria-current="true">Calls and visits</a>'
    ) in section
    assert f'class="button button--secondary" href="{url}#timeline" hx-get="{url}">Everything</a>' in section


def test_an_htmx_filter_change_returns_only_the_timeline_and_the_url_keeps_the_filter(client, head, morning):
    client.force_login(head)
    url = reverse("schools:pupil", args=[morning.pk])
    response = client.get(url + "?kind=tasks", headers={"HX-Request": "true"})
    html = response.content.decode()

    assert html.lstrip().startswith('<section id="timeline"')
    assert "<html" not in html and "Sessions this year" not in html
    assert 'hx-push-url="true"' in html
    assert "HX-Request" in response["Vary"]
    assert _rows(html) == [
        "Tuesday 17 November 2026 11:00 Task done: Welfare call Spoke to mum Olive Officer",
        "Monday 16 November 2026 10:00 Task set: Welfare call "
        "Absent three days in a row · Due Mon 16 Nov 12:00 · Assigned to Olive Officer –",
    ]


def test_a_browser_going_back_gets_the_whole_page_not_the_partial(client, head, morning):
    client.force_login(head)
    url = reverse("schools:pupil", args=[morning.pk]) + "?kind=tasks"
    html = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}).content.decode()
    assert "<html" in html and 'id="timeline"' in html


def test_a_kind_with_nothing_yet_says_so(client, head, morning):
    Task.objects.all().delete()
    assert "No tasks for Ann Able yet." in _timeline_html(client, head, morning, "?kind=tasks")


@pytest.mark.parametrize("query", ["?kind=nonsense", "?before=yesterday", "?before=2026-11-20T09:00:00~nonsense~1"])
def test_a_filter_or_place_that_is_not_understood_is_ignored(client, head, morning, query):
    assert len(_rows(_timeline_html(client, head, morning, query))) == 11


# --- Paging by date -------------------------------------------------------------------------------------------------


def _walk(pupil, kind="", per_kind=3):
    """Every page of the timeline, following the "show older" cursor until there is nothing older."""
    pages, cursor = [], None
    while True:
        timeline = timeline_for(pupil, kind, cursor, per_kind=per_kind)
        pages.append(timeline.entries)
        if not timeline.older:
            return pages
        cursor = Cursor.parse(timeline.older)


def test_paging_shows_every_entry_once_in_order_even_when_a_whole_register_shares_one_moment(
    school_a, pupil_a, officer
):
    # One register save: ten marks whose history events all carry the same transaction time.
    days = [MONDAY + dt.timedelta(days=n) for n in range(5)]
    with _marks_at(_at(9)):
        upsert_marks(
            school=school_a,
            marks=[MarkInput(pupil_a.pk, d, s, "/") for d in days for s in ("AM", "PM")],
            source=Mark.Source.REGISTER,
        )
    for n in range(4):
        _report(school_a, pupil_a, _at(9) if n < 2 else _at(8 + n * 2), officer)
    _attempt(school_a, pupil_a, _at(9), officer)

    pages = _walk(pupil_a, per_kind=3)
    walked = [entry for page in pages for entry in page]

    assert walked == timeline_for(pupil_a, per_kind=1000).entries
    assert len(walked) == 15
    assert len(pages) > 3 and all(pages)


def test_paging_one_kind_keeps_to_that_kind(school_a, pupil_a, officer):
    for n in range(7):
        _attempt(school_a, pupil_a, _at(8 + n), officer)
    _report(school_a, pupil_a, _at(10), officer)

    pages = _walk(pupil_a, kind="contact", per_kind=3)

    assert [len(page) for page in pages] == [3, 3, 1]
    assert {entry.kind for page in pages for entry in page} == {"contact"}


def test_the_page_shows_the_latest_200_and_a_show_older_link_to_the_rest(client, head, school_a, pupil_a):
    days = [dt.date(2026, 9, 1) + dt.timedelta(days=n) for n in range(103)]
    upsert_marks(
        school=school_a,
        marks=[MarkInput(pupil_a.pk, d, s, "/") for d in days for s in ("AM", "PM")][:205],
        source=Mark.Source.REGISTER,
    )
    url = reverse("schools:pupil", args=[pupil_a.pk])

    first = _timeline_html(client, head, pupil_a, "?kind=marks")
    older = re.search(r'<a id="timeline-older" href="([^"]+)" hx-get="([^"]+)"', first)
    assert len(_rows(first)) == 200
    assert older and older.group(1).startswith(f"{url}?kind=marks&amp;before=") and older.group(1).endswith("#timeline")

    second = _timeline_html(client, head, pupil_a, older.group(2).replace("&amp;", "&").removeprefix(url))
    assert len(_rows(second)) == 5
    assert 'id="timeline-older"' not in second
    assert f'<a id="timeline-newest" href="{url}?kind=marks#timeline"' in second


# --- Who sees it ----------------------------------------------------------------------------------------------------


def test_another_trusts_pupil_timeline_is_404_whole_or_partial(client, outsider, morning):
    client.force_login(outsider)
    url = reverse("schools:pupil", args=[morning.pk])
    assert client.get(url).status_code == 404
    assert client.get(url + "?kind=marks", headers={"HX-Request": "true"}).status_code == 404


def test_a_teacher_sees_their_own_pupils_timeline_but_not_another_groups(client, teacher, school_a, morning, officer):
    other = PupilFactory(school=school_a, group=GroupFactory(school=school_a, name="6B"))
    _attempt(school_a, other, _at(9), officer)
    client.force_login(teacher)

    assert len(_rows(_timeline_html(client, teacher, morning))) == 11
    url = reverse("schools:pupil", args=[other.pk])
    assert client.get(url).status_code == 404
    assert client.get(url + "?kind=contact", headers={"HX-Request": "true"}).status_code == 404


# --- Query counts ---------------------------------------------------------------------------------------------------


def _add_story(school, pupil, officer, head, start: int, count: int):
    """`count` more of each kind: marks made, corrected and deleted, reports and leave decided, calls, tasks done."""
    for n in range(start, start + count):
        day, at = dt.date(2026, 10, 1) + dt.timedelta(days=n), _at(8, n)
        _mark(school, pupil, "N", at, by=officer, day=day)
        _mark(school, pupil, "I", at, by=officer, reason="Mother phoned", day=day)
        _mark(school, pupil, "/", at, by=officer, day=day, session="PM")
        _delete_mark(pupil, at, head, "Wrong pupil", day=day, session="PM")
        _report(school, pupil, at, officer, status="confirmed", decided_by=officer, decided_at=at)
        _leave(school, pupil, at, officer, decision="granted", decided_by=head, decided_at=at)
        _attempt(school, pupil, at, officer, contact=ContactFactory(trust=school.trust))
        _task(school, pupil, at, key=f"k{n}", assignee=officer, status="done", completed_by=officer, completed_at=at)


def _queries(client, user, url, **headers):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(queries), len(_rows(_section(response.content.decode())))


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["whole page", "timeline alone"])
def test_the_timeline_runs_the_same_number_of_queries_for_three_or_six_of_each_kind(
    client, head, officer, school_a, pupil_a, headers
):
    url = reverse("schools:pupil", args=[pupil_a.pk])
    _add_story(school_a, pupil_a, officer, head, start=0, count=3)
    for_three, three = _queries(client, head, url, **headers)
    _add_story(school_a, pupil_a, officer, head, start=3, count=3)
    for_six, six = _queries(client, head, url, **headers)

    # Per item: mark inserted, corrected, PM inserted, PM deleted; report and its decision; leave and its decision;
    # a call; a task set and done.
    assert (three, six) == (3 * 11, 6 * 11)
    assert for_three == for_six


def test_a_teacher_does_not_see_concerns_raised_to_the_dsl_or_notes_of_calls(
    client, teacher, head, school_a, pupil_a, officer
):
    _attempt(school_a, pupil_a, _at(9), officer, note="Dad sounded drunk", outcome=ContactAttempt.Outcome.CONCERN)
    _attempt(school_a, pupil_a, _at(10), officer, note="Grandma answered, says flu")

    def page(user):
        client.force_login(user)
        return client.get(reverse("schools:pupil", args=[pupil_a.pk])).content.decode()

    as_teacher, as_head = page(teacher), page(head)
    assert "Dad sounded drunk" in as_head and "Grandma answered" in as_head
    assert "Dad sounded drunk" not in as_teacher and "Concern raised" not in as_teacher
    assert "Grandma answered" not in as_teacher and "No answer" in as_teacher


# --- Letters ----------------------------------------------------------------------------------------------------------


def _letter(school, pupil, at, by, *, rendered=True, **fields):
    batch = LetterBatch.objects.create(
        trust=school.trust, school=school, title="Approved on Monday", created_by=by, status="done", total=1
    )
    values = {"code": "LON3", "addressee": "Mary Able", "delivery": Letter.Delivery.POST, "language": "English"}
    letter = Letter.objects.create(
        trust=school.trust,
        school=school,
        batch=batch,
        pupil=pupil,
        contact=ContactFactory(trust=school.trust, name="Mary Able"),
        pdf=b"%PDF-1.7" if rendered else None,
        rendered_at=at if rendered else None,
        **(values | fields),
    )
    Letter.objects.filter(pk=letter.pk).update(created_at=at)
    return letter


def test_each_letter_sent_shows_its_code_title_delivery_addressee_and_a_link_to_its_copy(
    client, head, school_a, pupil_a
):
    head.first_name, head.last_name = "Hana", "Head"
    head.save()
    letter = _letter(school_a, pupil_a, _at(14), head)
    _letter(school_a, pupil_a, _at(15), head, code="WEEKLY", addressee="Jan Nowak", language="Polish", rendered=False)

    section = _timeline_html(client, head, pupil_a, "?kind=letters")

    assert _rows(section) == [
        "Monday 16 November 2026 15:00 Letter WEEKLY – Weekly attendance: attended X out of a possible Y sessions "
        "Post to Jan Nowak · In Polish · Approved on Monday Hana Head",
        "Monday 16 November 2026 14:00 Letter LON3 – Below 95%: invitation to an Attendance Improvement Meeting "
        "Post to Mary Able · Approved on Monday Open the letter as sent Hana Head",
    ]
    link = reverse("letters:letter_pdf", args=[letter.pk])
    assert f'<a href="{link}" target="_blank" rel="noopener">Open the letter as sent</a>' in section
    assert section.count("Open the letter as sent") == 1, "a letter not yet rendered has no copy to open"


def test_a_teacher_sees_a_letter_was_sent_but_no_link_to_the_familys_copy(client, teacher, head, school_a, pupil_a):
    _letter(school_a, pupil_a, _at(14), head)
    section = _timeline_html(client, teacher, pupil_a)
    assert "Letter LON3" in section and "Open the letter as sent" not in section
