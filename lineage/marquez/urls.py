"""Marquez's read API. Mounted whole at /marquez/api/v1/ (point a Marquez client at `<portal>/marquez`), and the
paths the portal does not use for something else also at /api/v1/ (docs/lineage.md, compatibility table).

`/api/v1/search` is the portal's product search and `/api/v1/lineage` answers with the portal's default depth, so
only the /marquez/ mount serves Marquez's search and defaults there.
"""

from django.urls import path

from lineage.marquez import views

shared = [
    path("namespaces", views.Namespaces.as_view(), name="api-marquez-namespaces"),
    path("namespaces/<path:rest>", views.NamespacePaths.as_view(), name="api-marquez-namespace-paths"),
    path("jobs/runs/<uuid:run_id>", views.RunDetail.as_view(), name="api-marquez-run"),
    path("jobs/runs/<uuid:run_id>/facets", views.RunFacets.as_view(), name="api-marquez-run-facets"),
    path("sources", views.Sources.as_view(), name="api-marquez-sources"),
    path("sources/<path:name>", views.SourceDetail.as_view(), name="api-marquez-source"),
    path("tags", views.Tags.as_view(), name="api-marquez-tags"),
    path("events/lineage", views.LineageEvents.as_view(), name="api-marquez-events"),
    # marquez-python's list_events() asks for /events and /events/{namespace}.
    path("events", views.LineageEventsForClient.as_view(), name="api-marquez-events-client"),
    path("events/<path:namespace>", views.LineageEventsForClient.as_view(), name="api-marquez-events-namespace"),
]

urlpatterns = [
    *shared,
    path("search", views.Search.as_view(), name="api-marquez-search"),
    path("lineage", views.Lineage.as_view(), name="api-marquez-lineage"),
    path("column-lineage", views.ColumnLineage.as_view(), name="api-marquez-column-lineage"),
]
