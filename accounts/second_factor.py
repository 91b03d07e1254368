"""The second factor: an authenticator app (TOTP) and one-time recovery codes, kept by django-otp.

Trust leads, designated safeguarding leads and superusers must have one: between them they see every pupil of a
trust or the most sensitive notes about a child. Anyone else may add one, and once added it is asked for at every
sign-in.
"""

from __future__ import annotations

import base64

import segno
from django.db import transaction
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools.models import Role

RECOVERY_CODES = 10
# Roles whose holders cannot use the product without a second factor.
REQUIRED_FOR = {Role.Kind.TRUST_LEAD, Role.Kind.DSL}


def is_required(user) -> bool:
    return user.is_superuser or Role.objects.filter(user=user, kind__in=REQUIRED_FOR).exists()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice:
    """The authenticator being set up: the same key until it is confirmed, so a reload does not void a scanned code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def manual_key(device: TOTPDevice) -> str:
    """The key as authenticator apps ask for it when typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """An SVG QR code of the otpauth:// address, drawn here so the key never leaves the server."""
    # Sized by its viewBox, so the page's style sets how large it shows.
    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#111", light="#fff", omitsize=True)


@transaction.atomic
def confirm(device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code from it; give the first recovery codes. None if the code is wrong."""
    if not device.verify_token("".join(token.split())):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(device.user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with fresh ones; each works once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "Recovery codes"})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def verify(user, token: str):
    """The device that accepts `token` (an authenticator code or an unused recovery code), or None.

    django-otp throttles each device: every wrong code doubles the wait before the next is looked at.
    """
    return match_token(user, "".join(token.split()).lower())


@transaction.atomic
def remove(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
