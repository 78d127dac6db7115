from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from catalog.api import views
from catalog.search.api import SearchView, SuggestView

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
    path("descriptors", views.Descriptors.as_view(), name="api-descriptors"),
    path("search", SearchView.as_view(), name="api-search"),
    path("search/suggest", SuggestView.as_view(), name="api-search-suggest"),
    path("contracts", views.ContractList.as_view(), name="api-contracts"),
    path("contracts/<str:contract_id>", views.ContractDetail.as_view(), name="api-contract"),
]

urlpatterns = [
    path("v1/", include(v1)),
    # The schema and its docs describe the API, not the catalog's contents: readable without signing in.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
]
