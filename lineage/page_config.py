"""What the lineage graph's script needs, shared by the lineage pages and the product page's Lineage tab."""

from __future__ import annotations

from django.urls import reverse

from catalog.models import DataProduct, Domain


def graph_config(
    request, *, node_id: str = "", product: DataProduct | None = None, view: str = "dataset", kind: str = "all"
) -> dict:
    """What the page's script needs, handed over in a JSON data island (no inline script)."""
    return {
        "nodeId": node_id,
        "view": view,
        "kind": kind,
        "product": product.identifier if product else "",
        "depth": 2,
        # The mesh map is offered on the lineage page itself; its domain filter lists every domain.
        "mesh": product is None,
        "domains": [
            {"slug": slug, "name": name} for slug, name in Domain.objects.order_by("name").values_list("slug", "name")
        ],
        "signed_in": bool(getattr(request, "user", None) and request.user.is_authenticated),
        "api": {
            "graph": reverse("api-lineage"),
            "columns": reverse("api-column-lineage"),
            "products": reverse("api-lineage-product", args=["DOMAIN", "SLUG"]).replace("DOMAIN/SLUG", ""),
            "mesh": reverse("api-lineage-mesh"),
        },
        "pages": {
            "graph": reverse("lineage_graph"),
            "impact": reverse("lineage_impact"),
        },
    }
