"""In a real browser, by keyboard: a designated safeguarding lead signs in for the first time, sets up an authenticator
app from the key shown, keeps the recovery codes, and next time signs in with a code."""

import base64

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from schools.models import Role
from tests.factories import staff
from tests.signing_in import current_code

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password

pytestmark = pytest.mark.django_db(transaction=True)


def _code_from_the_key_on_screen(key: str) -> str:
    """What an authenticator app shows after the key is typed into it."""
    secret = key.replace(" ", "")
    secret += "=" * (-len(secret) % 8)
    return f"{TOTP(base64.b32decode(secret)).token():06d}"


def test_a_dsl_sets_up_an_authenticator_at_first_sign_in_and_then_signs_in_with_its_code(
    live_server, page, screenshot, school_a
):
    dsl = staff(school_a.trust, Role.Kind.DSL, school_a, username="dsl")
    dsl.totpdevice_set.all().delete()

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("dsl")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code to scan into the app")).to_be_visible()
    screenshot("second-factor-setup")
    key = page.locator("#totp-key").inner_text()
    field = page.get_by_label("The 6-digit code the app now shows")
    expect(field).to_be_focused()
    field.fill(_code_from_the_key_on_screen(key))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
    screenshot("second-factor-recovery-codes")
    continue_link = page.get_by_role("link", name="I have kept them: continue")
    continue_link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).to_have_url(live_server.url + "/")

    page.get_by_role("button", name="Sign out").click()
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("dsl")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("6-digit code, or a recovery code").fill("000000" if current_code(dsl) != "000000" else "111111")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("That code was not accepted")
    screenshot("second-factor-wrong-code")
