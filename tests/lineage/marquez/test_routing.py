"""Splitting Marquez paths whose namespaces and names hold slashes (they arrive decoded)."""

from __future__ import annotations

from lineage.marquez.routing import Route, resolve

NAMESPACES = {"s3://lake", "s3://lake/datasets", "postgres://db:5432"}
NAMED = {
    ("dataset", "s3://lake", "raw/orders"),
    ("dataset", "s3://lake", "raw/orders/versions"),
    ("dataset", "s3://lake/datasets", "x"),
    ("job", "postgres://db:5432", "etl/load"),
}


def route(rest: str) -> Route:
    return resolve(
        rest,
        namespace_exists=NAMESPACES.__contains__,
        named_exists=lambda r: (r.kind, r.namespace, r.name) in NAMED,
    )


def test_namespaces_and_names_with_slashes_split_where_something_exists():
    assert route("s3://lake") == Route("namespace", "s3://lake")
    assert route("s3://lake/datasets") == Route("datasets", "s3://lake")
    assert route("s3://lake/datasets/raw/orders") == Route("dataset", "s3://lake", "raw/orders")
    assert route("s3://lake/datasets/datasets/x") == Route("dataset", "s3://lake/datasets", "x")
    assert route("postgres://db:5432/jobs/etl/load/runs") == Route("job-runs", "postgres://db:5432", "etl/load")
    version = "0b7c3d4e-1111-4222-8333-944455556666"
    assert route(f"postgres://db:5432/jobs/etl/load/versions/{version}") == Route(
        "job-version", "postgres://db:5432", "etl/load", version
    )


def test_a_sub_resource_wins_over_a_name_that_ends_like_one():
    # Both "raw/orders" (with /versions) and a dataset literally named "raw/orders/versions" exist: the more
    # specific reading, the versions of raw/orders, is taken.
    assert route("s3://lake/datasets/raw/orders/versions") == Route("dataset-versions", "s3://lake", "raw/orders")


def test_nothing_found_names_the_missing_dataset_when_its_namespace_exists():
    assert route("s3://lake/datasets/nothing") == Route("dataset", "s3://lake", "nothing")
    assert route("nowhere/datasets/x").namespace == "nowhere"
