"""Show-back pages, mounted at /usage/ (config/urls.py: path("usage/", include("usage.urls")))."""

from django.urls import path

from usage import views

PRODUCT = "products/<slug:domain>/<slug:slug>"

urlpatterns = [
    path(f"{PRODUCT}/", views.product_usage, name="usage_product"),
    path(f"{PRODUCT}/usage.csv", views.product_usage_csv, name="usage_product_csv"),
    path("teams/<slug:slug>/", views.team_usage, name="usage_team"),
    path("teams/<slug:slug>/showback.csv", views.team_usage_csv, name="usage_team_csv"),
]
