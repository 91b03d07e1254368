"""Signing in with a second factor: required for trust leads, DSLs and superusers; asked of anyone who has one."""

import datetime as dt

import pytest
from django.test import Client as PlainClient
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from schools.models import Role
from tests.factories import UserFactory, staff
from tests.signing_in import code_for, current_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password
HOME = "/"


def _password_only(user) -> PlainClient:
    """A browser that has given the right password and nothing more."""
    client = PlainClient()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _without_device(user):
    TOTPDevice.objects.filter(user=user).delete()
    return user


def test_a_trust_lead_without_an_authenticator_is_sent_to_set_one_up_and_nothing_else_opens(trust_a, school_a):
    lead = _without_device(staff(trust_a, Role.Kind.TRUST_LEAD))
    client = _password_only(lead)
    for path in (HOME, reverse("schools:pupils"), reverse("policy:overview")):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url == f"{reverse('accounts:setup')}?next={path.replace('/', '%2F')}"


def test_a_dsl_without_an_authenticator_is_sent_to_set_one_up(trust_a, school_a):
    dsl = _without_device(staff(trust_a, Role.Kind.DSL, school_a))
    response = _password_only(dsl).get(HOME)
    assert response.url.startswith(reverse("accounts:setup"))


def test_a_superuser_without_an_authenticator_is_sent_to_set_one_up(db):
    admin = UserFactory(is_superuser=True, is_staff=True)
    response = _password_only(admin).get("/admin/")
    assert response.url.startswith(reverse("accounts:setup"))


def test_a_teacher_without_an_authenticator_signs_in_with_the_password_alone(trust_a, school_a):
    teacher = staff(trust_a, Role.Kind.TEACHER, school_a)
    assert _password_only(teacher).get(HOME).status_code == 200


