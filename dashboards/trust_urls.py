"""Routes of the trust view."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
