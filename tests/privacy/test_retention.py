"""Retention: leavers past their trust's period lose their personal data, while the register and every statistic
stay exactly as they were; recent leavers are untouched; runs are recorded and safe to repeat."""

import datetime as dt
import io
import zipfile
from collections import Counter

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from interventions.models import ContactAttempt, Meeting, PenaltyNotice, Proposal, Task
from letters.models import Letter, LetterBatch
from privacy import services, subject_access
from privacy.models import Anonymisation, RetentionRun
from privacy.services import apply_retention
from privacy.tasks import apply_retention_everywhere, apply_retention_for_trust
from registers import summaries
from registers.attendance import school_statistics
from registers.models import AbsenceReport, DayCodeCount, LeaveRequest, Mark, PupilWeek
from schools.models import Contact, Notification, Pupil, PupilContact
from tests.factories import ContactFactory, PupilContactFactory, PupilFactory

from .conftest import LEFT_ON, leave, mark_week

pytestmark = pytest.mark.django_db

ON = dt.date(2033, 9, 1)  # seven years and six weeks after Ann left
YEAR = (dt.date(2025, 9, 1), dt.date(2026, 8, 31))


@pytest.fixture
def recent_leaver(school_a):
    """Bob left on 20 July 2028: five years before ON."""
    bob = PupilFactory(school=school_a, legal_forename="Bob", legal_surname="Recent", upn="A100000000009", fsm=True)
    leave(bob, dt.date(2028, 7, 20))
    mark_week(school_a, bob, note="Dentist")
    summaries.refresh(school_a, dt.date(2026, 7, 13), dt.date(2026, 7, 20))
    return bob


def run(trust, on=ON, **kwargs):
    return apply_retention(trust, on, source=RetentionRun.Source.COMMAND, **kwargs)


def figures(school) -> dict:
    """Everything the school's statistics are made of: totals, each pupil's counts, counts by characteristic, and
    the dashboards' summary rows."""
    stats = school_statistics(school, *YEAR)
    by_group: Counter = Counter()
    for row in stats.pupils:
        p = row.pupil
        key = (p.year_group, p.gender, p.fsm, p.sen, p.eal, p.pupil_premium, p.looked_after)
        by_group[key] += row.counts.possible * 1000 + row.counts.present
    return {
        "totals": stats.totals,
        "pupils": {row.pupil.pk: row.counts for row in stats.pupils},
        "groups": by_group,
        "weeks": sorted(PupilWeek.objects.values_list("pupil_id", "week", "possible", "present", "unauthorised")),
        "days": sorted(DayCodeCount.objects.values_list("date", "year_group", "session", "code", "sessions")),
    }


def register(school) -> list[tuple]:
    return sorted(Mark.objects.filter(school=school).values_list("pk", "pupil_id", "date", "session", "code"))


# --- What happens to a leaver past the period ---------------------------------------------------------------------


def test_a_leaver_past_the_period_loses_names_upn_birthday_and_watch_list_but_keeps_characteristics(leaver, trust_a):
    run(trust_a)
    ann = Pupil.objects.get(pk=leaver.pk)
    assert (ann.legal_forename, ann.legal_surname, ann.preferred_forename) == ("Anonymised", "Anonymised", "")
    assert ann.upn == f"ANON{ann.pk:09d}"
    assert ann.date_of_birth == dt.date(2015, 9, 1)
    assert (ann.watch_list, ann.watch_list_reason) == (False, "")
    assert (ann.gender, ann.year_group, ann.group_id, ann.fsm, ann.sen) == (
        leaver.gender, leaver.year_group, leaver.group_id, leaver.fsm, leaver.sen,
    )  # fmt: skip


def test_the_schools_statistics_are_identical_before_and_after(leaver, recent_leaver, school_a, trust_a):
    before = figures(school_a)
    assert before["totals"].possible > 0
    run(trust_a)
    assert figures(school_a) == before
    # Recounting the summaries from the marks, as the nightly safety net does, still gives the same rows.
    summaries.refresh(school_a, dt.date(2026, 7, 13), dt.date(2026, 7, 20))
    assert figures(school_a) == before


