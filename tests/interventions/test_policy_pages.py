"""The policy pages: reading the policy in force, drafts that change nothing until adopted, adoption that the next
run records on its proposals, school adaptations (refused when the trust locks its policy), and who may do what."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions import engine, policies
from interventions.models import PolicyVersion, Proposal
from interventions.policy_data import policy_to_data
from interventions.thresholds import PolicyLocked, adapt, odst, omega
from schools.models import Role
from tests.factories import PupilFactory, SchoolFactory, TrustFactory, staff
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_evaluate_command import ON, history
from tests.interventions.test_policy_forms import LON2, TEN_IN_TEN, submitted

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def officer(school_a):
    return staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a, username="officer")


@pytest.fixture
def omega_school(school_a):
    school_calendar(school_a)
    return school_a


def draft(trust, policy, user, note="Raise the first rung") -> PolicyVersion:
    policies.trust_version(trust)  # version 1, from the preset, is in force before the draft is numbered
    return policies.save_draft(trust, policy_to_data(policy), user, note=note)


# --- Reading --------------------------------------------------------------------------------------------------------


def test_the_policy_page_shows_the_version_in_force_and_its_rules_in_words(client, lead, school_a):
    body = page(signed_in(client, lead).get(reverse("policy:overview")))

    assert "Omega graduated response, version 1" in body
    assert "Schools may adapt its parameters" in body and "Minimum possible sessions" in body
    for words in (
        "Below 97%",
        "Letter LON3",
        "Meeting: attendance improvement (parents/carers, pupil if age appropriate, attendance lead)",
        "Referral: LA attendance support",
        "Consider a penalty notice",
        "10 sessions",
        "15 school days",
        "10 school weeks",
        "Stage 4",
        "Checked at the end of each half-term",
    ):
        assert words in body, words
    assert "Edit the parameters" in body
    assert "Alpha Primary" in body and "None: the trust's parameters" in body


def test_a_headteacher_reads_the_policy_but_is_offered_no_edit(client, head, school_a):
    response = signed_in(client, head).get(reverse("policy:overview"))

    assert response.status_code == 200
    assert "Letter LON3" in page(response) and "Edit the parameters" not in page(response)
    assert "Adapt for Alpha Primary" in page(response)


def test_a_teacher_is_told_the_policy_pages_are_not_for_them(client, teacher):
    response = signed_in(client, teacher).get(reverse("policy:overview"))

    assert response.status_code == 403
    assert "trust leads, headteachers and designated attendance leads" in page(response)


def test_the_history_lists_drafts_and_the_version_in_force(client, lead, trust_a):
    draft(trust_a, adapt(omega(), thresholds={"omega.lon2": 98}), lead, note="Raise the first rung")

    body = page(signed_in(client, lead).get(reverse("policy:overview")))

    assert "Version 2" in body and "Draft" in body and "Raise the first rung" in body and "In force" in body


def test_the_policy_page_takes_a_fixed_number_of_queries_however_many_versions(client, lead, trust_a, school_a):
    c = signed_in(client, lead)
    c.get(reverse("policy:overview"))
    for threshold in (98, 99, 96):
        draft(trust_a, adapt(omega(), thresholds={"omega.lon2": threshold}), lead)
    school_b = SchoolFactory(trust=trust_a)
    policies.adapt_for_school(school_b, policy_to_data(adapt(omega(), min_possible_sessions=30)), lead, "Small")

    with CaptureQueriesContext(connection) as many:
        body = page(c.get(reverse("policy:overview")))
    assert "Minimum possible sessions: 20 → 30" in body

    PolicyVersion.objects.filter(number__gt=2, school=None).delete()
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("policy:overview"))
    assert len(many) == len(few)


def test_a_schools_adaptation_gives_way_to_a_trust_version_adopted_after_it(client, lead, head, school_a):
    policies.adapt_for_school(school_a, policy_to_data(adapt(omega(), min_possible_sessions=30)), head, "Ours")
    c = signed_in(client, lead)
    assert "Its own adaptation, version 1" in page(c.get(reverse("policy:overview")))

    v2 = draft(school_a.trust, adapt(omega(), thresholds={"omega.lon2": 98}), lead)
    c.post(reverse("policy:adopt", args=[v2.pk]))

    assert policies.version_in_force(school_a) == v2
    body = page(c.get(reverse("policy:overview")))
    assert "Its own adaptation" not in body and "The trust's, version 2" in body


def test_a_version_page_shows_what_it_changes_from_the_version_in_force(client, lead, trust_a):
    v2 = draft(trust_a, adapt(omega(), thresholds={"omega.lon2": 98}), lead)

    body = page(signed_in(client, lead).get(reverse("policy:version", args=[v2.pk])))

    assert "Below 97%: threshold 97% → 98%" in body
    assert "Try this draft on tonight's run" in body and "Adopt this draft" in body


def test_a_schools_adaptation_is_not_shown_to_another_schools_head(client, lead, head, trust_a):
    other = SchoolFactory(trust=trust_a, name="Other Primary")
    own = policies.adapt_for_school(other, policy_to_data(adapt(omega(), min_possible_sessions=30)), lead, "")

    assert signed_in(client, head).get(reverse("policy:version", args=[own.pk])).status_code == 404
    assert "Other Primary" not in page(client.get(reverse("policy:overview")))


# --- Drafts ---------------------------------------------------------------------------------------------------------


def test_the_edit_form_starts_from_the_version_in_force(client, lead, trust_a):
    body = page(signed_in(client, lead).get(reverse("policy:edit")))

    assert 'name="r2_threshold"' in body and 'value="97"' in body
    assert "Rules, their order and their actions cannot be changed here" in body
    assert "What changed and why" in body


def test_saving_the_form_makes_a_draft_and_changes_nothing_in_force(client, lead, trust_a, school_a):
    data = submitted(**{f"r{LON2}_threshold": "98", "note": "Earlier warning"})

    response = signed_in(client, lead).post(reverse("policy:edit"), data)

    saved = PolicyVersion.objects.get(trust=trust_a, number=2)
    assert response.status_code == 302 and response.url == reverse("policy:version", args=[saved.pk])
    assert saved.is_draft and saved.note == "Earlier warning" and saved.created_by == lead
    assert saved.document["rules"][LON2]["threshold"] == "98"
    assert policies.version_in_force(school_a).number == 1
    assert "Nothing has changed in force" in page(client.get(response.url))


def test_a_bad_value_is_shown_on_its_field_and_nothing_is_saved(client, lead, trust_a):
    data = submitted(**{f"r{LON2}_threshold": "120", f"r{TEN_IN_TEN}_weeks": "0", "note": "Typo"})

    response = signed_in(client, lead).post(reverse("policy:edit"), data)

    assert response.status_code == 400
    body = page(response)
    assert "Nothing was saved" in body
    assert "A percentage is between 0 and 100." in body and "A window is at least 1 school week." in body
    assert 'id="id_r2_threshold" value="120"' in body and 'aria-invalid="true"' in body
    assert list(PolicyVersion.objects.filter(trust=trust_a).values_list("number", flat=True)) == [1]


def test_a_headteacher_or_officer_cannot_edit_the_trusts_policy(client, head, officer, trust_a):
    data = submitted(**{f"r{LON2}_threshold": "98"})
    for user in (head, officer):
        c = signed_in(client, user)
        assert c.get(reverse("policy:edit")).status_code == 403
        assert c.post(reverse("policy:edit"), data).status_code == 403
    assert not PolicyVersion.objects.filter(trust=trust_a, number__gt=1).exists()


def test_the_edit_form_can_start_from_a_draft(client, lead, trust_a):
    v2 = draft(trust_a, adapt(omega(), thresholds={"omega.lon2": 98}), lead)
    data = submitted(document=v2.document, **{f"r{LON2}_threshold": "96", "note": "Second thoughts"})

    c = signed_in(client, lead)
    assert 'value="98"' in page(c.get(reverse("policy:edit"), {"from": v2.pk}))
    response = c.post(f"{reverse('policy:edit')}?from={v2.pk}", data)

    assert response.status_code == 302
    assert PolicyVersion.objects.get(trust=trust_a, number=3).document["rules"][LON2]["threshold"] == "96"


# --- Adopting -------------------------------------------------------------------------------------------------------


def test_adoption_asks_to_confirm_first(client, lead, trust_a, school_a):
    v2 = draft(trust_a, adapt(omega(), thresholds={"omega.lon2": 98}), lead)

    body = page(signed_in(client, lead).get(reverse("policy:adopt", args=[v2.pk])))

    assert "Adopt version 2?" in body and "Below 97%: threshold 97% → 98%" in body
    assert PolicyVersion.objects.get(pk=v2.pk).is_draft


def test_an_adopted_draft_is_in_force_and_the_next_run_records_it_on_proposals(client, lead, omega_school):
    pupil = PupilFactory(school=omega_school)
    history(omega_school, pupil, ["/"] * 49 + ["I"])  # 98%: nothing under version 1
    v2 = draft(omega_school.trust, adapt(omega(), thresholds={"omega.lon2": 99}), lead)

    response = signed_in(client, lead).post(reverse("policy:adopt", args=[v2.pk]))

    assert response.status_code == 302 and response.url == reverse("policy:overview")
    assert policies.version_in_force(omega_school) == v2
    assert "Version 2 is in force from now" in page(client.get(response.url))
    engine.commit_school(omega_school, ON)
    proposal = Proposal.objects.get(pupil=pupil)
    assert (proposal.rule, proposal.policy_version, proposal.evidence["threshold"]) == ("omega.lon2", v2, "99")


def test_adopting_a_version_twice_is_refused_with_a_message(client, lead, trust_a):
    v2 = draft(trust_a, adapt(omega(), thresholds={"omega.lon2": 98}), lead)
    c = signed_in(client, lead)
    c.post(reverse("policy:adopt", args=[v2.pk]))
    adopted_at = PolicyVersion.objects.get(pk=v2.pk).adopted_at

    response = c.post(reverse("policy:adopt", args=[v2.pk]), follow=True)

    assert "Not adopted: version 2 is already adopted." in page(response)
    assert PolicyVersion.objects.get(pk=v2.pk).adopted_at == adopted_at


def test_a_headteacher_cannot_adopt_a_draft(client, head, lead, trust_a):
    v2 = draft(trust_a, adapt(omega(), thresholds={"omega.lon2": 98}), lead)

    assert signed_in(client, head).post(reverse("policy:adopt", args=[v2.pk])).status_code == 403
    assert PolicyVersion.objects.get(pk=v2.pk).is_draft


# --- Trying a draft -------------------------------------------------------------------------------------------------


def test_the_simulation_page_fetches_each_school_in_turn(client, lead, trust_a, school_a):
    SchoolFactory(trust=trust_a, name="Zeta Juniors")
    v2 = draft(trust_a, adapt(omega(), thresholds={"omega.lon2": 96}), lead)

    response = signed_in(client, lead).get(reverse("policy:simulate", args=[v2.pk]), {"on": "2026-11-25"})

    body = page(response)
    assert response.status_code == 200
    assert body.index("Alpha Primary") < body.index("Zeta Juniors")
    url = reverse("policy:simulate_school", args=[v2.pk, school_a.pk])
    assert f'hx-get="{url}?on=2026-11-25"' in body and 'hx-trigger="load"' in body
    assert f'href="{url}?on=2026-11-25"' in body  # the same comparison without script
    assert "Below 97%: threshold 97% → 96%" in body and "Adopt this draft" in body


def test_a_schools_comparison_lists_the_pupils_that_change(client, lead, omega_school):
    changes = PupilFactory(school=omega_school, upn="A123456789012", legal_forename="Cara", legal_surname="Cole")
    history(omega_school, changes, ["/"] * 48 + ["I"] * 2)  # 96%: LON2 in force, nothing under the draft
    v2 = draft(omega_school.trust, adapt(omega(), thresholds={"omega.lon2": 96}), lead)
    url = reverse("policy:simulate_school", args=[v2.pk, omega_school.pk])

    fragment = page(signed_in(client, lead).get(url, {"on": ON.isoformat()}, HTTP_HX_REQUEST="true"))

    assert "<html" not in fragment
    assert reverse("schools:pupil", args=[changes.pk]) in fragment
    assert "Cara Cole" in fragment and "A123456789012" in fragment
    assert "in force: LON2 (stage 1) → draft: nothing" in fragment
    assert "1 pupil whose proposals change" in fragment
    whole = page(client.get(url, {"on": ON.isoformat()}))
    assert "<html" in whole and "in force: LON2 (stage 1) → draft: nothing" in whole


def test_a_school_with_its_own_adaptation_is_compared_under_it(client, lead, omega_school):
    policies.adapt_for_school(omega_school, policy_to_data(adapt(omega(), min_possible_sessions=30)), lead, "Ours")
    v2 = draft(omega_school.trust, adapt(omega(), thresholds={"omega.lon2": 96}), lead)
    url = reverse("policy:simulate_school", args=[v2.pk, omega_school.pk])

    fragment = page(signed_in(client, lead).get(url, {"on": ON.isoformat()}, HTTP_HX_REQUEST="true"))

    assert "In force (the school's own, version 1)" in fragment


def test_a_bad_day_to_try_is_an_error_and_no_school_is_fetched(client, lead, trust_a, school_a):
    v2 = draft(trust_a, adapt(omega(), thresholds={"omega.lon2": 96}), lead)

    response = signed_in(client, lead).get(reverse("policy:simulate", args=[v2.pk]), {"on": "31/02/2026"})

    assert response.status_code == 400
    assert "Enter a date" in page(response) and "hx-get" not in page(response)


def test_only_trust_leads_try_drafts(client, head, lead, trust_a, school_a):
    v2 = draft(trust_a, adapt(omega(), thresholds={"omega.lon2": 96}), lead)
    c = signed_in(client, head)

    assert c.get(reverse("policy:simulate", args=[v2.pk])).status_code == 403
    assert c.get(reverse("policy:simulate_school", args=[v2.pk, school_a.pk])).status_code == 403


# --- A school's adaptation ------------------------------------------------------------------------------------------


def test_a_headteacher_adapts_their_school_and_it_is_in_force_at_once(client, head, school_a):
    data = submitted(trust_wide=False, min_possible_sessions="30", note="Small school: wait longer")

    response = signed_in(client, head).post(reverse("policy:adapt", args=[school_a.pk]), data)

    assert response.status_code == 302
    version, policy = policies.in_force(school_a)
    assert (version.school, version.number, version.adopted_by) == (school_a, 1, head)
    assert policy.min_possible_sessions == 30
    body = page(client.get(response.url))
    assert "Alpha Primary&#x27;s adaptation (version 1) is in force from now" in body
    assert "Minimum possible sessions: 20 → 30" in body


def test_a_schools_form_has_no_titles_or_lock(client, head, school_a):
    body = page(signed_in(client, head).get(reverse("policy:adapt", args=[school_a.pk])))

    assert 'name="r2_threshold"' in body and 'name="min_possible_sessions"' in body
    assert 'name="r2_title"' not in body and 'name="locked"' not in body


def test_a_bad_adaptation_saves_nothing(client, head, school_a):
    data = submitted(trust_wide=False, **{f"r{LON2}_threshold": "abc"})

    response = signed_in(client, head).post(reverse("policy:adapt", args=[school_a.pk]), data)

    assert response.status_code == 400 and "Enter a number, e.g. 96 or 96.5." in page(response)
    assert not PolicyVersion.objects.filter(school=school_a).exists()


@pytest.fixture
def locked_school(db):
    trust = TrustFactory(slug="odst", name="ODST", policy="odst")
    return SchoolFactory(trust=trust, name="St Mary's CE Infant School")


def test_a_locked_policy_says_schools_cannot_change_it_and_refuses_a_post(client, locked_school):
    head = staff(locked_school.trust, Role.Kind.HEADTEACHER, locked_school, username="odst-head")
    url = reverse("policy:adapt", args=[locked_school.pk])
    c = signed_in(client, head)

    shown = c.get(url)
    refused = c.post(url, submitted(document=policy_to_data(odst()), trust_wide=False, min_possible_sessions="30"))

    assert shown.status_code == 200 and "set centrally by the trust; schools cannot change it" in page(shown)
    assert 'name="min_possible_sessions"' not in page(shown)
    assert refused.status_code == 403
    assert not PolicyVersion.objects.filter(school=locked_school).exists()


def test_the_service_refuses_to_adapt_a_locked_policy(locked_school):
    with pytest.raises(PolicyLocked):
        policies.adapt_for_school(locked_school, policy_to_data(odst()), None, "")


def test_teachers_and_officers_cannot_adapt_their_school(client, teacher, officer, school_a):
    data = submitted(trust_wide=False, min_possible_sessions="30")
    for user in (teacher, officer):
        assert signed_in(client, user).post(reverse("policy:adapt", args=[school_a.pk]), data).status_code == 403
    assert not PolicyVersion.objects.filter(school=school_a).exists()


def test_a_head_gets_404_for_another_school_of_the_trust(client, head, trust_a):
    other = SchoolFactory(trust=trust_a)

    assert signed_in(client, head).get(reverse("policy:adapt", args=[other.pk])).status_code == 404


# --- Another trust --------------------------------------------------------------------------------------------------


def test_another_trusts_lead_gets_404_for_this_trusts_versions_and_schools(client, lead, trust_a, school_a, trust_b):
    v2 = draft(trust_a, adapt(omega(), thresholds={"omega.lon2": 98}), lead)
    outsider = staff(trust_b, Role.Kind.TRUST_LEAD, username="outsider-lead")
    c = signed_in(client, outsider)

    for url in (
        reverse("policy:version", args=[v2.pk]),
        reverse("policy:simulate", args=[v2.pk]),
        reverse("policy:simulate_school", args=[v2.pk, school_a.pk]),
        reverse("policy:adopt", args=[v2.pk]),
        reverse("policy:adapt", args=[school_a.pk]),
    ):
        assert c.get(url).status_code == 404, url
    assert c.post(reverse("policy:adopt", args=[v2.pk])).status_code == 404
    assert PolicyVersion.objects.get(pk=v2.pk).is_draft
    body = page(c.get(reverse("policy:overview")))
    assert "Waterton attendance policy" in body and "Alpha Primary" not in body
