from django.urls import include, path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboards/", include("dashboards.school_urls")),
    path("dashboards/", include("dashboards.daily_urls")),
    path("dashboards/", include("dashboards.trust_urls")),
]