def test_setting_up_confirms_the_app_with_its_code_and_shows_ten_recovery_codes_once(trust_a, school_a):
    lead = _without_device(staff(trust_a, Role.Kind.TRUST_LEAD))
    client = _password_only(lead)
    page = client.get(reverse("accounts:setup"), {"next": "/schools/pupils/"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "QR code to scan" in body
    device = TOTPDevice.objects.get(user=lead)
    assert not device.confirmed
    assert second_factor.manual_key(device) in body
    # A reload keeps the key already scanned.
    client.get(reverse("accounts:setup"))
    assert TOTPDevice.objects.get(user=lead).pk == device.pk

    response = client.post(reverse("accounts:setup"), {"code": code_for(device), "next": "/schools/pupils/"})

    assert response.status_code == 200
    codes = StaticToken.objects.filter(device__user=lead).values_list("token", flat=True)
    assert len(codes) == 10
    body = response.content.decode()
    assert all(code in body for code in codes)
    assert 'href="/schools/pupils/"' in body
    assert TOTPDevice.objects.get(user=lead).confirmed
    assert client.get(HOME).status_code == 200


def test_a_wrong_code_at_set_up_turns_nothing_on(trust_a, school_a):
    lead = _without_device(staff(trust_a, Role.Kind.TRUST_LEAD))
    client = _password_only(lead)
    client.get(reverse("accounts:setup"))
    right = code_for(TOTPDevice.objects.get(user=lead))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = client.post(reverse("accounts:setup"), {"code": wrong})

    assert "That code did not match" in response.content.decode()
    assert not TOTPDevice.objects.get(user=lead).confirmed
    assert not StaticToken.objects.filter(device__user=lead).exists()
    assert client.get(HOME).status_code == 302


def test_a_user_with_an_authenticator_gives_its_code_after_the_password(trust_a, school_a):
    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    client = _password_only(lead)
    response = client.get("/schools/pupils/")
    assert response.url == f"{reverse('accounts:verify')}?next=%2Fschools%2Fpupils%2F"

    response = client.post(reverse("accounts:verify"), {"code": current_code(lead), "next": "/schools/pupils/"})

    assert response.status_code == 302 and response.url == "/schools/pupils/"
    assert client.get("/schools/pupils/").status_code == 200


def test_a_teacher_who_added_an_authenticator_is_asked_for_it_too(trust_a, school_a):
    teacher = staff(trust_a, Role.Kind.TEACHER, school_a)
    TOTPDevice.objects.create(user=teacher, name="Authenticator app", confirmed=True)
    assert _password_only(teacher).get(HOME).url.startswith(reverse("accounts:verify"))


def test_a_wrong_code_is_refused_and_each_wrong_code_makes_the_next_try_wait(trust_a, school_a, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False)
    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    client = _password_only(lead)
    right = current_code(lead)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    refused = client.post(reverse("accounts:verify"), {"code": wrong})
    assert refused.status_code == 200 and "That code was not accepted" in refused.content.decode()
    # Straight after a wrong code even the right one is not looked at: guessing is slowed down.
    assert client.post(reverse("accounts:verify"), {"code": right}).status_code == 200
    assert client.get(HOME).status_code == 302

    time_machine.shift(dt.timedelta(seconds=2.5))
    assert client.post(reverse("accounts:verify"), {"code": current_code(lead)}).status_code == 302
    assert client.get(HOME).status_code == 200


def test_a_recovery_code_signs_in_once(trust_a, school_a):
    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    code = second_factor.new_recovery_codes(lead)[0]

    first = _password_only(lead)
    response = first.post(reverse("accounts:verify"), {"code": code.upper()}, follow=True)
    assert response.status_code == 200
    assert "You signed in with a recovery code; 9 left" in response.content.decode()

    second = _password_only(lead)
    assert "That code was not accepted" in second.post(reverse("accounts:verify"), {"code": code}).content.decode()


def test_new_recovery_codes_replace_the_old_ones(trust_a, school_a, client):
    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    old = second_factor.new_recovery_codes(lead)
    client.force_login(lead)

    response = client.post(reverse("accounts:recovery_codes"))

    new = list(StaticToken.objects.filter(device__user=lead).values_list("token", flat=True))
    assert len(new) == 10 and not set(old) & set(new)
    assert all(code in response.content.decode() for code in new)


def test_a_password_alone_cannot_replace_the_authenticator(trust_a, school_a):
    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    key = TOTPDevice.objects.get(user=lead).key
    client = _password_only(lead)

    response = client.get(reverse("accounts:setup"))

    assert response.url.startswith(reverse("accounts:verify"))
    assert list(TOTPDevice.objects.filter(user=lead).values_list("key", "confirmed")) == [(key, True)]


def test_moving_to_a_new_phone_replaces_the_old_key(trust_a, school_a, client):
    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    old = TOTPDevice.objects.get(user=lead)
    client.force_login(lead)
    client.get(reverse("accounts:setup"))
    new = TOTPDevice.objects.get(user=lead, confirmed=False)

    client.post(reverse("accounts:setup"), {"code": code_for(new)})

    assert list(TOTPDevice.objects.filter(user=lead).values_list("pk", flat=True)) == [new.pk]
    assert new.pk != old.pk


def test_a_role_that_needs_a_second_factor_cannot_turn_it_off(trust_a, school_a, client):
    dsl = staff(trust_a, Role.Kind.DSL, school_a)
    client.force_login(dsl)
    response = client.post(reverse("accounts:remove"), follow=True)
    assert "cannot be removed" in response.content.decode()
    assert second_factor.has_second_factor(dsl)


def test_a_teacher_can_turn_their_second_factor_off(trust_a, school_a, client):
    teacher = staff(trust_a, Role.Kind.TEACHER, school_a)
    TOTPDevice.objects.create(user=teacher, name="Authenticator app", confirmed=True)
    second_factor.new_recovery_codes(teacher)
    client.force_login(teacher)
    client.post(reverse("accounts:remove"))
    assert not second_factor.has_second_factor(teacher)
    assert not StaticToken.objects.filter(device__user=teacher).exists()


def test_the_api_answers_403_to_a_session_without_its_second_factor(trust_a, school_a):
    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    response = _password_only(lead).get("/api/pupils/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Give your second factor in the browser first."}


def test_an_htmx_request_without_the_second_factor_sends_the_whole_window_to_it(trust_a, school_a):
    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    response = _password_only(lead).get("/schools/pupils/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:verify"))


def test_the_code_page_does_not_send_elsewhere_after_signing_in(trust_a, school_a):
    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    client = _password_only(lead)
    response = client.post(reverse("accounts:verify"), {"code": current_code(lead), "next": "https://evil.example/"})
    assert response.url == "/"


def test_a_new_password_must_follow_the_rules_and_keeps_the_user_signed_in(trust_a, school_a, client):
    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    client.force_login(lead)
    url = reverse("accounts:password_change")

    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "password1", "new_password2": "password1"})
    body = weak.content.decode()
    assert "This password is too short" in body and "This password is too common" in body
    lead.refresh_from_db()
    assert lead.check_password(PASSWORD)

    strong = "Meadowbank registers at 8.40"
    response = client.post(url, {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.check_password(strong)
    assert client.get(HOME).status_code == 200


def test_the_account_page_shows_the_state_of_the_second_factor(trust_a, school_a, client):
    teacher = staff(trust_a, Role.Kind.TEACHER, school_a)
    client.force_login(teacher)
    assert "Set up an authenticator app" in client.get(reverse("accounts:account")).content.decode()

    lead = staff(trust_a, Role.Kind.TRUST_LEAD)
    second_factor.new_recovery_codes(lead)
    client.force_login(lead)
    body = " ".join(client.get(reverse("accounts:account")).content.decode().split())
    assert "You have 10 unused recovery codes" in body
    assert "cannot be turned off" in body


def test_a_sign_in_ends_after_eight_hours(trust_a, school_a, client, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC), tick=False)
    teacher = staff(trust_a, Role.Kind.TEACHER, school_a)
    client.force_login(teacher)
    time_machine.shift(dt.timedelta(hours=7, minutes=59))
    assert client.get(HOME).status_code == 200

    time_machine.shift(dt.timedelta(minutes=2))
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
