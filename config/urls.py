from django.contrib import admin
from django.urls import include, path, re_path

from core.health import healthz
from core.http_errors import api_not_found
from governance.api import urls as governance_api
from lineage.marquez import urls as marquez_urls
from sso import views as sso_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The login page offers single sign-on when configured; sign-out also ends the provider's session (sso/).
    path("accounts/login/", sso_views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", sso_views.logout, name="logout"),
    path("sso/", include("sso.urls")),
    path("api/v1/audit", include("audit.api.urls")),
    path("api/v1/tokens/", include("tokens.api.urls")),
    path("api/v1/glossary/", include("glossary.api.urls")),
    path("api/v1/", include("lineage.api.urls")),
    path("api/v1/", include(marquez_urls.shared)),
    path("marquez/api/v1/", include("lineage.marquez.urls")),
    path("api/v1/access/", include("access.api.urls")),
    path("api/v1/", include("ratings.api.urls")),
    path("api/v1/", include("slo.api.urls")),
    path("api/v1/harvest/", include("harvest.api.urls")),
    path("api/v1/", include("usage.api.urls")),
    path("api/v1/governance/", include(governance_api.governance_patterns)),
    path("api/v1/health/", include(governance_api.health_patterns)),
    path("api/v1/", include("search.api_urls")),
    path("api/v1/", include("notices.api.urls")),
    path("api/", include("catalog.api.urls")),
    # Last under /api/: every address the API does not serve answers problem+json 404, DEBUG on or off.
    re_path(r"^api/(?P<rest>.*)$", api_not_found, name="api-not-found"),
    re_path(r"^marquez/api/(?P<rest>.*)$", api_not_found, name="api-marquez-not-found"),
    path("lineage/", include("lineage.urls")),
    path("glossary/", include("glossary.urls")),
    path("slo/", include("slo.urls")),
    path("harvest/", include("harvest.urls")),
    path("usage/", include("usage.urls")),
    path("access/", include("access.urls")),
    path("audit/", include("audit.urls")),
    path("", include("ratings.urls")),
    path("", include("governance.urls")),
    path("", include("search.urls")),
    path("", include("tokens.urls")),
    path("", include("core.urls")),
    path("", include("notices.urls")),
    path("", include("catalog.urls")),
]

# A lost database answers 503 with Retry-After instead of 500; /api/ answers problem+json (core/http_errors.py).
handler404 = "core.http_errors.page_not_found"
handler500 = "core.http_errors.server_error"
