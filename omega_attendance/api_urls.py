"""The REST API under /api/: pupils, contacts, marks (with bulk upsert) and statistics."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from registers.api import MarkViewSet, StatisticsView
from schools.api import ContactViewSet, PupilViewSet
from schools.api_base import not_found

app_name = "api"

router = DefaultRouter()
router.register("pupils", PupilViewSet, basename="pupil")
router.register("contacts", ContactViewSet, basename="contact")
router.register("marks", MarkViewSet, basename="mark")

urlpatterns = [
    path("statistics/", StatisticsView.as_view(), name="statistics"),
    *router.urls,
    # Last: a key that no route's pattern takes (a UPN with a space, a contact id that is no number) gets the same
    # JSON 404 as an unknown key. Only under the router's prefixes (/api/schema/ and /api/docs/ come after this
    # module), and only paths ending in a slash, so that CommonMiddleware still adds a missing one.
    re_path(rf"^(?P<path>(?:{'|'.join(prefix for prefix, _, _ in router.registry)})/.+/)$", not_found),
]
