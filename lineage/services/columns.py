"""Column lineage at ingestion: the columnLineage facet read into field nodes and field -> field edges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.bulk import update_rows
from lineage.models import ColumnEdge, Dataset, DatasetField, Job
from lineage.openlineage import DatasetRef, ParsedEvent

Key = tuple[str, str]


def column_sources(ref: DatasetRef) -> list[Key]:
    facet = ref.facets.get("columnLineage")
    fields = facet.get("fields") if isinstance(facet, dict) else None
    if not isinstance(fields, dict):
        return []
    return [(i["namespace"], i["name"]) for spec in fields.values() for i in spec.get("inputFields", [])]


@dataclass(frozen=True)
class ColumnEdgeSpec:
    source: tuple[Key, str]
    target: tuple[Key, str]
    job: Key | None
    transformations: tuple  # of dicts, as sent; a tuple so the edge can be a dict key's value


def column_edges_wanted(events: list[ParsedEvent]) -> dict[tuple, ColumnEdgeSpec]:
    wanted: dict[tuple, ColumnEdgeSpec] = {}
    for event in events:
        for ref in (*event.outputs, *([event.dataset] if event.dataset is not None else [])):
            facet = ref.facets.get("columnLineage")
            fields = facet.get("fields") if isinstance(facet, dict) else None
            if not isinstance(fields, dict):
                continue
            for target_field, spec in fields.items():
                for item in spec.get("inputFields", []):
                    transformations: list[Any] = item.get("transformations") or []
                    if not transformations and spec.get("transformationType"):
                        # The 1-0-x facet put one transformation on the output field rather than on each input.
                        transformations = [
                            {
                                "type": spec.get("transformationType"),
                                "description": spec.get("transformationDescription", ""),
                            }
                        ]
                    edge = ColumnEdgeSpec(
                        source=((item["namespace"], item["name"]), item["field"]),
                        target=((ref.namespace, ref.name), target_field),
                        job=event.job,
                        transformations=tuple(transformations),
                    )
                    wanted[(edge.source, edge.target)] = edge
    return wanted


FieldKey = tuple[Key, str]


def store_fields(
    datasets: dict[Key, Dataset], column_edges: dict[tuple, ColumnEdgeSpec]
) -> dict[FieldKey, DatasetField]:
    """The fields column lineage names (the nodes of the column graph), typed from their dataset's schema when it
    has one; returns them by (dataset, name). Fields nothing links stay in Dataset.fields only."""
    wanted = {(ds_key, name[:500]) for edge in column_edges.values() for ds_key, name in (edge.source, edge.target)}
    by_id = {datasets[k].pk: k for k, _ in wanted}
    existing = {(by_id[f.dataset_id], f.name): f for f in DatasetField.objects.filter(dataset_id__in=by_id).order_by()}
    schemas = {k: {f["name"]: f for f in datasets[k].fields} for k in {k for k, _ in wanted}}
    to_create, to_update = [], []
    for ds_key, name in wanted:
        item = schemas[ds_key].get(name, {})
        data_type = str(item.get("type") or "")[:200]
        description = str(item.get("description") or "")
        current = existing.get((ds_key, name))
        if current is None:
            to_create.append(
                DatasetField(dataset=datasets[ds_key], name=name, data_type=data_type, description=description)
            )
        elif item and (current.data_type, current.description) != (data_type, description):
            current.data_type, current.description = data_type, description
            to_update.append(current)
    for created in DatasetField.objects.bulk_create(to_create):
        existing[(by_id[created.dataset_id], created.name)] = created
    update_rows(DatasetField, to_update, ["data_type", "description"])
    return existing


def new_column_edges(
    jobs: dict[Key, Job], column_edges: dict[tuple, ColumnEdgeSpec], fields: dict[FieldKey, DatasetField]
) -> list[ColumnEdge]:
    if not column_edges:
        return []

    def field_of(ref: FieldKey) -> DatasetField:
        return fields[(ref[0], ref[1][:500])]

    target_ids = {field_of(e.target).pk for e in column_edges.values()}
    known = set(ColumnEdge.objects.filter(target_id__in=target_ids).values_list("source_id", "target_id"))
    new_edges = []
    for edge in column_edges.values():
        source, target = field_of(edge.source), field_of(edge.target)
        if (source.pk, target.pk) in known:
            continue
        descriptions = [t.get("description") for t in edge.transformations if isinstance(t, dict)]
        new_edges.append(
            ColumnEdge(
                source=source,
                target=target,
                job=jobs.get(edge.job) if edge.job else None,
                transformations=list(edge.transformations),
                description="; ".join(d for d in descriptions if isinstance(d, str) and d),
            )
        )
    return new_edges
