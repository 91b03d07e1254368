"""Approval makes a batch: a letter to each parent with parental responsibility, at their own address and in their
language, rendered in chunks to PDFs read back here with pypdf; safe to render twice; never sent twice."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interventions.models import Case, Proposal
from interventions.policies import trust_version
from letters.batches import LetterRequest, render_batch, start_batch
from letters.models import Letter, LetterBatch, LetterTemplate
from tests.factories import ContactFactory, PupilContactFactory, PupilFactory
from tests.letters.conftest import ON, pdf_pages, pdf_text

pytestmark = pytest.mark.django_db


def _start(school, user, requests, **kwargs):
    return start_batch(school=school, user=user, title="Approved today", requests=requests, on=ON, **kwargs)


def _proposal(pupil, school, letter="LON3"):
    case = Case.objects.get_or_create(trust=school.trust, school=school, pupil=pupil)[0]
    return Proposal.objects.create(
        trust=school.trust,
        school=school,
        case=case,
        pupil=pupil,
        policy_version=trust_version(school.trust),
        evaluated_on=ON,
        rule="omega.lon3",
        rule_kind="attendance_below",
        category=Proposal.Category.MEETING,
        letter=letter,
        actions=[{"kind": "letter", "code": letter}],
        evidence={},
    )


# --- Making the batch -----------------------------------------------------------------------------------------------


def test_each_parent_with_parental_responsibility_gets_a_letter_at_their_own_address_in_their_language(
    calendar, marked, parents, head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        batch = _start(calendar, head, [LetterRequest(marked, "LON2")])

    letters = list(batch.letters.order_by("pk"))
    assert [(x.addressee, x.language, x.address) for x in letters] == [
        ("Maria Nowak", "Polish", "12 Oak Road\nTownley\nTW1 3CD"),
        ("John Able", "English", "4 Elm Close\nOtherton\nOT2 9ZZ"),
    ]
    assert {x.delivery for x in letters} == {Letter.Delivery.POST}
    assert (batch.total, batch.rendered, batch.status, batch.error) == (2, 0, LetterBatch.Status.QUEUED, "")
    assert len(queued) == 1, "the render is queued once the batch's transaction commits"


def test_a_letter_without_a_translation_goes_in_english(calendar, marked, parents, head):
    batch = _start(calendar, head, [LetterRequest(marked, "LON3")])
    assert set(batch.letters.values_list("language", flat=True)) == {"English"}


def test_a_trusts_own_translation_is_used_for_a_parent_who_prefers_it(calendar, marked, parents, head):
    mother, _ = parents
    mother.language = "urdu"  # as typed into the MIS
    mother.save()
    LetterTemplate.objects.create(trust=calendar.trust, code="LON3", language="Urdu", title="t", body="b")
    batch = _start(calendar, head, [LetterRequest(marked, "LON3")])
    assert batch.letters.get(contact=mother).language == "Urdu"


def test_each_letters_figures_are_frozen_as_on_the_day_and_the_letter_dated_when_made(
    calendar, marked, parents, head, time_machine
):
    time_machine.move_to(dt.datetime(2026, 9, 23, 9, tzinfo=dt.UTC))
    batch = _start(calendar, head, [LetterRequest(marked, "LON2")])
    english = batch.letters.get(language="English").figures
    polish = batch.letters.get(language="Polish").figures
    assert (english["parent_name"], english["days_absent"]) == ("John Able", 2.5)
    assert (english["figures_to"], english["date"]) == ("21 September 2026", "23 September 2026")
    assert (polish["parent_name"], polish["date"]) == ("Maria Nowak", "23 września 2026")


def test_a_pupil_with_no_parent_with_parental_responsibility_is_named_and_gets_no_letter(
    calendar, marked, parents, head
):
    orphaned = PupilFactory(school=calendar, legal_forename="Olly", legal_surname="Orr", upn="A999000000001")
    PupilContactFactory(pupil=orphaned, parental_responsibility=False)

    batch = _start(calendar, head, [LetterRequest(marked, "LON2"), LetterRequest(orphaned, "LON2")])

    assert batch.letters.count() == 2 and not batch.letters.filter(pupil=orphaned).exists()
    assert batch.error == "Olly Orr (A999000000001): no contact with parental responsibility, so no letter."


def test_email_without_an_address_goes_by_post_and_post_without_an_address_by_hand(calendar, marked, head):
    PupilContactFactory(pupil=marked, contact=ContactFactory(trust=calendar.trust, name="No Email", email=""))
    PupilContactFactory(
        pupil=marked, contact=ContactFactory(trust=calendar.trust, name="No Home", address="", postcode="")
    )

    batch = _start(calendar, head, [LetterRequest(marked, "WEEKLY", delivery=Letter.Delivery.EMAIL)])
    deliveries = dict(batch.letters.values_list("addressee", "delivery"))
    assert deliveries == {"No Email": Letter.Delivery.POST, "No Home": Letter.Delivery.EMAIL}

    batch = _start(calendar, head, [LetterRequest(marked, "WEEKLY")])
    assert dict(batch.letters.values_list("addressee", "delivery")) == {
        "No Email": Letter.Delivery.POST,
        "No Home": Letter.Delivery.HAND,
    }
    assert "No Home (for Ann Able): no postal address, so hand delivered." in batch.error


def test_approving_the_same_proposal_twice_never_sends_a_letter_twice(calendar, marked, parents, head):
    proposal = _proposal(marked, calendar)
    first = _start(calendar, head, [LetterRequest(marked, "LON3", proposal), LetterRequest(marked, "LON3", proposal)])
    again = _start(
        calendar, head, [LetterRequest(marked, "LON3", proposal), LetterRequest(marked, "MEDICAL_EVIDENCE", proposal)]
    )

    assert first.total == 2
    assert again.total == 2 and set(again.letters.values_list("code", flat=True)) == {"MEDICAL_EVIDENCE"}
    assert Letter.objects.filter(proposal=proposal, code="LON3").count() == 2


def test_a_batch_with_nothing_left_to_send_is_finished_at_once(calendar, marked, parents, head):
    proposal = _proposal(marked, calendar)
    _start(calendar, head, [LetterRequest(marked, "LON3", proposal)])
    again = _start(calendar, head, [LetterRequest(marked, "LON3", proposal)])
    assert (again.total, again.status) == (0, LetterBatch.Status.DONE)


def test_a_letter_code_pupil_or_proposal_from_elsewhere_is_refused_and_nothing_is_made(
    calendar, marked, pupil_b, school_b, head
):
    for request in (
        LetterRequest(marked, "LON9"),
        LetterRequest(pupil_b, "LON2"),
        LetterRequest(marked, "LON3", _proposal(pupil_b, school_b)),
    ):
        with pytest.raises(ValueError):
            _start(calendar, head, [request])
    assert not LetterBatch.objects.filter(school=calendar).exists()


def test_making_a_batch_takes_the_same_queries_for_three_or_thirty_pupils(calendar, marked, head):
    def queries(count):
        pupils = [PupilFactory(school=calendar) for _ in range(count)]
        for pupil in pupils:
            PupilContactFactory(pupil=pupil)
        with CaptureQueriesContext(connection) as captured:
            _start(calendar, head, [LetterRequest(p, "LON2") for p in pupils])
        return len(captured)

    assert queries(3) == queries(30)


# --- Rendering ------------------------------------------------------------------------------------------------------


def test_approval_renders_every_letter_and_the_merged_pdf_reads_back_with_names_figures_and_dates(
    calendar, marked, parents, head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = _start(calendar, head, [LetterRequest(marked, "LON2")])
    batch.refresh_from_db()

    assert (batch.status, batch.rendered, batch.total) == (LetterBatch.Status.DONE, 2, 2)
    english = pdf_text(batch.letters.get(language="English").pdf)
    for text in (
        "Alpha Primary",
        "Alpha Lane",
        "John Able",
        "4 Elm Close",
        "OT2 9ZZ",
        "21 September 2026",
        "Dear John Able,",
        "Ann's attendance: missing some learning",
        "Ann has attended 23 out of a possible 28 sessions",
        "Ann has missed 2.5 school days (5 sessions) since 2 September 2026",
        "would have missed about 1 day in the same time",
        "Sessions of unauthorised absence: 3",
        "Attendance: 82.1%",
        "(2023/24): 94.5%",
        "Mrs J. Lindley",
    ):
        assert text in english, text
    assert "Maria Nowak" not in english and "Steve Step" not in english

    polish = pdf_text(batch.letters.get(language="Polish").pdf)
    for text in ("Maria Nowak", "12 Oak Road", "21 września 2026", "Szanowni Państwo", "Frekwencja w szkole: Ann Able"):
        assert text in polish, text
    assert "obecny(a) w szkole przez 23 z 28 możliwych półdni" in polish

    merged = pdf_text(batch.pdf)
    assert merged.index("Maria Nowak") < merged.index("John Able")
    assert pdf_pages(batch.pdf) == sum(pdf_pages(x.pdf) for x in batch.letters.all())


def test_each_letter_keeps_its_own_pages_when_a_long_one_runs_onto_a_second(calendar, marked, parents, head):
    LetterTemplate.objects.create(
        trust=calendar.trust,
        code="LON4",
        language="English",
        title="Long",
        body="\n\n".join(
            f"Paragraph {n}: {{{{ pupil_forename }}}} missed {{{{ days_absent }}}} days." for n in range(40)
        ),
    )
    batch = _start(calendar, head, [LetterRequest(marked, "LON4"), LetterRequest(marked, "WEEKLY")])
    render_batch(batch.trust_id, batch.pk, chunk_size=10)

    long_one, weekly = (
        batch.letters.get(code="LON4", addressee="John Able"),
        batch.letters.get(code="WEEKLY", addressee="John Able"),
    )
    assert pdf_pages(long_one.pdf) == 2
    assert "Paragraph 39" in pdf_text(long_one.pdf) and "Yours sincerely" in pdf_text(long_one.pdf)
    assert pdf_pages(weekly.pdf) == 1 and "Paragraph" not in pdf_text(weekly.pdf)
    assert "This week Ann attended 2 out of a possible 2 sessions." in pdf_text(weekly.pdf)


def test_a_termly_summary_shows_the_colour_band(calendar, marked, parents, head):
    batch = _start(calendar, head, [LetterRequest(marked, "WAT_TERMLY")])
    render_batch(batch.trust_id, batch.pk)
    text = pdf_text(batch.letters.get(addressee="John Able").pdf)
    assert "which puts Ann in the Red band: serious concerns" in text
    assert "Colour band: Red, serious concerns (below 90%)" in text


def test_rendering_a_finished_batch_again_makes_renders_and_merges_nothing_twice(calendar, marked, parents, head):
    batch = _start(calendar, head, [LetterRequest(marked, "LON2")])
    render_batch(batch.trust_id, batch.pk)
    first = {x.pk: (bytes(x.pdf), x.rendered_at) for x in batch.letters.all()}

    render_batch(batch.trust_id, batch.pk)

    batch.refresh_from_db()
    assert {x.pk: (bytes(x.pdf), x.rendered_at) for x in batch.letters.all()} == first
    assert (batch.status, batch.total, batch.rendered, Letter.objects.count()) == (LetterBatch.Status.DONE, 2, 2, 2)
    assert pdf_pages(batch.pdf) == 2


def test_a_render_cut_off_part_way_finishes_the_rest_when_run_again(calendar, marked, parents, head):
    pupils = [marked] + [PupilFactory(school=calendar) for _ in range(4)]
    for pupil in pupils[1:]:
        PupilContactFactory(pupil=pupil)
    batch = _start(calendar, head, [LetterRequest(p, "WEEKLY") for p in pupils])
    kept = list(batch.letters.order_by("pk")[:3])
    from letters import rendering

    for letter, pdf in zip(kept, rendering.render_pdfs([_content(x) for x in kept]), strict=True):
        Letter.objects.filter(pk=letter.pk).update(pdf=pdf)

    render_batch(batch.trust_id, batch.pk, chunk_size=2)

    batch.refresh_from_db()
    assert (batch.status, batch.rendered, batch.total) == (LetterBatch.Status.DONE, 6, 6)
    assert all(x.rendered_at is None for x in batch.letters.filter(pk__in=[k.pk for k in kept]))
    assert pdf_pages(batch.pdf) == 6


def _content(letter):
    from letters import rendering
    from letters.defaults import DEFAULTS

    return rendering.lay_out(
        school=letter.school,
        pupil=letter.pupil,
        code=letter.code,
        language=letter.language,
        addressee=letter.addressee,
        address=letter.address,
        figures=letter.figures,
        wording=DEFAULTS[(letter.code, "English")],
    )


def test_wording_that_cannot_be_filled_in_fails_the_batch_with_why_and_a_retry_finishes_it(
    calendar, marked, parents, head
):
    row = LetterTemplate.objects.create(
        trust=calendar.trust, code="LON2", language="English", title="t", body="{{ 100 / week_possible_sessions }}"
    )
    nobody = PupilFactory(school=calendar, legal_forename="Nia", legal_surname="Nash")
    PupilContactFactory(pupil=nobody, contact=ContactFactory(trust=calendar.trust, name="Nia's mum"))
    batch = _start(calendar, head, [LetterRequest(marked, "LON2"), LetterRequest(nobody, "LON2")])

    render_batch(batch.trust_id, batch.pk, chunk_size=2)

    batch.refresh_from_db()
    assert batch.status == LetterBatch.Status.FAILED
    assert batch.error == (
        "Rendering stopped: the LON2 letter in English (for Nia Nash): The wording cannot be filled in: division by "
        "zero. Correct the wording on the letter templates page, then render the batch again."
    )
    assert not batch.pdf
    assert batch.rendered == 2, "the chunk before the failure is kept"

    row.body = "Fixed."
    row.save()
    render_batch(batch.trust_id, batch.pk, chunk_size=2)
    batch.refresh_from_db()
    assert (batch.status, batch.rendered, batch.error) == (LetterBatch.Status.DONE, 3, "")
    assert "Fixed." in pdf_text(batch.letters.get(pupil=nobody).pdf)


def test_the_page_polling_the_batch_sees_progress_after_each_chunk(calendar, head, monkeypatch):
    pupils = [PupilFactory(school=calendar) for _ in range(5)]
    for pupil in pupils:
        PupilContactFactory(pupil=pupil)
    batch = _start(calendar, head, [LetterRequest(p, "WEEKLY") for p in pupils])
    seen = []
    from letters import batches, rendering

    real = rendering.render_pdfs

    def watching(contents):
        seen.append(LetterBatch.objects.values_list("status", "rendered").get(pk=batch.pk))
        return real(contents)

    monkeypatch.setattr(batches.rendering, "render_pdfs", watching)
    render_batch(batch.trust_id, batch.pk, chunk_size=2)
    assert seen == [("running", 0), ("running", 2), ("running", 4)]


def test_rendering_another_trusts_batch_by_its_id_does_nothing(calendar, marked, parents, head, trust_b):
    batch = _start(calendar, head, [LetterRequest(marked, "LON2")])
    render_batch(trust_b.pk, batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.rendered) == (LetterBatch.Status.QUEUED, 0)
