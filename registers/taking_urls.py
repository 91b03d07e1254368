"""Taking registers: "my registers", one group's register for a session, and the office's missing registers."""

import datetime as dt

from django.urls import path, register_converter

from . import taking_views as views


class IsoDateConverter:
    """A date in the path as YYYY-MM-DD; an impossible date (2026-02-30) does not match, so it is a 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)

    def to_url(self, value: dt.date | str) -> str:
        return value.isoformat() if isinstance(value, dt.date) else value


class SessionConverter:
    regex = "AM|PM"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IsoDateConverter, "isodate")
register_converter(SessionConverter, "ampm")

REGISTER = "take/<int:group_id>/<isodate:day>/<ampm:session>/"

urlpatterns = [
    path("take/", views.take_index, name="take_index"),
    path("take/missing/", views.take_missing, name="take_missing"),
    path("take/missing/remind/", views.take_remind, name="take_remind"),
    path(REGISTER, views.take_register, name="take_register"),
    path(REGISTER + "all-present/", views.take_all_present, name="take_all_present"),
    path(REGISTER + "pupils/<int:pupil_id>/", views.take_pupil, name="take_pupil"),
]
