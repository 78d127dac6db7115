"""Governance and health API (config/urls.py mounts governance_patterns at api/v1/governance/ and
health_patterns at api/v1/health/)."""

from django.urls import path

from governance.api import views

PRODUCT = "products/<slug:domain>/<slug:slug>"

governance_patterns = [
    path("policies", views.PolicyList.as_view(), name="api-governance-policies"),
    path("findings", views.FindingList.as_view(), name="api-governance-findings"),
    path("domains", views.DomainScores.as_view(), name="api-governance-domains"),
    path(PRODUCT, views.ProductGovernance.as_view(), name="api-governance-product"),
]
health_patterns = [
    path(PRODUCT, views.ProductHealth.as_view(), name="api-health-product"),
    path("dashboard", views.Dashboard.as_view(), name="api-health-dashboard"),
]
