"""The page a signed-in user sees where none of their roles allows what they asked for."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def not_for_you(request: HttpRequest, page: str, reason: str) -> HttpResponse:
    return render(request, "not_for_you.html", {"page": page, "reason": reason}, status=403)
