from django.urls import path

from . import views

app_name = "registers"
urlpatterns = [
    path("schools/<int:school_id>/attendance.csv", views.attendance_csv, name="attendance_csv"),
]
