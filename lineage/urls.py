"""Mounted at /lineage/ (see docs/lineage.md)."""

from django.urls import path

from lineage import views

urlpatterns = [
    path("", views.graph_page, name="lineage_graph"),
    path("impact/", views.impact_page, name="lineage_impact"),
    path("products/<slug:domain>/<slug:slug>/", views.product_graph_page, name="lineage_product_graph"),
]
