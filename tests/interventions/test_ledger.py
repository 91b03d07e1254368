"""The penalty-notice ledger per parent per child (interventions.ledger): what it allows next, recording a notice
(a third within 3 years is refused, nothing saved), and what became of each notice."""

import datetime as dt
from decimal import Decimal

import pytest

from interventions import ledger
from interventions.models import PenaltyNotice
from interventions.penalty import Step
from tests.factories import ContactFactory, PupilContactFactory, PupilFactory
from tests.interventions.test_review import notice, parent_of, reviewer_at

ON = dt.date(2026, 11, 26)
PN, NTI = PenaltyNotice.Kind.PENALTY_NOTICE, PenaltyNotice.Kind.NOTICE_TO_IMPROVE
IRREGULAR, HOLIDAY = PenaltyNotice.Reason.IRREGULAR_ATTENDANCE, PenaltyNotice.Reason.TERM_TIME_HOLIDAY


@pytest.fixture
def mother(pupil_a):
    return parent_of(pupil_a, "Jo Able", "Mother")


@pytest.fixture
def reviewer(school_a):
    return reviewer_at(school_a)


def record(school, pupil, contact, user, **fields):
    values = {"kind": PN, "reason": IRREGULAR, "issued_on": ON, **fields}
    return ledger.record_notice(school=school, pupil=pupil, contact=contact, user=user, **values)


# --- The next step --------------------------------------------------------------------------------------------------


def test_a_parent_with_no_notices_is_at_a_first_notice(pupil_a, mother):
    step = ledger.next_step_for(mother, pupil_a, ON)

    assert step.step is Step.FIRST_NOTICE
    assert ledger.describe(step) == "First penalty notice: £80 if paid within 21 days, £160 within 28"


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["issued"], Step.SECOND_NOTICE),  # awaiting payment counts like unpaid
        (["paid_21"], Step.SECOND_NOTICE),
        (["withdrawn"], Step.FIRST_NOTICE),
        (["withdrawn", "unpaid"], Step.SECOND_NOTICE),
        (["paid_28", "prosecuted"], Step.PROSECUTION),
        (["issued", "issued"], Step.PROSECUTION),
    ],
)
def test_notices_count_towards_the_limit_unless_withdrawn(school_a, pupil_a, mother, statuses, expected):
    for i, status in enumerate(statuses):
        notice(mother, pupil_a, school_a, dt.date(2026, 1, 5) + dt.timedelta(days=30 * i), status=status)

    assert ledger.next_step_for(mother, pupil_a, ON).step is expected


def test_a_notice_to_improve_does_not_count_as_a_notice(school_a, pupil_a, mother):
    notice(mother, pupil_a, school_a, dt.date(2026, 2, 2), kind=NTI, improvement_weeks=4)
    notice(mother, pupil_a, school_a, dt.date(2026, 5, 4))

    assert ledger.next_step_for(mother, pupil_a, ON).step is Step.SECOND_NOTICE


def test_notices_older_than_the_3_year_period_no_longer_count(school_a, pupil_a, mother):
    notice(mother, pupil_a, school_a, dt.date(2024, 9, 2))
    notice(mother, pupil_a, school_a, dt.date(2025, 3, 3))

    assert ledger.next_step_for(mother, pupil_a, dt.date(2027, 9, 1)).step is Step.PROSECUTION
    assert ledger.next_step_for(mother, pupil_a, dt.date(2027, 9, 2)).step is Step.FIRST_NOTICE


def test_the_ledger_is_per_parent_and_per_child(school_a, pupil_a, mother):
    father = parent_of(pupil_a, "Sam Able", "Father")
    sister = PupilFactory(school=school_a)
    PupilContactFactory(pupil=sister, contact=mother)
    notice(father, pupil_a, school_a, dt.date(2026, 1, 5))
    notice(father, pupil_a, school_a, dt.date(2026, 3, 2))
    notice(mother, sister, school_a, dt.date(2026, 1, 5))
    notice(mother, sister, school_a, dt.date(2026, 3, 2))

    assert ledger.next_step_for(mother, pupil_a, ON).step is Step.FIRST_NOTICE
    assert ledger.next_step_for(father, pupil_a, ON).step is Step.PROSECUTION
    assert ledger.next_step_for(mother, sister, ON).step is Step.PROSECUTION


def test_support_brings_a_notice_to_improve_first_but_not_for_a_holiday(pupil_a, mother):
    supported = ledger.next_step_for(mother, pupil_a, ON, IRREGULAR, support_appropriate=True)
    holiday = ledger.next_step_for(mother, pupil_a, ON, HOLIDAY, support_appropriate=True)

    assert (supported.step, supported.then) == (Step.NOTICE_TO_IMPROVE, Step.FIRST_NOTICE)
    assert ledger.describe(supported).startswith("Notice to Improve first (3 to 6 weeks to improve), then a first")
    assert holiday.step is Step.FIRST_NOTICE


# --- Recording ------------------------------------------------------------------------------------------------------


def test_a_first_notice_is_recorded_for_the_full_amount_with_the_reduction_shown(school_a, pupil_a, mother, reviewer):
    recorded = record(school_a, pupil_a, mother, reviewer, note=" Posted first class ")

    assert (recorded.kind, recorded.status, recorded.amount, recorded.note) == (
        "penalty_notice",
        "issued",
        Decimal("160"),
        "Posted first class",
    )
    assert recorded.recorded_by == reviewer and recorded.trust == school_a.trust
    [row] = ledger.ledger_rows([recorded])
    assert row.ordinal is Step.FIRST_NOTICE
    assert [(p.amount, p.pay_by) for p in row.payments] == [
        (Decimal("80"), dt.date(2026, 12, 17)),
        (Decimal("160"), dt.date(2026, 12, 24)),
    ]


