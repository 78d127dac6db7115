"""The portal's URLs with the lineage app mounted, for tests that run before (or after) the lead wires it in.

Lineage comes first, as the wiring in docs/lineage.md asks, so `/api/v1/lineage` is never shadowed.
"""

from django.urls import include, path

from config.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("api/v1/", include("lineage.api.urls")),
    path("lineage/", include("lineage.urls")),
    *portal_urlpatterns,
]
