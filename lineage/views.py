"""Lineage pages: the interactive graph (drawn by static/js/lineage.js from the JSON API) and the impact page."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from catalog.models import DataProduct
from core.errors import NotFound, ValidationFailed
from lineage import selectors
from lineage.models import Dataset, Job
from lineage.naming import dataset_node_id, job_node_id
from lineage.page_config import graph_config

SEARCH_LIMIT = 25


def _search(q: str) -> list[dict]:
    if len(q) < 2:
        return []
    match = Q(name__icontains=q) | Q(namespace__icontains=q)
    datasets = Dataset.objects.filter(match).order_by("name").values_list("namespace", "name")[:SEARCH_LIMIT]
    jobs = Job.objects.filter(match).order_by("name").values_list("namespace", "name")[:SEARCH_LIMIT]
    return [{"id": dataset_node_id(ns, n), "kind": "Dataset", "namespace": ns, "name": n} for ns, n in datasets] + [
        {"id": job_node_id(ns, n), "kind": "Job", "namespace": ns, "name": n} for ns, n in jobs
    ]


def _resolve(node_id: str, kinds: tuple[str, ...]) -> tuple[selectors.Node | None, str]:
    if not node_id:
        return None, ""
    try:
        return selectors.resolve_node(node_id, kinds=kinds), ""
    except (NotFound, ValidationFailed) as exc:
        return None, exc.message if not exc.errors else exc.errors[0].message


def _kind(request) -> str:
    kind = request.GET.get("kind", "all")
    return kind if kind in selectors.KINDS else "all"


@require_GET
def graph_page(request):
    """Around a dataset or job with `?nodeId=`; otherwise the mesh map of products, the person's own teams' when
    they own any. `?q=` finds products (to re-centre on), datasets and jobs by name."""
    node, error = _resolve(request.GET.get("nodeId", ""), ("dataset", "job"))
    q = request.GET.get("q", "").strip()
    config = graph_config(
        request, node_id=node.node_id if node else "", view="dataset" if node else "mesh", kind=_kind(request)
    )
    config["domain"] = "mine" if not node and _owns_products(request.user) else ""
    results, products = _search(q), _search_products(q)
    context = {
        "node": node,
        "error": error,
        "q": q,
        "results": results,
        "products": products,
        "found": len(results) + len(products),
        "config": config,
    }
    return render(request, "lineage/graph.html", context)


def _owns_products(user) -> bool:
    if not user.is_authenticated:
        return False
    return DataProduct.objects.visible().filter(owner_team__memberships__user=user).exists()


def _search_products(q: str) -> list[DataProduct]:
    if len(q) < 2:
        return []
    match = Q(name__icontains=q) | Q(slug__icontains=q)
    return list(DataProduct.objects.visible().filter(match).select_related("domain").order_by("name")[:SEARCH_LIMIT])


@require_GET
def product_graph_page(request, domain: str, slug: str):
    product = get_object_or_404(DataProduct.objects.select_related("domain"), domain__slug=domain, slug=slug)
    context = {
        "product": product,
        "config": graph_config(request, product=product, view="product", kind=_kind(request)),
    }
    return render(request, "lineage/product_graph.html", context)


@require_GET
def impact_page(request):
    node, error = _resolve(request.GET.get("nodeId", ""), ("dataset", "job", "datasetField"))
    impact = selectors.impact_of(node, sample=100) if node is not None else None
    return render(request, "lineage/impact.html", {"node": node, "error": error, "impact": impact})