def test_every_register_entry_is_still_there_and_only_its_free_text_is_blanked(leaver, school_a, trust_a):
    entries, versions = register(school_a), Mark.pgh_event_model.objects.count()
    run(trust_a)
    assert register(school_a) == entries
    assert Mark.pgh_event_model.objects.count() == versions, "blanking a note is not a new version of the register"
    assert not Mark.objects.filter(pupil=leaver).exclude(note="", reason="").exists()
    assert not Mark.pgh_event_model.objects.filter(pupil_id=leaver.pk).exclude(note="", reason="").exists()
    corrected = Mark.pgh_event_model.objects.filter(pupil_id=leaver.pk, date=dt.date(2026, 7, 16), session="AM")
    assert list(corrected.order_by("pgh_id").values_list("pgh_label", "code")) == [("insert", "O"), ("update", "M")]


def test_a_pupil_who_left_five_years_ago_is_untouched(leaver, recent_leaver, trust_a):
    run(trust_a)
    bob = Pupil.objects.get(pk=recent_leaver.pk)
    assert (bob.legal_forename, bob.upn, bob.date_of_birth) == ("Bob", "A100000000009", recent_leaver.date_of_birth)
    assert set(Mark.objects.filter(pupil=bob).exclude(note="").values_list("note", flat=True)) == {"Dentist"}
    assert not Anonymisation.objects.filter(pupil=bob).exists()


def test_a_pupil_still_on_roll_is_untouched(leaver, trust_a):
    run(trust_a)
    assert Pupil.objects.get(pk=leaver.sibling.pk).legal_forename == "Tom"


def test_contact_links_go_and_a_contact_with_no_other_child_is_deleted_or_emptied(leaver, trust_a):
    aunt = ContactFactory(trust=trust_a, name="Auntie Jo")
    PupilContactFactory(pupil=leaver, contact=aunt, relationship="Aunt", priority=3)
    result = run(trust_a)
    assert not PupilContact.objects.filter(pupil=leaver).exists()
    # The aunt had no other child and nothing else names her.
    assert not Contact.objects.filter(pk=aunt.pk).exists()
    # The mother had no other child, but a kept letter and penalty notice point at her record: it is emptied.
    mother = Contact.objects.get(pk=leaver.mother.pk)
    assert (mother.name, mother.phone, mother.email, mother.address, mother.postcode) == (
        "Anonymised contact",
        "",
        "",
        "",
        "",
    )
    # The father is still Tom's father.
    father = Contact.objects.get(pk=leaver.father.pk)
    assert father.name == "Peter Able"
    assert PupilContact.objects.filter(contact=father, pupil=leaver.sibling).exists()
    assert (result.counts["contacts_deleted"], result.counts["contacts_scrubbed"]) == (1, 1)


def test_letters_lose_their_pdf_and_address_and_the_batchs_merged_pdf_goes(leaver, trust_a):
    run(trust_a)
    letter = Letter.objects.get(pk=leaver.letter.pk)
    assert (letter.pdf, letter.addressee, letter.address, letter.figures) == (None, "", "", {})
    assert letter.code == "LON3"
    assert LetterBatch.objects.get(pk=leaver.batch.pk).pdf is None


def test_follow_up_records_keep_their_codes_and_outcomes_but_lose_their_words(leaver, trust_a):
    run(trust_a)
    report = AbsenceReport.objects.get(pupil=leaver)
    assert (report.code, report.reported_by, report.reason, report.decision_note, report.contact) == (
        "I",
        "",
        "",
        "",
        None,
    )
    leave_request = LeaveRequest.objects.get(pupil=leaver)
    assert (leave_request.decision, leave_request.reason, leave_request.contact) == ("refused", "", None)
    attempt = ContactAttempt.objects.get(pupil=leaver)
    assert (attempt.outcome, attempt.note, attempt.contact) == ("reason_given", "", None)
    task = Task.objects.get(pupil=leaver)
    assert (task.title, task.why, task.outcome) == ("Home visit", "", "")
    assert Proposal.objects.get(pupil=leaver).dismissal_reason == services.ANONYMISED_REASON
    meeting = Meeting.objects.get(pupil=leaver)
    assert (meeting.title, meeting.attendees, meeting.notes) == ("Attendance Improvement Meeting", "", "")
    notice = PenaltyNotice.objects.get(pupil=leaver)
    assert (notice.amount, notice.note) == (80, "")
    notification = Notification.objects.get(pupil=leaver)
    assert (notification.message, notification.url) == (services.ANONYMISED_MESSAGE, "")


