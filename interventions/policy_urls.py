from django.urls import path

from . import policy_views as views

app_name = "policy"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("edit/", views.edit, name="edit"),
    path("versions/<int:version_id>/", views.version_detail, name="version"),
    path("versions/<int:version_id>/simulate/", views.simulate, name="simulate"),
    path("versions/<int:version_id>/simulate/<int:school_id>/", views.simulate_school, name="simulate_school"),
    path("versions/<int:version_id>/adopt/", views.adopt, name="adopt"),
    path("schools/<int:school_id>/", views.adapt, name="adapt"),
]
