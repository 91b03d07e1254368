"""Signing in as staff do: the password, then a code from the authenticator app where the user has one."""

import django.test
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def current_code(user) -> str:
    """The code the user's authenticator app shows now."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return code_for(device)


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


class Client(django.test.Client):
    """`force_login` gives the second factor too, where the user has one, as a real sign-in would."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


def sign_in(page, base_url: str, username: str, password: str) -> None:
    """Sign in through the browser's own pages, giving the authenticator code when asked."""
    from django.contrib.auth import get_user_model

    page.goto(base_url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)
    if "/account/two-factor/verify/" in page.url:
        page.get_by_label("6-digit code, or a recovery code").fill(
            current_code(get_user_model().objects.get(username=username))
        )
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/account/two-factor/" not in url)
