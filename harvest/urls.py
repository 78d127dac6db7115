"""Harvest pages, mounted at /harvest/ (config/urls.py)."""

from django.urls import path

from harvest import views

urlpatterns = [
    path("domains/<slug:domain>/connections/", views.connections_page, name="harvest_connections"),
    path("domains/<slug:domain>/connections/<slug:name>/run/", views.connection_run, name="harvest_connection_run"),
    path(
        "domains/<slug:domain>/connections/<slug:name>/delete/",
        views.connection_remove,
        name="harvest_connection_delete",
    ),
]