def test_nothing_held_about_an_anonymised_pupil_still_names_her_or_her_family(client, lead, leaver, trust_a):
    run(trust_a)
    client.force_login(lead)
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("privacy:subject_access", args=[leaver.pk])).content))
    held = " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    for words in ("Able", "Annie", "Maria", "Mary", "Krak", "A100000000001", "2016-03-14", "Oak Road", "divorce"):
        assert words not in held
    assert not [name for name in archive.namelist() if name.startswith("letters/")]


# --- Runs -----------------------------------------------------------------------------------------------------


def test_a_run_is_recorded_with_what_it_did(leaver, recent_leaver, trust_a):
    result = run(trust_a)
    recorded = RetentionRun.objects.get()
    assert (recorded.on, recorded.years, recorded.pupils, recorded.letters_cleared) == (ON, 6, 1, 1)
    assert (recorded.contacts_deleted, recorded.contacts_scrubbed, recorded.skipped) == (0, 1, 0)
    assert recorded.finished_at is not None
    anonymisation = Anonymisation.objects.get()
    assert (anonymisation.pupil_id, anonymisation.run, anonymisation.left_on) == (leaver.pk, recorded, LEFT_ON)
    assert anonymisation.counts["mark_notes"] == 3
    assert result.run == recorded


def test_running_twice_anonymises_nobody_the_second_time(leaver, trust_a):
    run(trust_a)
    snapshot = Pupil.objects.filter(pk=leaver.pk).values().get()
    second = run(trust_a)
    assert second.counts["pupils"] == 0
    assert Anonymisation.objects.count() == 1
    assert Pupil.objects.filter(pk=leaver.pk).values().get() == snapshot


def test_the_day_the_period_ends_is_not_yet_past_it(leaver, trust_a):
    # Ann left on 20 July 2026: on 20 July 2032 she left exactly six years ago, not more.
    assert run(trust_a, on=dt.date(2032, 7, 20)).due == []
    assert run(trust_a, on=dt.date(2032, 7, 21), dry_run=True).due == [leaver.pk]


def test_a_longer_period_chosen_by_the_trust_holds_the_leaver_back(leaver, trust_a):
    trust_a.leaver_retention_years = 8
    trust_a.save()
    assert run(trust_a).counts["pupils"] == 0
    assert Pupil.objects.get(pk=leaver.pk).legal_surname == "Able"


def test_a_leaver_with_a_register_entry_under_six_years_old_is_held_back(leaver, school_a, trust_a):
    Mark.objects.create(
        trust=trust_a, school=school_a, pupil=leaver, date=dt.date(2028, 1, 10), session="AM", code="/",
        source="import", recorded_at=leaver.letter.created_at,
    )  # fmt: skip
    result = run(trust_a)
    assert (result.due, result.held_back) == ([], [leaver.pk])
    assert RetentionRun.objects.get().skipped == 1
    assert Pupil.objects.get(pk=leaver.pk).legal_surname == "Able"


def test_another_trusts_run_leaves_this_trusts_leavers_alone(leaver, trust_b):
    run(trust_b)
    assert Pupil.objects.get(pk=leaver.pk).legal_surname == "Able"


def test_every_table_with_a_pupil_foreign_key_has_a_retention_rule():
    """Fails when a model pointing at schools.Pupil is added without saying what anonymisation does to it."""
    missing = subject_access.pupil_models() - set(services.HANDLING)
    assert not missing, f"say what retention does to these in privacy.services.HANDLING: {sorted(missing)}"


# --- The command and the nightly task -------------------------------------------------------------------------


