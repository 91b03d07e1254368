"""The demo trusts: built whole, marks on exactly the school days pupils were on roll, safe to run twice."""

import datetime as dt
import random
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from interventions.models import EvaluationRun, Proposal
from registers import codes as C
from registers.models import Mark
from registers.statistics import count_codes
from schools import calendar, demo, synthetic
from schools.access import access_for
from schools.models import Contact, Enrolment, Pupil, PupilContact, Role, School, SchoolDay, Trust

UNTIL = dt.date(2026, 11, 20)  # a Friday: the last school day before "today", Monday 23 November 2026


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", "--small", "--until", UNTIL.isoformat(), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def small_demo(db):
    return load()


def test_the_demo_builds_omega_with_three_schools_and_waterton_with_one(small_demo):
    omega, waterton = Trust.objects.get(slug="omega"), Trust.objects.get(slug="waterton")
    assert (omega.name, omega.policy) == ("Omega Multi-Academy Trust", Trust.Policy.OMEGA)
    assert (waterton.name, waterton.policy) == ("Waterton Academy Trust", Trust.Policy.WATERTON)
    assert sorted(School.objects.for_trust(omega).values_list("phase", flat=True)) == ["infant", "primary", "secondary"]
    hollybank = School.objects.for_trust(waterton).get()
    assert (hollybank.registers_close, hollybank.late_until) == (dt.time(8, 45), dt.time(8, 55))
    assert all(len(urn) == 6 and urn.isdigit() for urn in School.objects.all_trusts().values_list("urn", flat=True))


def test_every_demo_login_has_its_trust_and_roles(small_demo):
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[u for u, _, _ in demo.DEMO_LOGINS])}
    assert sorted(users) == sorted(u for u, _, _ in demo.DEMO_LOGINS)
    assert users["head.waterton"].membership.trust.slug == "waterton"
    assert {users[name].membership.trust.slug for name in users if name != "head.waterton"} == {"omega"}
    officer_schools = Role.objects.filter(user=users["officer"], kind=Role.Kind.ATTENDANCE_OFFICER)
    assert officer_schools.count() == 3
    assert Role.objects.get(user=users["trustlead"]).kind == Role.Kind.TRUST_LEAD
    tutor_group = users["teacher.primary"].tutor_groups.get()
    assert (tutor_group.name, tutor_group.school.phase) == ("4 Oak", School.Phase.PRIMARY)


