from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from catalog.api import versions, views

SLUG = "<slug:domain>/<slug:slug>"

v1 = [
    path("domains", views.DomainList.as_view(), name="api-domains"),
    path("domains/<slug:slug>", views.DomainDetail.as_view(), name="api-domain"),
    path("teams", views.TeamList.as_view(), name="api-teams"),
    path("teams/<slug:slug>", views.TeamDetail.as_view(), name="api-team"),
    path("products", views.ProductList.as_view(), name="api-products"),
    path("products/bulk", views.ProductBulk.as_view(), name="api-products-bulk"),
    path(f"products/{SLUG}", views.ProductDetail.as_view(), name="api-product"),
    path(f"products/{SLUG}/retire", views.ProductRetire.as_view(), name="api-product-retire"),
    path(f"products/{SLUG}/versions", versions.ProductVersionList.as_view(), name="api-product-versions"),
    path(
        f"products/{SLUG}/versions/<int:number>",
        versions.ProductVersionDetail.as_view(),
        name="api-product-version",
    ),
    path("descriptors", views.Descriptors.as_view(), name="api-descriptors"),
    path("descriptors/bulk", views.DescriptorsBulk.as_view(), name="api-descriptors-bulk"),
    path("contracts", views.ContractList.as_view(), name="api-contracts"),
    path("contracts/<str:contract_id>", views.ContractDetail.as_view(), name="api-contract"),
]

urlpatterns = [
    path("v1/", include(v1)),
    # The schema and its docs describe the API, not the catalog's contents: readable without signing in.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "docs/",
        # The split view serves Swagger UI's start-up script from its own URL (?script) instead of inline, and
        # our template moves the inline style to a file: the docs page meets the Content-Security-Policy.
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", permission_classes=[AllowAny], template_name="api_docs/swagger_ui.html"
        ),
        name="api-docs",
    ),
]
