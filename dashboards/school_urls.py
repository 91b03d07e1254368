"""Routes of the school, year-group and tutor-group dashboards."""

from django.urls import path

from . import school_views as views

urlpatterns = [
    path("schools/<int:school_id>/", views.school_dashboard, name="school_dashboard"),
    path("schools/<int:school_id>/groups/<str:characteristic>/", views.school_group, name="school_group_trend"),
    path("schools/<int:school_id>/trends/", views.school_trends, name="school_trends"),
    path("schools/<int:school_id>/years/<str:year>/", views.year_dashboard, name="year_dashboard"),
    path("schools/<int:school_id>/pupils/", views.school_pupils, name="school_pupils"),
    path("groups/<int:group_id>/", views.group_dashboard, name="group_dashboard"),
]
