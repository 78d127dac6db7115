"""The project's URLs plus the glossary's, for tests that run before (or without) the wiring in config/urls.py."""

from django.urls import include, path

from config.urls import urlpatterns as project_urls

urlpatterns = [
    path("glossary/", include("glossary.urls")),
    path("api/v1/glossary/", include("glossary.api.urls")),
    *project_urls,
]
