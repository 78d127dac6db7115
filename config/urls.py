from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.health import healthz
from governance.api import urls as governance_api

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/audit", include("audit.api.urls")),
    path("api/v1/tokens/", include("tokens.api.urls")),
    path("api/v1/glossary/", include("glossary.api.urls")),
    path("api/v1/", include("lineage.api.urls")),
    path("api/v1/access/", include("access.api.urls")),
    path("api/v1/", include("ratings.api.urls")),
    path("api/v1/", include("slo.api.urls")),
    path("api/v1/", include("usage.api.urls")),
    path("api/v1/governance/", include(governance_api.governance_patterns)),
    path("api/v1/health/", include(governance_api.health_patterns)),
    path("api/v1/", include("search.api_urls")),
    path("api/", include("catalog.api.urls")),
    path("lineage/", include("lineage.urls")),
    path("glossary/", include("glossary.urls")),
    path("slo/", include("slo.urls")),
    path("usage/", include("usage.urls")),
    path("access/", include("access.urls")),
    path("audit/", include("audit.urls")),
    path("", include("ratings.urls")),
    path("", include("governance.urls")),
    path("", include("search.urls")),
    path("", include("tokens.urls")),
    path("", include("core.urls")),
    path("", include("catalog.urls")),
]

# A lost database answers 503 with Retry-After instead of 500; /api/ answers problem+json (core/http_errors.py).
handler404 = "core.http_errors.page_not_found"
handler500 = "core.http_errors.server_error"
