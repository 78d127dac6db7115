"""SLO API, mounted at /api/v1/ (config/urls.py: path("api/v1/", include("slo.api.urls")))."""

from django.urls import path

from slo.api import views

urlpatterns = [
    path("sli", views.SliIngest.as_view(), name="api-sli"),
    path("slos", views.SloList.as_view(), name="api-slos"),
    path("slos/<int:pk>", views.SloDetail.as_view(), name="api-slo"),
    path("slos/<int:pk>/measurements", views.SloMeasurements.as_view(), name="api-slo-measurements"),
]
