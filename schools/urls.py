from django.urls import path

from . import views

app_name = "schools"
urlpatterns = [
    path("", views.school_list, name="list"),
    path("pupils/", views.pupil_list, name="pupils"),
    path("pupils/<int:pk>/", views.pupil_detail, name="pupil"),
]
