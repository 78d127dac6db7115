"""SLO pages, mounted at /slo/ (config/urls.py: path("slo/", include("slo.urls")))."""

from django.urls import path

from slo import views

PRODUCT = "products/<slug:domain>/<slug:slug>"

urlpatterns = [
    path(f"{PRODUCT}/", views.product_slo_page, name="slo_product"),
    path(f"{PRODUCT}/new/", views.slo_create_view, name="slo_create"),
    path("<int:pk>/", views.slo_detail, name="slo_detail"),
    path("<int:pk>/edit/", views.slo_edit_view, name="slo_edit"),
    path("<int:pk>/delete/", views.slo_delete_view, name="slo_delete"),
]
