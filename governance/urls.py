"""Governance pages, mounted at the site root (config: path("", include("governance.urls")) before the catalog)."""

from django.urls import path

from governance import views

urlpatterns = [
    path("governance/", views.policy_list, name="governance_policies"),
    path("governance/policies/<slug:policy_id>/", views.policy_detail, name="governance_policy"),
    path("mesh/", views.dashboard, name="mesh_dashboard"),
    path("mesh/export.csv", views.dashboard_csv, name="mesh_dashboard_csv"),
]
