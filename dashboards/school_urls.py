"""Routes of the school, year-group and tutor-group dashboards."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
