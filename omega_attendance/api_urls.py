"""The REST API under /api/: pupils, contacts, marks (with bulk upsert) and statistics."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from registers.api import MarkViewSet, StatisticsView
from schools.api import ContactViewSet, PupilViewSet

app_name = "api"

router = DefaultRouter()
router.register("pupils", PupilViewSet, basename="pupil")
router.register("contacts", ContactViewSet, basename="contact")
router.register("marks", MarkViewSet, basename="mark")

urlpatterns = [
    path("statistics/", StatisticsView.as_view(), name="statistics"),
    *router.urls,
]
