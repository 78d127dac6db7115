"""Usage API, mounted at /api/v1/ (config/urls.py: path("api/v1/", include("usage.api.urls")))."""

from django.urls import path

from usage.api import views

urlpatterns = [
    path("usage", views.UsageIngest.as_view(), name="api-usage"),
    path("usage/products/<slug:domain>/<slug:slug>", views.ProductUsage.as_view(), name="api-usage-product"),
    path("usage/teams/<slug:slug>", views.TeamUsage.as_view(), name="api-usage-team"),
    path("mesh/metrics", views.MeshMetrics.as_view(), name="api-mesh-metrics"),
]
