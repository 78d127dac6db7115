"""Mounted at /api/v1/harvest/ (config/urls.py)."""

from django.urls import path

from harvest.api import views

urlpatterns = [
    path("dbt", views.DbtHarvestView.as_view(), name="api-harvest-dbt"),
    path("connections/<slug:domain>/<slug:name>/run", views.ConnectionRunView.as_view(), name="api-harvest-run"),
]
