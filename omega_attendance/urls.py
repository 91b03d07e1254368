from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from omega_attendance import health

urlpatterns = [
    path("", include("dashboards.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("accounts.urls")),
    path("schools/", include("schools.urls")),
    path("registers/", include("registers.urls")),
    path("imports/", include("schools.import_urls")),
    path("attendance/", include("interventions.urls")),
    path("policy/", include("interventions.policy_urls")),
    path("letters/", include("letters.urls")),
    path("privacy/", include("privacy.urls")),
    path("api/", include("omega_attendance.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
]