def test_every_demo_login_signs_in_with_the_demo_password(small_demo, client):
    for username, _, _ in demo.DEMO_LOGINS:
        response = client.post("/login/", {"username": username, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.logout()
    response = client.post("/login/", {"username": "officer", "password": "wrong password"})
    assert response.status_code == 200


def test_omega_staff_never_see_waterton(small_demo):
    waterton = Trust.objects.get(slug="waterton")
    lead = access_for(get_user_model().objects.get(username="trustlead"))
    assert not School.objects.for_trust(waterton).filter(pk__in=lead.school_ids).exists()
    assert not Pupil.objects.for_trust(lead.trust).visible_to(lead).filter(trust=waterton).exists()
    assert Pupil.objects.for_trust(lead.trust).visible_to(lead).exists()


def test_every_pupil_on_roll_has_one_mark_per_session_on_every_school_day_of_the_window(small_demo):
    since = UNTIL - dt.timedelta(weeks=4) + dt.timedelta(days=1)
    school_days = {(d.school_id, d.date) for d in SchoolDay.objects.all_trusts().filter(date__range=(since, UNTIL))}
    expected = Counter()
    for e in Enrolment.objects.all_trusts():
        for school_id, day in school_days:
            if school_id == e.school_id and e.starts <= day and (e.ends is None or day <= e.ends):
                expected.update([(e.pupil_id, day, "AM"), (e.pupil_id, day, "PM")])
    marks = Counter(Mark.objects.all_trusts().values_list("pupil_id", "date", "session"))
    assert marks == expected
    assert max(marks.values()) == 1


def test_there_are_no_marks_on_inset_days_holidays_or_weekends(small_demo):
    riverside = School.objects.all_trusts().get(name="Riverside High Academy")
    kingsley = School.objects.all_trusts().get(name="Kingsley Park Primary Academy")
    inset = dt.date(2026, 11, 2)  # Riverside's INSET day; Kingsley Park is open
    assert not Mark.objects.all_trusts().filter(school=riverside, date=inset).exists()
    assert Mark.objects.all_trusts().filter(school=kingsley, date=inset).exists()
    dates = set(Mark.objects.all_trusts().values_list("date", flat=True))
    assert all(d.weekday() < 5 for d in dates)
    assert not dates & set(calendar.days_in(dt.date(2026, 10, 24), dt.date(2026, 11, 1)))  # October half-term
    assert max(dates) == UNTIL


def test_overall_absence_is_in_a_sane_band_and_recent_absences_await_reasons(small_demo):
    marks = Mark.objects.all_trusts()
    counts = marks.session_counts()
    assert 0.02 < counts.absent / counts.possible < 0.15
    assert 0.005 < counts.late / counts.present < 0.05
    # N is only for the last few school days: older absences have their reason (or became O).
    assert not marks.filter(code="N", date__lt=UNTIL - dt.timedelta(days=7)).exists()


def test_marks_are_imported_with_their_history(small_demo):
    mark = Mark.objects.all_trusts().first()
    assert (mark.source, mark.reason) == (Mark.Source.IMPORT, "Demo data")
    assert Mark.pgh_event_model.objects.count() == Mark.objects.all_trusts().count()


def test_loading_again_changes_nothing_and_says_so(small_demo):
    before = (Trust.objects.count(), Pupil.objects.all_trusts().count(), Mark.objects.all_trusts().count())
    output = load()
    assert "already loaded" in output
    assert (Trust.objects.count(), Pupil.objects.all_trusts().count(), Mark.objects.all_trusts().count()) == before


def test_reset_rebuilds_the_same_demo(small_demo):
    before = sorted(Mark.objects.all_trusts().values_list("pupil__upn", "date", "session", "code"))
    output = load("--reset")
    assert "Deleted the demo trusts" in output
    assert Trust.objects.filter(slug__in=["omega", "waterton"]).count() == 2
    assert sorted(Mark.objects.all_trusts().values_list("pupil__upn", "date", "session", "code")) == before
    # History of the deleted marks went with them: one insert event per mark now present.
    assert Mark.pgh_event_model.objects.count() == len(before)


def test_reset_leaves_other_trusts_alone(small_demo, pupil_b):
    load("--reset")
    assert Pupil.objects.filter(pk=pupil_b.pk).exists()


def test_a_demo_username_taken_by_someone_else_stops_the_load(db):
    get_user_model().objects.create_user("officer", password="another password")
    with pytest.raises(CommandError, match="officer"):
        load()
    assert not Trust.objects.filter(slug="omega").exists()


def test_the_demo_leaves_proposals_awaiting_review_from_the_last_school_days_run(small_demo):
    runs = EvaluationRun.objects.all_trusts()
    assert sorted(runs.values_list("on", flat=True).distinct()) == [UNTIL]
    assert runs.count() == School.objects.all_trusts().count()
    assert Proposal.objects.all_trusts().filter(status=Proposal.Status.PROPOSED).exists()
    assert "proposals awaiting review from the run on 2026-11-20" in small_demo


def test_reset_works_after_staff_have_decided_proposals(small_demo):
    proposal = Proposal.objects.all_trusts().first()
    proposal.status, proposal.decided_by = (
        Proposal.Status.APPROVED,
        get_user_model().objects.get(username="head.primary"),
    )
    proposal.save()

    load("--reset")

    assert Proposal.objects.all_trusts().filter(status=Proposal.Status.APPROVED).count() == 0


def test_siblings_share_their_parents_contact_rows(small_demo):
    shared = Contact.objects.all_trusts().annotate(children=Count("pupil_links")).filter(children__gt=1).first()
    assert shared is not None
    links = PupilContact.objects.all_trusts().filter(contact=shared).select_related("pupil")
    assert len({link.pupil.legal_surname for link in links}) == 1
    assert len({(link.relationship, link.priority, link.parental_responsibility) for link in links}) == 1


@pytest.mark.django_db
def test_a_trust_of_a_thousand_pupils_has_birthdays_that_fit_and_national_rates():
    trust = Trust.objects.create(slug="sample", name="Sample Trust")
    school = School.objects.create(trust=trust, urn="900001", name="Sample Primary", phase=School.Phase.PRIMARY)
    high = School.objects.create(trust=trust, urn="900002", name="Sample High", phase=School.Phase.SECONDARY)
    area = (("Sampleton", "SA1"),)
    plans = [
        synthetic.SchoolPlan(school, demo.PRIMARY, 420, 999, 2001, area, "Sampleton"),
        synthetic.SchoolPlan(high, demo.SECONDARY, 600, 999, 4001, area, "Sampleton"),
    ]
    synthetic.create_pupils(trust, plans, year=2026, seed="sample", leavers=True)
    pupils = Pupil.objects.for_trust(trust)

    # Year N in 2026/27 is born from September of 2026-N-5 to August of 2026-N-4 (Reception counts as 0).
    for pupil in pupils.filter(enrolments__ends__isnull=True):
        n = synthetic.year_group_offset(pupil.year_group)
        assert dt.date(2026 - n - 5, 9, 1) <= pupil.date_of_birth <= dt.date(2026 - n - 4, 8, 31), pupil.year_group

    def share(**flags):
        return pupils.filter(**flags).count() / pupils.count()

    assert 0.18 < share(fsm=True) < 0.32
    assert share(fsm=True) < share(pupil_premium=True) < share(fsm=True) + 0.1
    assert 0.09 < share(sen=Pupil.SEN.SUPPORT) < 0.18
    assert 0.005 < share(sen=Pupil.SEN.EHCP) < 0.05
    assert 0.13 < share(eal=True) < 0.27
    assert 0 < pupils.filter(watch_list=True).count() < 0.05 * pupils.count()
    # Some of last year's Year 6 moved up to Year 7 at the trust's secondary: one pupil, two enrolments.
    moved_up = pupils.annotate(schools=Count("enrolments")).filter(schools=2)
    assert moved_up.exists() and all(p.year_group == "7" for p in moved_up)
    assert len(set(pupils.values_list("upn", flat=True))) == pupils.count()


@pytest.mark.parametrize(
    ("phase", "low", "high"), [(School.Phase.PRIMARY, 0.035, 0.07), (School.Phase.SECONDARY, 0.065, 0.11)]
)
def test_the_generator_gives_national_absence_rates_concentrated_in_a_few_pupils(phase, low, high):
    school = School(pk=1, trust_id=1, urn="900003", phase=phase)
    days = calendar.school_days([(s, e) for _, s, e in synthetic.HALF_TERMS[2025]])
    year = synthetic.school_year(school, 2025, days, "rates")
    rng = random.Random("rates")
    family = synthetic._Family("Smith", "English", "English", "", "", 1, False, False, False, False, None, ((), ()))
    per_pupil = []
    for n in range(2000):
        pupil = Pupil(fsm=rng.random() < 0.25, sen=Pupil.SEN.NONE)
        profile = synthetic._absence_profile(rng, pupil, phase, family)
        plan = synthetic.PupilPlan(n, f"P{n}", "9", 2025, profile)
        codes = synthetic.register_codes(plan, year, seed="rates", starts=days[0], ends=days[-1])
        assert len(codes) == 2 * len(days)
        C.check_all(code for _, _, code, _ in codes)
        per_pupil.append(count_codes(code for _, _, code, _ in codes))
    totals = sum(per_pupil, start=count_codes([]))
    assert low < totals.absent / totals.possible < high
    persistent = sum(c.persistent for c in per_pupil) / len(per_pupil)
    severe = sum(c.severe for c in per_pupil) / len(per_pupil)
    assert 0.08 < persistent < 0.35
    assert 0.002 < severe < 0.04
    # Illness is the biggest reason for absence, so authorised absence outweighs unauthorised.
    assert totals.authorised > totals.unauthorised


def test_a_upn_carries_the_dfe_check_letter():
    # B801200005001 is a valid UPN (LA 801, establishment 2000, issued in 2005, serial 001); A801... is not.
    assert synthetic.upn(801, 2000, 2005, 1) == "B801200005001"