def test_the_command_on_a_dry_run_lists_who_is_due_and_changes_nothing(leaver, trust_a, capsys):
    call_command("apply_retention", "--trust", "trust-a", "--on", "2033-09-01", "--dry-run")
    out = capsys.readouterr().out
    assert f"pupils who left before 2027-09-01: 1 due (dry run, nothing changed): {leaver.pk}" in out
    assert Pupil.objects.get(pk=leaver.pk).legal_surname == "Able"
    assert not RetentionRun.objects.exists()


def test_the_command_anonymises_and_says_what_it_did(leaver, trust_a, trust_b, capsys):
    call_command("apply_retention", "--on", "2033-09-01")
    out = capsys.readouterr().out
    assert "Trust A (trust-a): pupils who left before 2027-09-01: 1 anonymised" in out
    assert "Trust B (trust-b)" in out
    assert RetentionRun.objects.get(trust=trust_a).source == "command"


def test_the_command_refuses_an_unknown_trust_or_date(db):
    with pytest.raises(CommandError, match="no trust"):
        call_command("apply_retention", "--trust", "nope")
    with pytest.raises(CommandError, match="not a date"):
        call_command("apply_retention", "--on", "2033-02-30")


def test_the_nightly_sweep_queues_one_run_per_trust_after_commit(trust_a, trust_b, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert apply_retention_everywhere() == 2
    assert len(callbacks) == 2


def test_the_nightly_task_measures_back_from_today_and_is_safe_to_repeat(leaver, trust_a):
    with time_machine.travel(dt.datetime(2033, 9, 1, 3, 15, tzinfo=dt.UTC)):
        assert apply_retention_for_trust(trust_a.pk, "2033-09-01") == 1
        assert apply_retention_for_trust(trust_a.pk, "2033-09-01") == 0
    assert RetentionRun.objects.filter(source="nightly").count() == 2
    assert apply_retention_for_trust(999_999, "2033-09-01") == 0


def test_the_beat_schedule_runs_retention_outside_the_clock_change_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "privacy.tasks.apply_retention_everywhere"
    assert entry["schedule"].hour.isdisjoint({1})


# --- The settings page --------------------------------------------------------------------------------------------


def test_the_trust_lead_sees_the_period_and_the_runs(client, lead, leaver, trust_a):
    run(trust_a)
    client.force_login(lead)
    page = client.get(reverse("privacy:retention"))
    assert page.status_code == 200
    assert page.context["form"]["leaver_retention_years"].value() == 6
    assert page.context["anonymised"] == 1
    assert list(page.context["runs"]) == [RetentionRun.objects.get()]


def test_the_trust_lead_changes_the_period_in_whole_years(client, lead, trust_a):
    client.force_login(lead)
    response = client.post(reverse("privacy:retention"), {"leaver_retention_years": "8"})
    assert response.status_code == 302
    trust_a.refresh_from_db()
    assert trust_a.leaver_retention_years == 8


@pytest.mark.parametrize(("value", "message"), [("5", "at least 6"), ("6.5", "whole number"), ("", "required")])
def test_a_period_under_six_years_or_not_whole_is_refused(client, lead, trust_a, value, message):
    client.force_login(lead)
    response = client.post(reverse("privacy:retention"), {"leaver_retention_years": value})
    assert response.status_code == 200
    assert message in response.content.decode()
    trust_a.refresh_from_db()
    assert trust_a.leaver_retention_years == 6


def test_the_database_refuses_a_period_under_six_years(trust_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        type(trust_a).objects.filter(pk=trust_a.pk).update(leaver_retention_years=5)


def test_a_headteacher_may_not_change_the_period(client, head, trust_a):
    client.force_login(head)
    assert client.post(reverse("privacy:retention"), {"leaver_retention_years": "9"}).status_code == 403
    trust_a.refresh_from_db()
    assert trust_a.leaver_retention_years == 6


def test_another_trusts_lead_changes_only_their_own_trust(client, trust_a, trust_b):
    from schools.models import Role
    from tests.factories import staff

    other_lead = staff(trust_b, Role.Kind.TRUST_LEAD, username="other-lead")
    client.force_login(other_lead)
    client.post(reverse("privacy:retention"), {"leaver_retention_years": "9"})
    trust_a.refresh_from_db()
    trust_b.refresh_from_db()
    assert (trust_a.leaver_retention_years, trust_b.leaver_retention_years) == (6, 9)
