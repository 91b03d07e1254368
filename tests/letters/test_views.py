"""The letters pages: batches with progress, the PDFs, one-off batches, and the trust lead's wording with a preview."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from letters.batches import LetterRequest, start_batch
from letters.models import Letter, LetterBatch, LetterTemplate
from schools.models import Role
from tests.factories import PupilContactFactory, PupilFactory, SchoolFactory, staff
from tests.letters.conftest import ON, pdf_text

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime.combine(ON, dt.time(10), tzinfo=LONDON), tick=False)


def _batch(school, user, requests, execute, title="Approved today"):
    with execute(execute=True):
        return start_batch(school=school, user=user, title=title, requests=requests, on=ON)


@pytest.fixture
def rendered(calendar, marked, parents, attendance_lead, django_capture_on_commit_callbacks):
    return _batch(calendar, attendance_lead, [LetterRequest(marked, "LON2")], django_capture_on_commit_callbacks)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- Batches ----------------------------------------------------------------------------------------------------------


def test_the_list_shows_the_users_schools_batches_newest_first_with_their_state(
    client, rendered, calendar, attendance_lead
):
    other_school = SchoolFactory(trust=calendar.trust, name="Gamma School")
    LetterBatch.objects.create(trust=calendar.trust, school=other_school, title="Not yours", total=3)
    queued = LetterBatch.objects.create(
        trust=calendar.trust, school=calendar, title="Still going", total=40, rendered=10
    )
    client.force_login(attendance_lead)

    html = client.get(reverse("letters:batches")).content.decode()

    text = _text(html)
    assert text.index("Still going") < text.index("Approved today")
    assert "10 of 40 rendered" in text and "Ready to print" in text
    assert "Not yours" not in text
    assert 'hx-trigger="every 2s"' in html, "the list refreshes itself while a batch is rendering"
    assert f'href="{reverse("letters:batch_pdf", args=[rendered.pk])}"' in html
    assert reverse("letters:batch", args=[queued.pk]) in html


def test_the_batch_page_lists_each_letter_with_its_stored_copy_and_a_print_action(client, rendered, attendance_lead):
    client.force_login(attendance_lead)
    html = client.get(reverse("letters:batch", args=[rendered.pk])).content.decode()
    text = _text(html)

    assert "Ready to print" in text and "2 letters ready" in text
    assert "Maria Nowak" in text and "John Able" in text and "Steve Step" not in text
    assert "Polish" in text and "Post" in text
    assert f'id="print-letters" class="button" href="{reverse("letters:batch_pdf", args=[rendered.pk])}"' in html
    for letter in rendered.letters.all():
        assert reverse("letters:letter_pdf", args=[letter.pk]) in html
    assert "hx-trigger" not in html, "a finished batch does not poll"


def test_a_rendering_batch_polls_its_progress_and_reloads_when_finished(client, calendar, attendance_lead):
    batch = LetterBatch.objects.create(
        trust=calendar.trust, school=calendar, title="Big run", total=1000, rendered=350, status="running"
    )
    client.force_login(attendance_lead)
    url = reverse("letters:batch", args=[batch.pk])

    html = client.get(url).content.decode()
    assert f'hx-get="{url}?part=progress" hx-trigger="every 1s"' in html
    assert '<progress max="1000" value="350">' in html

    poll = client.get(url + "?part=progress", headers={"HX-Request": "true"})
    assert poll.content.decode().lstrip().startswith('<section id="progress"')
    assert "350 of 1000 letters rendered" in _text(poll.content.decode())

    LetterBatch.objects.filter(pk=batch.pk).update(status="done", rendered=1000)
    done = client.get(url + "?part=progress", headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_the_batch_page_names_the_pupils_who_got_no_letter(
    client, calendar, marked, parents, attendance_lead, django_capture_on_commit_callbacks
):
    orphan = PupilFactory(school=calendar, legal_forename="Olly", legal_surname="Orr", upn="A999000000001")
    batch = _batch(
        calendar,
        attendance_lead,
        [LetterRequest(marked, "LON2"), LetterRequest(orphan, "LON2")],
        django_capture_on_commit_callbacks,
    )
    client.force_login(attendance_lead)
    text = _text(client.get(reverse("letters:batch", args=[batch.pk])).content.decode())
    assert "1 thing to check" in text
    assert "Olly Orr (A999000000001): no contact with parental responsibility, so no letter." in text


def test_a_failed_batch_says_why_and_offers_to_render_the_rest(
    client, calendar, marked, parents, attendance_lead, django_capture_on_commit_callbacks
):
    row = LetterTemplate.objects.create(
        trust=calendar.trust,
        code="WEEKLY",
        language="English",
        title="t",
        body="{{ 1 / (week_possible_sessions - 2) }}",
    )
    batch = _batch(calendar, attendance_lead, [LetterRequest(marked, "WEEKLY")], django_capture_on_commit_callbacks)
    client.force_login(attendance_lead)
    url = reverse("letters:batch", args=[batch.pk])
    text = _text(client.get(url).content.decode())
    assert "Failed" in text and "division by zero" in text and "Render the rest again" in text

    row.body = "All well."
    row.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters:batch_retry", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == LetterBatch.Status.DONE
    assert "All well." in pdf_text(batch.letters.get(language="English").pdf)


def test_print_letters_gives_the_merged_pdf_and_changes_nothing(client, rendered, attendance_lead):
    client.force_login(attendance_lead)
    before = list(Letter.objects.values_list("pk", "rendered_at"))
    url = reverse("letters:batch_pdf", args=[rendered.pk])

    printed = client.get(url)
    downloaded = client.get(url + "?download=1")

    assert printed["Content-Type"] == "application/pdf"
    assert printed["Content-Disposition"] == f'inline; filename="letters-{rendered.pk}.pdf"'
    assert downloaded["Content-Disposition"].startswith("attachment;")
    assert "no-store" in printed["Cache-Control"]
    text = pdf_text(printed.content)
    assert "Maria Nowak" in text and "John Able" in text
    assert list(Letter.objects.values_list("pk", "rendered_at")) == before


def test_a_batch_not_yet_rendered_has_nothing_to_print(client, calendar, attendance_lead):
    batch = LetterBatch.objects.create(trust=calendar.trust, school=calendar, title="Queued", total=5)
    client.force_login(attendance_lead)
    assert client.get(reverse("letters:batch_pdf", args=[batch.pk])).status_code == 404


def test_each_letters_stored_copy_opens_as_a_pdf(client, rendered, attendance_lead):
    client.force_login(attendance_lead)
    letter = rendered.letters.get(addressee="John Able")
    response = client.get(reverse("letters:letter_pdf", args=[letter.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "Dear John Able," in pdf_text(response.content)


def test_the_office_and_dsls_open_a_letter_but_only_leaders_see_batches(client, rendered, school_a):
    letter = rendered.letters.first()
    for kind in (Role.Kind.ATTENDANCE_OFFICER, Role.Kind.DSL):
        user = staff(school_a.trust, kind, school_a, username=kind)
        client.force_login(user)
        assert client.get(reverse("letters:letter_pdf", args=[letter.pk])).status_code == 200
        assert client.get(reverse("letters:batch", args=[rendered.pk])).status_code == 404
        assert client.get(reverse("letters:batches")).status_code == 403


def test_a_teacher_and_another_schools_head_cannot_open_the_batch_or_its_letters(client, rendered, teacher, calendar):
    other_head = staff(
        calendar.trust, Role.Kind.HEADTEACHER, SchoolFactory(trust=calendar.trust), username="other-head"
    )
    letter = rendered.letters.first()
    for user in (teacher, other_head):
        client.force_login(user)
        for url in (
            reverse("letters:batch", args=[rendered.pk]),
            reverse("letters:batch_pdf", args=[rendered.pk]),
            reverse("letters:letter_pdf", args=[letter.pk]),
        ):
            assert client.get(url).status_code == 404, (user, url)


def test_the_batch_page_takes_the_same_queries_for_three_or_thirty_letters(
    client, calendar, attendance_lead, django_capture_on_commit_callbacks
):
    def queries(count):
        pupils = [PupilFactory(school=calendar) for _ in range(count)]
        for pupil in pupils:
            PupilContactFactory(pupil=pupil)
        batch = start_batch(
            school=calendar,
            user=attendance_lead,
            title="x",
            requests=[LetterRequest(p, "WEEKLY") for p in pupils],
            on=ON,
        )
        client.force_login(attendance_lead)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("letters:batch", args=[batch.pk])).status_code == 200
        return len(captured)

    assert queries(3) == queries(30)


# --- A one-off batch --------------------------------------------------------------------------------------------------


def test_a_leader_makes_a_termly_summary_for_a_year_group(
    client, calendar, marked, parents, group_a, attendance_lead, django_capture_on_commit_callbacks
):
    classmate = PupilFactory(school=calendar, group=group_a, year_group="5")
    PupilContactFactory(pupil=classmate)
    PupilFactory(school=calendar, year_group="6")
    client.force_login(attendance_lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("letters:new"),
            {"school": calendar.pk, "code": "WAT_TERMLY", "who": "year", "year": "5", "delivery": "hand"},
        )

    batch = LetterBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("letters:batch", args=[batch.pk])
    assert batch.title == "WAT_TERMLY – Termly attendance summary with its colour band, 21 Sep 2026"
    assert (batch.status, batch.total) == (LetterBatch.Status.DONE, 3)
    assert set(batch.letters.values_list("delivery", flat=True)) == {"hand"}
    assert batch.created_by == attendance_lead


def test_chosen_pupils_by_upn_and_an_unknown_upn_is_refused_with_nothing_made(
    client, calendar, marked, parents, attendance_lead
):
    client.force_login(attendance_lead)
    form = {"school": calendar.pk, "code": "WEEKLY", "who": "pupils", "delivery": "post"}

    refused = client.post(reverse("letters:new"), form | {"upns": f"{marked.upn}, A000000000999"})
    assert refused.status_code == 400
    assert "Not on roll at Alpha Primary today: A000000000999." in refused.content.decode()
    assert not LetterBatch.objects.exists()

    made = client.post(reverse("letters:new"), form | {"upns": marked.upn.lower(), "title": "Weekly, Ann"})
    assert made.status_code == 302
    assert LetterBatch.objects.get().title == "Weekly, Ann"


def test_the_new_batch_form_offers_only_the_users_schools(client, calendar, attendance_lead):
    client.force_login(attendance_lead)
    other = SchoolFactory(trust=calendar.trust, name="Gamma School")
    html = client.get(reverse("letters:new")).content.decode()
    assert 'type="hidden" name="school"' in html and "Gamma School" not in html
    response = client.post(
        reverse("letters:new"), {"school": other.pk, "code": "WEEKLY", "who": "school", "delivery": "post"}
    )
    assert response.status_code == 400 and not LetterBatch.objects.exists()


def test_a_teacher_cannot_make_letters(client, teacher):
    client.force_login(teacher)
    assert client.get(reverse("letters:new")).status_code == 403


# --- Wording ----------------------------------------------------------------------------------------------------------


def test_the_templates_page_lists_every_letter_in_each_language_default_or_edited(client, lead, trust_a, parents):
    LetterTemplate.objects.create(trust=trust_a, code="LON3", language="English", title="t", body="b", updated_by=lead)
    client.force_login(lead)
    html = client.get(reverse("letters:templates")).content.decode()
    text = _text(html)

    assert "LON1" in text and "WAT_TERMLY" in text and "LEAVE_DECISION" in text
    assert '<th scope="col">English</th>' in html and '<th scope="col">Polish</th>' in html
    assert f'href="{reverse("letters:template", args=["LON3", "English"])}">Edited' in html
    assert f'href="{reverse("letters:template", args=["LON2", "Polish"])}">Default' in html
    assert f'href="{reverse("letters:template", args=["LON3", "Polish"])}">Write it' in html
    assert "Check the translation" in text


def test_a_language_families_prefer_is_offered_to_translate(client, lead, parents):
    mother, _ = parents
    mother.language = "Urdu"
    mother.save()
    client.force_login(lead)
    assert '<th scope="col">Urdu</th>' in client.get(reverse("letters:templates")).content.decode()
    page = client.get(reverse("letters:template", args=["LON2", "Urdu"]))
    assert page.status_code == 200
    assert "parents who prefer Urdu get it in English" in _text(page.content.decode())


def test_only_a_trust_lead_edits_wording(client, head):
    client.force_login(head)
    assert client.get(reverse("letters:templates")).status_code == 403
    assert client.get(reverse("letters:template", args=["LON2", "English"])).status_code == 403
    assert (
        client.post(reverse("letters:template", args=["LON2", "English"]), {"title": "x", "body": "y"}).status_code
        == 403
    )
    assert not LetterTemplate.objects.exists()


@pytest.mark.parametrize(("code", "language"), [("LON9", "English"), ("LON2", "Klingon")])
def test_a_letter_or_language_the_trust_does_not_have_is_404(client, lead, code, language):
    client.force_login(lead)
    assert client.get(reverse("letters:template", args=[code, language])).status_code == 404


def test_the_edit_page_shows_the_default_wording_and_every_name_with_its_meaning(client, lead):
    client.force_login(lead)
    html = client.get(reverse("letters:template", args=["LON3", "English"])).content.decode()
    assert "Invitation to an Attendance Improvement Meeting about {{ pupil_forename }}" in html
    assert "The default wording" in html
    assert "<code>national_days_absent</code>" in html and "Days a pupil at the national rate" in html
    assert 'formaction="/letters/templates/LON3/English/preview/" formtarget="letter-preview"' in html


def test_the_first_edit_saves_the_trusts_copy_and_later_edits_update_it_with_history(client, lead, trust_a):
    lead.first_name, lead.last_name = "Lena", "Lead"
    lead.save()
    client.force_login(lead)
    url = reverse("letters:template", args=["LON2", "English"])

    first = client.post(url, {"title": "About {{ pupil_forename }}", "body": "Missed {{ days_absent }} days."})
    second = client.post(url, {"title": "About {{ pupil_name }}", "body": "Missed {{ days_absent }} days."})

    assert first.status_code == second.status_code == 302
    row = LetterTemplate.objects.get(trust=trust_a, code="LON2", language="English")
    assert (row.title, row.updated_by) == ("About {{ pupil_name }}", lead)
    page = _text(client.get(url).content.decode())
    assert "The trust's own wording, last changed 21 September 2026 10:00 by Lena Lead." in page
    assert page.count("Lena Lead") >= 3, "each version is listed with who made it"
    assert LetterTemplate.pgh_event_model.objects.filter(pgh_obj_id=row.pk).count() == 2


def test_an_unknown_name_is_refused_by_name_and_nothing_is_saved(client, lead):
    client.force_login(lead)
    url = reverse("letters:template", args=["LON2", "English"])
    response = client.post(url, {"title": "Fine", "body": "Dear {{ parent_name }}, {{ pupil_surname }} was away."})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unknown name: {{ pupil_surname }}. Use only the names listed on this page." in html
    assert "Not saved" in html and "{{ pupil_surname }} was away." in html, "what was typed is kept to correct"
    assert not LetterTemplate.objects.exists()


PREVIEW = {
    "title": "Preview {{ pupil_name }}",
    "body": "Missed {{ days_absent }} days of {{ possible_sessions }}.\n\n<b>Bold?</b>",
    "pupil": "able",
}


def test_the_preview_shows_the_wording_as_typed_on_a_real_pupil_in_the_frame_without_saving(
    client, lead, calendar, marked, parents
):
    client.force_login(lead)
    response = client.post(reverse("letters:template_preview", args=["LON2", "English"]), PREVIEW)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert response["X-Frame-Options"] == "SAMEORIGIN", "the edit page frames it; other sites may not"
    html = response.content.decode()
    assert "<p>Missed 2.5 days of 28.</p>" in html and "&lt;b&gt;Bold?&lt;/b&gt;" in html
    assert "Preview Ann Able" in html and "Maria Nowak" in html and "letters/letter.css" in html
    assert not LetterTemplate.objects.exists()


def test_the_preview_as_a_pdf_is_the_letter_as_it_would_print(client, lead, calendar, marked, parents):
    client.force_login(lead)
    response = client.post(reverse("letters:template_preview", args=["LON2", "English"]) + "?format=pdf", PREVIEW)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Preview Ann Able" in text and "Missed 2.5 days of 28." in text and "<b>Bold?</b>" in text
    assert "Dear Maria Nowak," in text and "21 September 2026" in text
    assert not LetterTemplate.objects.exists()


def test_the_preview_finds_a_pupil_by_upn_and_in_the_templates_language(client, lead, calendar, marked, parents):
    client.force_login(lead)
    response = client.post(
        reverse("letters:template_preview", args=["WEEKLY", "Polish"]) + "?format=pdf",
        {"title": "x", "body": "Tydzień od {{ week_start }}", "pupil": marked.upn},
    )
    text = pdf_text(response.content)
    assert "Tydzień od 21 września 2026" in text and "Z poważaniem" in text


@pytest.mark.parametrize(
    ("pupil", "body", "says"),
    [
        ("nobody here", "Fine", "No pupil of your trust has the UPN or name “nobody here”."),
        ("a", "Fine", "2 pupils match"),
        ("able", "{{ nonsense }}", "Unknown name: {{ nonsense }}"),
    ],
)
def test_a_preview_that_cannot_be_made_says_why_in_the_frame(client, lead, calendar, marked, pupil, body, says):
    PupilFactory(school=calendar, legal_forename="Bea", legal_surname="Bakr")
    client.force_login(lead)
    response = client.post(
        reverse("letters:template_preview", args=["LON2", "English"]), {"title": "t", "body": body, "pupil": pupil}
    )
    assert response.status_code == 400
    assert says in response.content.decode()


def test_the_preview_never_shows_another_trusts_pupil(client, lead, pupil_b):
    client.force_login(lead)
    response = client.post(
        reverse("letters:template_preview", args=["LON2", "English"]), {"title": "t", "body": "b", "pupil": pupil_b.upn}
    )
    assert response.status_code == 400 and "Baker" not in response.content.decode()


def test_letters_already_made_keep_their_wording_language_and_figures_after_an_edit(client, lead, rendered, trust_a):
    letter = rendered.letters.get(addressee="John Able")
    before = (bytes(letter.pdf), letter.figures)
    client.force_login(lead)
    client.post(reverse("letters:template", args=["LON2", "English"]), {"title": "New", "body": "New wording."})
    letter.refresh_from_db()
    assert (bytes(letter.pdf), letter.figures) == before


def test_the_list_of_batches_takes_the_same_queries_for_three_or_six_batches(client, calendar, attendance_lead):
    def queries():
        client.force_login(attendance_lead)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("letters:batches")).status_code == 200
        return len(captured)

    for n in range(3):
        LetterBatch.objects.create(
            trust=calendar.trust, school=calendar, title=f"Batch {n}", created_by=attendance_lead
        )
    three = queries()
    for n in range(3):
        LetterBatch.objects.create(trust=calendar.trust, school=calendar, title=f"More {n}", created_by=attendance_lead)
    assert queries() == three
