"""The portal's product JSON, validated with pydantic.

Pipelines send thousands of these with a few hundred fields each; pydantic checks one in tens of microseconds
where nested DRF serializers took milliseconds. Checks that span items (duplicate names) run afterwards so that
every error can name its exact place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from catalog.specs import FieldSpec, InputPortSpec, OutputPortSpec, ProductSpec
from core.errors import FieldError, ValidationFailed, pointer


def _text(max_length: int, *, required: bool = False) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1 if required else 0, max_length=max_length)


# Named so type checkers see plain `str` with constraints attached.
Name120 = Annotated[str, _text(120, required=True)]
Name200 = Annotated[str, _text(200, required=True)]
TagName = Annotated[str, _text(60, required=True)]
Text40 = Annotated[str, _text(40)]
Text60 = Annotated[str, _text(60)]
Text100 = Annotated[str, _text(100)]
Text120 = Annotated[str, _text(120)]
Text200 = Annotated[str, _text(200)]
Text500 = Annotated[str, _text(500)]
Prose = Annotated[str, _text(10_000)]
LongProse = Annotated[str, _text(100_000)]

Slug = Annotated[str, StringConstraints(pattern=r"^[-a-zA-Z0-9_]+$", max_length=100)]
ProductRef = Annotated[str, StringConstraints(pattern=r"^([-a-zA-Z0-9_]+/[-a-zA-Z0-9_]+)?$", max_length=200)]


class _In(BaseModel):
    # Numbers where text is expected (a version 1.2 in YAML-minded JSON) are taken as text; unknown keys are
    # ignored so producers can send richer documents than the portal reads.
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore")


class FieldIn(_In):
    name: Name200
    type: Text100 = ""
    description: Prose = ""
    nullable: bool = True
    primary_key: bool = False
    classification: Text40 = ""
    object: Text200 = ""


class OutputPortIn(_In):
    name: Name120
    version: Text40 = ""
    description: Prose = ""
    type: Literal["table", "view", "topic", "file", "api", "other"] = "table"
    location: Text500 = ""
    format: Text60 = ""
    access_mode: Literal["open", "on_request"] = "on_request"
    max_access_days: int = Field(365, ge=1, le=3650, description="Longest access a consumer may request, in days.")
    contract_id: Text200 = ""
    fields: list[FieldIn] = Field(default_factory=list, max_length=2000)


class InputPortIn(_In):
    name: Name120
    version: Text40 = ""
    description: Prose = ""
    product: ProductRef = Field("", description="The producing product as 'domain/slug'.")
    port: Text120 = ""
    external: Text500 = ""
    contract_id: Text200 = ""


class ProductIn(_In):
    name: Name200
    summary: Text500 = ""
    description: LongProse = ""
    kind: Literal["source-aligned", "aggregate", "consumer-aligned"] = "source-aligned"
    status: Literal["draft", "published", "deprecated", "retired"] = "draft"
    version: Text40 = ""
    tags: list[TagName] = Field(default_factory=list, max_length=50)
    owner_team: Annotated[str, StringConstraints(pattern=r"^[-a-zA-Z0-9_]*$", max_length=80)] = ""
    output_ports: list[OutputPortIn] = Field(default_factory=list, max_length=200)
    input_ports: list[InputPortIn] = Field(default_factory=list, max_length=200)


class BulkItemIn(ProductIn):
    domain: Slug
    slug: Slug


class BulkIn(_In):
    products: list[BulkItemIn] = Field(min_length=1, max_length=500)


def _errors(exc: PydanticValidationError, prefix: tuple[str | int, ...] = ()) -> list[FieldError]:
    out = []
    for error in exc.errors(include_url=False):
        message = error["msg"]
        if error["type"] == "literal_error":
            message = f"Must be one of {error['ctx']['expected']}."
        out.append(FieldError(pointer(*prefix, *error["loc"]), message))
    return out


def _cross_checks(product: ProductIn, prefix: tuple[str | int, ...]) -> list[FieldError]:
    errors: list[FieldError] = []
    groups: tuple[tuple[str, Sequence[OutputPortIn | InputPortIn]], ...] = (
        ("output_ports", product.output_ports),
        ("input_ports", product.input_ports),
    )
    for group, ports in groups:
        seen: set[tuple[str, str]] = set()
        for index, port in enumerate(ports):
            if (port.name, port.version) in seen:
                errors.append(
                    FieldError(
                        pointer(*prefix, group, index, "name"),
                        f"Another port is already named '{port.name}' (version '{port.version}').",
                    )
                )
            seen.add((port.name, port.version))
    for p_index, port in enumerate(product.output_ports):
        names: set[tuple[str, str]] = set()
        for f_index, field in enumerate(port.fields):
            if (field.object, field.name) in names:
                errors.append(
                    FieldError(
                        pointer(*prefix, "output_ports", p_index, "fields", f_index, "name"),
                        f"Field '{field.name}' appears twice.",
                    )
                )
            names.add((field.object, field.name))
    for index, port in enumerate(product.input_ports):
        if not (port.product or port.external or port.contract_id):
            errors.append(
                FieldError(
                    pointer(*prefix, "input_ports", index, "product"),
                    "Say where the input comes from: 'product' (+ 'port'), 'external' or 'contract_id'.",
                )
            )
    return errors


def _spec(product: ProductIn) -> ProductSpec:
    return ProductSpec(
        name=product.name,
        summary=product.summary,
        description=product.description,
        kind=product.kind,
        status=product.status,
        version=product.version,
        tags=sorted({t.lower() for t in product.tags}),
        owner_team=product.owner_team,
        output_ports=[
            OutputPortSpec(
                name=p.name,
                version=p.version,
                description=p.description,
                port_type=p.type,
                location=p.location,
                format=p.format,
                access_mode=p.access_mode,
                max_access_days=p.max_access_days,
                contract_ref=p.contract_id,
                fields=[
                    FieldSpec(
                        name=f.name,
                        data_type=f.type,
                        description=f.description,
                        nullable=f.nullable,
                        primary_key=f.primary_key,
                        classification=f.classification.lower(),
                        object_name=f.object,
                    )
                    for f in p.fields
                ],
            )
            for p in product.output_ports
        ],
        input_ports=[
            InputPortSpec(
                name=p.name,
                version=p.version,
                description=p.description,
                source_product=p.product,
                source_port=p.port,
                external_source=p.external,
                contract_ref=p.contract_id,
            )
            for p in product.input_ports
        ],
    )


def parse_product(data: Any) -> ProductSpec:
    """The body of `PUT /api/v1/products/{domain}/{slug}` -> ProductSpec, or ValidationFailed naming every fault."""
    try:
        product = ProductIn.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(_errors(exc)) from None
    errors = _cross_checks(product, ())
    if errors:
        raise ValidationFailed(errors)
    return _spec(product)


def parse_bulk(data: Any) -> list[tuple[str, str, ProductSpec]]:
    try:
        bulk = BulkIn.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(_errors(exc)) from None
    errors = [e for i, item in enumerate(bulk.products) for e in _cross_checks(item, ("products", i))]
    if errors:
        raise ValidationFailed(errors)
    return [(item.domain, item.slug, _spec(item)) for item in bulk.products]
