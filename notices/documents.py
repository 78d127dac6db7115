"""A stored product as the portal's own JSON (what `PUT /api/v1/products/{domain}/{slug}` takes), for the page
where owners publish a new version in the browser."""

from __future__ import annotations

from catalog.specs import ProductSpec

_EMPTY_DEFAULTS = {
    "version", "description", "location", "format", "contract_id", "object", "classification", "port", "external",
    "product", "summary", "owner_team",
}  # fmt: skip


def _trim(values: dict) -> dict:
    # Leave out what equals the input's defaults, so the document reads like one a person would write.
    return {k: v for k, v in values.items() if not (k in _EMPTY_DEFAULTS and v == "")}


def portal_document(spec: ProductSpec) -> dict:
    return _trim(
        {
            "name": spec.name,
            "summary": spec.summary,
            "description": spec.description,
            "kind": spec.kind,
            "status": spec.status,
            "version": spec.version,
            "tags": list(spec.tags),
            "owner_team": spec.owner_team,
            "output_ports": [
                _trim(
                    {
                        "name": p.name,
                        "version": p.version,
                        "description": p.description,
                        "type": p.port_type,
                        "location": p.location,
                        "format": p.format,
                        "access_mode": p.access_mode,
                        "max_access_days": p.max_access_days,
                        "contract_id": p.contract_ref,
                        "fields": [
                            _trim(
                                {
                                    "name": f.name,
                                    "type": f.data_type,
                                    "description": f.description,
                                    "nullable": f.nullable,
                                    "primary_key": f.primary_key,
                                    "classification": f.classification,
                                    "object": f.object_name,
                                }
                            )
                            for f in p.fields
                        ],
                    }
                )
                for p in spec.output_ports
            ],
            "input_ports": [
                _trim(
                    {
                        "name": p.name,
                        "version": p.version,
                        "description": p.description,
                        "product": p.source_product,
                        "port": p.source_port,
                        "external": p.external_source,
                        "contract_id": p.contract_ref,
                    }
                )
                for p in spec.input_ports
            ],
        }
    )
