"""The signed-in user's own account: password, authenticator app and recovery codes."""

from urllib.parse import urlencode

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from . import second_factor
from .forms import CodeForm


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return "/"


@login_required
def account(request):
    return render(
        request,
        "accounts/account.html",
        {
            "has_second_factor": second_factor.has_second_factor(request.user),
            "required": second_factor.is_required(request.user),
            "codes_left": second_factor.recovery_codes_left(request.user),
        },
    )


@login_required
def password_changed(request):
    messages.success(request, "Your password has been changed.")
    return redirect("accounts:account")


@login_required
def verify(request):
    """The second step of signing in: a code from the authenticator app, or one recovery code."""
    if request.user.is_verified() or not second_factor.has_second_factor(request.user):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.verify(request.user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                left = second_factor.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. Make new ones from your account page.",
                )
            return redirect(_next_url(request))
        form.add_error(
            "code",
            "That code was not accepted. Codes change every 30 seconds; after several wrong codes you must wait "
            "a little longer before each try.",
        )
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


@login_required
def setup(request):
    """Add an authenticator app: scan or type the key, confirm with a code, keep the recovery codes."""
    if second_factor.has_second_factor(request.user) and not request.user.is_verified():
        # Replacing an authenticator needs the current one first: a password alone must not be enough.
        return redirect(f"{reverse('accounts:verify')}?{urlencode({'next': request.get_full_path()})}")
    device = second_factor.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm(device, form.cleaned_data["code"])
        if codes is not None:
            django_otp.login(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("code", "That code did not match. Check the phone's clock is right and try the newest code.")
    return render(
        request,
        "accounts/setup.html",
        {
            "form": form,
            "qr_svg": second_factor.qr_svg(device),
            "key": second_factor.manual_key(device),
            "required": second_factor.is_required(request.user),
            "next": _next_url(request),
        },
    )


@login_required
@require_POST
def recovery_codes(request):
    if not second_factor.has_second_factor(request.user):
        return redirect("accounts:account")
    codes = second_factor.new_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "/account/", "renewed": True})


@login_required
@require_POST
def remove(request):
    if second_factor.is_required(request.user):
        messages.error(request, "Your role needs a second factor, so it cannot be removed. You can replace it.")
    else:
        second_factor.remove(request.user)
        messages.success(request, "The authenticator app and recovery codes were removed from your account.")
    return redirect("accounts:account")
