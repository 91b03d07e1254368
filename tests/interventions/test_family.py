"""The family view: siblings at different schools of a trust share their parents' records, so the notice ledger and
letters are per parent across the trust; a child at a school the user does not work at shows only the school."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions.models import Case
from letters.models import Letter, LetterBatch
from schools.models import Role
from tests.factories import PupilContactFactory, PupilFactory, SchoolFactory, staff
from tests.interventions.test_review import NOW, notice, parent_of, proposal_for


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def gamma(trust_a):
    return SchoolFactory(trust=trust_a, name="Gamma Secondary", urn="100002")


@pytest.fixture
def brother(gamma):
    return PupilFactory(school=gamma, legal_forename="Ben", legal_surname="Able", upn="A100000000002")


@pytest.fixture
def mother(pupil_a, brother):
    contact = parent_of(pupil_a, "Jo Able", "Mother")
    PupilContactFactory(pupil=brother, contact=contact, relationship="Mother")
    return contact


@pytest.fixture
def father(pupil_a):
    return parent_of(pupil_a, "Sam Able", "Father")


@pytest.fixture
def history(school_a, gamma, pupil_a, brother, mother, father):
    """Ben's mother has had two notices for him; Ann's parents none. Ben is at stage 3 with a proposal waiting."""
    notice(mother, brother, gamma, dt.date(2025, 1, 10))
    notice(mother, brother, gamma, dt.date(2026, 3, 2))
    proposal_for(brother, gamma, "omega.lon4")
    Case.objects.filter(pupil=brother).update(stage=3)
    batch = LetterBatch.objects.create(trust=gamma.trust, school=gamma, title="Approved")
    Letter.objects.create(
        trust=gamma.trust, school=gamma, batch=batch, pupil=brother, contact=mother, code="LON4", addressee="Jo Able"
    )


def family_url(pupil):
    return reverse("interventions:family", args=[pupil.pk])


def test_a_trust_lead_sees_each_parents_children_at_every_school_with_their_own_ledger(
    client, lead, pupil_a, brother, mother, history
):
    client.force_login(lead)

    response = client.get(family_url(pupil_a))

    parents = response.context["parents"]
    assert [(p.contact.name, [c.pupil.display_name for c, _ in kids]) for p, kids in parents] == [
        ("Jo Able", ["Ann Able", "Ben Able"]),
        ("Sam Able", ["Ann Able"]),
    ]
    [(ann, ann_ledger), (ben, ben_ledger)] = parents[0][1]
    assert ann_ledger.parent.next_step.step == "first_notice" and ann_ledger.entries == []
    assert ben_ledger.parent.next_step.step == "prosecution" and len(ben_ledger.entries) == 2
    assert (ben.school.name, ben.stage_title) == ("Gamma Secondary", "Stage 3: Below 92%")
    html = response.content.decode()
    assert "Prosecution or another legal intervention (no third notice): two penalty notices since 10 January 2025" in (
        html
    )
    assert "1 proposal awaiting review: Below 92%" in html
    assert "Letters to Jo Able: LON4 (26 Nov 2026)" in html
    assert "A child at another school" not in html


def test_a_schools_head_sees_a_sibling_elsewhere_only_as_at_another_school(
    client, head, pupil_a, brother, mother, history
):
    client.force_login(head)

    response = client.get(family_url(pupil_a))

    html = response.content.decode()
    assert 'A child at another school <span class="muted">· Gamma Secondary</span>' in html
    assert "Ben" not in html and brother.upn not in html
    assert "Below 92%" not in html and "LON4" not in html and "10 Jan 2025" not in html
    assert "Notices to Jo Able for Ann Able" in html and "Notices to Sam Able for Ann Able" in html


def test_the_siblings_school_sees_the_same_shared_ledger_from_the_other_side(
    client, gamma, pupil_a, brother, mother, history
):
    client.force_login(staff(gamma.trust, Role.Kind.ATTENDANCE_LEAD, gamma, username="gamma-lead"))

    html = client.get(family_url(brother)).content.decode()

    assert "Notices to Jo Able for Ben Able" in html and "10 Jan 2025" in html
    assert 'A child at another school <span class="muted">· Alpha Primary</span>' in html
    assert "Change status" in html  # the notices are Gamma's own


def test_only_the_issuing_schools_reviewers_change_a_notices_status(client, head, lead, pupil_a, mother, gamma):
    notice(mother, pupil_a, gamma, dt.date(2026, 9, 7))  # issued by Ann's previous school
    client.force_login(head)
    assert "Change status" not in client.get(family_url(pupil_a)).content.decode()

    client.force_login(lead)
    assert "Change status" in client.get(family_url(pupil_a)).content.decode()


def test_a_pupil_with_no_parent_recorded_says_so(client, head, pupil_a):
    client.force_login(head)

    html = client.get(family_url(pupil_a)).content.decode()

    assert "No parent or carer with parental responsibility is recorded for Ann Able." in html


def test_the_family_view_reads_the_same_number_of_queries_however_many_children(
    client, lead, school_a, gamma, pupil_a, mother, history
):
    client.force_login(lead)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(family_url(pupil_a)).status_code == 200
        return len(captured)

    def add_children(*schools):
        for school in schools:
            child = PupilFactory(school=school)
            PupilContactFactory(pupil=child, contact=mother)
            notice(mother, child, school, dt.date(2026, 10, 5))
            proposal_for(child, school, "omega.lon2")

    add_children(school_a)  # a child on the ladder at each school: the policy in force is read once per school
    before = queries()
    add_children(school_a, gamma, school_a)

    assert queries() == before
