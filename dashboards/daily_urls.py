"""Routes of the daily absence view, early warning, headroom, coding summary and reconciliation."""

from django.urls import path

from . import daily_views

urlpatterns = [
    path("schools/<int:school_id>/today/", daily_views.absent_today, name="today"),
    path("schools/<int:school_id>/early-warning/", daily_views.early_warning, name="early_warning"),
    path("schools/<int:school_id>/headroom/", daily_views.headroom, name="headroom"),
    path("schools/<int:school_id>/coding/", daily_views.coding, name="coding"),
    path("schools/<int:school_id>/reconciliation/", daily_views.reconciliation, name="reconciliation"),
    path("pupils/<int:pupil_id>/headroom/", daily_views.pupil_headroom, name="pupil_headroom"),
]
