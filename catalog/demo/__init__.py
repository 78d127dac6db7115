"""A believable data mesh for demos, screenshots and load tests; loaded by `manage.py seed_demo`."""

from catalog.demo.build import (
    Counts,
    DemoResult,
    Login,
    build_demo,
    catalog_has_data,
    demo_loaded,
    ensure_logins,
    reset_catalog,
)
from catalog.demo.scale import ScaleReport, generate

__all__ = [
    "Counts",
    "DemoResult",
    "Login",
    "ScaleReport",
    "build_demo",
    "catalog_has_data",
    "demo_loaded",
    "ensure_logins",
    "generate",
    "reset_catalog",
]
