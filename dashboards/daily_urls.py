"""Routes of the daily absence view, early warning, headroom, coding summary and reconciliation."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
