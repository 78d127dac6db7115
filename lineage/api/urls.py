"""Mounted at /api/v1/ (see docs/lineage.md for the include). Paths have no trailing slash, as OpenLineage
clients post to `{url}/api/v1/lineage`."""

from django.urls import path

from lineage.api import views

PRODUCT = "<slug:domain>/<slug:slug>"

urlpatterns = [
    path("lineage", views.Lineage.as_view(), name="api-lineage"),
    path("lineage/batch", views.LineageBatch.as_view(), name="api-lineage-batch"),
    path("lineage/impact", views.LineageImpact.as_view(), name="api-lineage-impact"),
    path("lineage/path", views.LineagePath.as_view(), name="api-lineage-path"),
    path("lineage/search", views.LineageSearch.as_view(), name="api-lineage-search"),
    path("lineage/products", views.MeshLineage.as_view(), name="api-lineage-mesh"),
    path(f"lineage/products/{PRODUCT}", views.ProductLineage.as_view(), name="api-lineage-product"),
    path(f"lineage/products/{PRODUCT}/impact", views.ProductImpact.as_view(), name="api-lineage-product-impact"),
    path("column-lineage", views.ColumnLineage.as_view(), name="api-column-lineage"),
]
