"""Routes of the trust view: every school side by side, and the trust's pupil groups."""

from django.urls import path

from . import trust_views

urlpatterns = [
    path("trust/", trust_views.schools, name="trust"),
    path("trust/groups/", trust_views.groups, name="trust_groups"),
]
