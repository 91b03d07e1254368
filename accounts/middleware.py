from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import second_factor

# Pages a signed-in user reaches before their second factor: giving it, setting it up, signing out.
OPEN_BEFORE_SECOND_FACTOR = ("accounts:verify", "accounts:setup", "logout", "login")


class SecondFactorMiddleware:
    """After the password, nothing opens until the second factor is given, or set up where the role requires one.

    Runs after django-otp's OTPMiddleware, which marks the session's user verified once a device has accepted a code.
    API calls with a token are authenticated by the API itself and are not seen here; the API's session calls are.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths = None

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not self._is_open(request.path):
            step = self._step_for(user)
            if step:
                return self._send_to(request, step)
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        if self.open_paths is None:
            self.open_paths = tuple(reverse(name) for name in OPEN_BEFORE_SECOND_FACTOR)
        return path in self.open_paths or path.startswith(("/static/", "/health/"))

    @staticmethod
    def _step_for(user) -> str | None:
        if second_factor.has_second_factor(user):
            return "accounts:verify"
        if second_factor.is_required(user):
            return "accounts:setup"
        return None

    @staticmethod
    def _send_to(request, step: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Give your second factor in the browser first."}, status=403)
        url = f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            # htmx would swap the sign-in step into part of a page; send the whole window there instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
