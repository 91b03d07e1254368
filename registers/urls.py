from django.urls import path

from . import office_urls, taking_urls, views

app_name = "registers"
urlpatterns = [
    path("schools/<int:school_id>/attendance.csv", views.attendance_csv, name="attendance_csv"),
    *taking_urls.urlpatterns,
    *office_urls.urlpatterns,
]
