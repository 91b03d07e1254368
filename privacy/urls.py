from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("access-log/", views.access_log, name="access_log"),
    path("pupils/<int:pupil_id>/subject-access/", views.subject_access_export, name="subject_access"),
    path("retention/", views.retention_settings, name="retention"),
]
