from django.urls import path

from . import import_views

app_name = "imports"
urlpatterns = [
    path("", import_views.start, name="start"),
    path("<int:job_id>/", import_views.job, name="job"),
    path("<int:job_id>/confirm/", import_views.confirm, name="confirm"),
]