def test_a_second_notice_is_160_with_no_reduction(school_a, pupil_a, mother, reviewer):
    notice(mother, pupil_a, school_a, dt.date(2026, 2, 2), status=PenaltyNotice.Status.PAID_28)

    second = record(school_a, pupil_a, mother, reviewer)

    assert second.amount == Decimal("160")
    rows = ledger.ledger_rows(PenaltyNotice.objects.filter(contact=mother))
    assert [r.ordinal for r in rows] == [Step.FIRST_NOTICE, Step.SECOND_NOTICE]
    assert [(p.amount, p.pay_by) for p in rows[1].payments] == [(Decimal("160"), dt.date(2026, 12, 24))]


def test_a_third_notice_within_3_years_is_refused_and_nothing_is_saved(school_a, pupil_a, mother, reviewer):
    notice(mother, pupil_a, school_a, dt.date(2025, 1, 10))
    notice(mother, pupil_a, school_a, dt.date(2026, 3, 2), status=PenaltyNotice.Status.PAID_28)

    with pytest.raises(ledger.LedgerRefused) as refused:
        record(school_a, pupil_a, mother, reviewer)

    assert str(refused.value) == (
        "A third penalty notice cannot be issued to Jo Able for Ann Able: two penalty notices since 10 January 2025, "
        "the limit within 3 years (until 9 January 2028). The route now is prosecution or another attendance legal "
        "intervention."
    )
    assert PenaltyNotice.objects.count() == 2


def test_a_notice_to_improve_records_its_improvement_period_and_no_amount(school_a, pupil_a, mother, reviewer):
    nti = record(school_a, pupil_a, mother, reviewer, kind=NTI, improvement_weeks=4, amount=Decimal("80"))

    assert (nti.amount, nti.improvement_weeks) == (None, 4)
    [row] = ledger.ledger_rows([nti])
    assert (row.ordinal, row.payments, row.improvement_ends) == (None, (), dt.date(2026, 12, 23))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": NTI, "improvement_weeks": 4, "reason": HOLIDAY}, "not given for a term-time holiday"),
        ({"kind": NTI, "improvement_weeks": 7}, "must be 3 to 6 weeks"),
        ({"kind": NTI, "improvement_weeks": 2}, "must be 3 to 6 weeks"),
        ({"kind": NTI}, "Give the improvement period: 3 to 6 weeks."),
    ],
)
def test_a_notice_to_improve_is_refused_outside_the_framework(school_a, pupil_a, mother, reviewer, fields, message):
    with pytest.raises(ledger.LedgerRefused, match=message):
        record(school_a, pupil_a, mother, reviewer, **fields)

    assert not PenaltyNotice.objects.exists()


def test_a_notice_needs_a_parent_with_parental_responsibility(school_a, pupil_a, reviewer):
    stepfather = PupilContactFactory(
        pupil=pupil_a, relationship="Stepfather", parental_responsibility=False, contact__name="Lee Stone"
    ).contact
    stranger = ContactFactory(trust=school_a.trust, name="Not Linked")

    for contact in (stepfather, stranger):
        with pytest.raises(ledger.LedgerRefused, match="has no parental responsibility recorded for Ann Able"):
            record(school_a, pupil_a, contact, reviewer)

    assert not PenaltyNotice.objects.exists()


# --- What became of a notice ----------------------------------------------------------------------------------------


def test_a_notice_is_marked_paid_with_a_note(school_a, pupil_a, mother):
    issued = notice(mother, pupil_a, school_a, dt.date(2026, 11, 2))

    ledger.set_status(issued, PenaltyNotice.Status.PAID_21, note="Paid online")

    issued.refresh_from_db()
    assert (issued.status, issued.note) == ("paid_21", "Paid online")


def test_a_second_notice_cannot_be_paid_at_the_reduced_rate(school_a, pupil_a, mother):
    notice(mother, pupil_a, school_a, dt.date(2026, 1, 5), status=PenaltyNotice.Status.PAID_21)
    second = notice(mother, pupil_a, school_a, dt.date(2026, 11, 2))

    with pytest.raises(ledger.LedgerRefused, match="no reduced amount"):
        ledger.set_status(second, PenaltyNotice.Status.PAID_21)

    second.refresh_from_db()
    assert second.status == "issued"


@pytest.mark.parametrize("status", ["paid_21", "paid_28", "unpaid", "prosecuted"])
def test_a_notice_to_improve_is_only_issued_or_withdrawn(school_a, pupil_a, mother, status):
    nti = notice(mother, pupil_a, school_a, dt.date(2026, 11, 2), kind=NTI, improvement_weeks=4)

    with pytest.raises(ledger.LedgerRefused, match="A notice to improve cannot be"):
        ledger.set_status(nti, status)

    assert ledger.set_status(nti, PenaltyNotice.Status.WITHDRAWN).status == "withdrawn"


def test_withdrawing_a_notice_frees_its_place_in_the_limit(school_a, pupil_a, mother):
    notice(mother, pupil_a, school_a, dt.date(2026, 1, 5))
    second = notice(mother, pupil_a, school_a, dt.date(2026, 3, 2))
    assert ledger.next_step_for(mother, pupil_a, ON).step is Step.PROSECUTION

    ledger.set_status(second, PenaltyNotice.Status.WITHDRAWN)

    assert ledger.next_step_for(mother, pupil_a, ON).step is Step.SECOND_NOTICE
    assert [r.payments for r in ledger.ledger_rows(PenaltyNotice.objects.filter(contact=mother))][1] == ()
