"""Request bodies of the SLO API, checked with pydantic like the catalog's product JSON.

Types are strict: a value must be a JSON number (not "12", not true), an id a JSON integer. Timestamps are ISO 8601
with a zone; a zone-less one is refused rather than guessed, one later than now + the allowed clock skew
(PORTAL_SLO_CLOCK_SKEW_SECONDS, 300 by default) is refused, and one within the skew is taken as now.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from django.conf import settings
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from core.errors import FieldError, ValidationFailed, pointer
from slo.services import MeasurementIn, SloSpec

MAX_BULK = 1000

Key = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class MeasurementBody(_In):
    slo: StrictInt | Name = Field(description="The objective's id, or its name together with `product`.")
    product: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = Field(
        "", description="The product's URN (urn:dataproduct:domain:slug) or 'domain/slug', when `slo` is a name."
    )
    value: StrictFloat | StrictInt
    measured_at: str | None = Field(None, description="ISO 8601 with a zone; omitted: the time it is received.")
    key: Key = Field("", description="Idempotency key; omitted: derived from objective, time and value.")
    note: Text = ""


class BulkBody(_In):
    measurements: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BULK)


class SloBody(_In):
    product: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    name: Name
    kind: Literal["freshness", "availability", "completeness", "volume", "latency", "custom"]
    port: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    threshold: StrictFloat | StrictInt | None = None
    min_rows: StrictInt | None = None
    max_rows: StrictInt | None = None
    comparator: Literal["lte", "gte", ""] = ""
    metric: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    element: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    risk_margin: StrictFloat | StrictInt = 0.1
    description: Annotated[str, StringConstraints(max_length=10_000)] = ""


def _errors(exc: PydanticValidationError, prefix: tuple[str | int, ...] = ()) -> list[FieldError]:
    out = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        # Unions report each branch ('value', 'float'); the field is what the sender needs.
        if error["type"] in ("float_type", "int_type", "string_type") and len(loc) > 1 and not isinstance(loc[-1], int):
            loc = loc[:-1]
        message = error["msg"]
        if error["type"] == "literal_error":
            message = f"Must be one of {error['ctx']['expected']}."
        out.append(FieldError(pointer(*prefix, *loc), message))
    # One message per field is enough: a union gives one per branch.
    first: dict[str, FieldError] = {}
    for field_error in out:
        first.setdefault(field_error.path, field_error)
    return list(first.values())


def clock_skew() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "PORTAL_SLO_CLOCK_SKEW_SECONDS", 300)))


def parse_time(raw: str | None, path: str, now: datetime) -> tuple[datetime | None, FieldError | None]:
    if raw is None:
        return now, None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None, FieldError(path, "Not an ISO 8601 date-time (2025-01-31T09:30:00Z).")
    if value.tzinfo is None or value.utcoffset() is None:
        return None, FieldError(path, "Give the time zone (Z or +hh:mm): a time without one is ambiguous.")
    if value > now + clock_skew():
        return None, FieldError(path, f"Lies in the future (the server's time is {now.isoformat()}).")
    return min(value, now), None


def _measurement(data: Any, index: int | None, now: datetime) -> tuple[MeasurementIn | None, list[FieldError]]:
    prefix: tuple[str | int, ...] = ("measurements", index) if index is not None else ()
    if not isinstance(data, dict):
        return None, [FieldError(pointer(*prefix), "Each measurement must be a JSON object.")]
    try:
        body = MeasurementBody.model_validate(data)
    except PydanticValidationError as exc:
        return None, _errors(exc, prefix)
    errors = []
    if not math.isfinite(body.value):
        errors.append(FieldError(pointer(*prefix, "value"), "Must be a finite number."))
    measured_at, error = parse_time(body.measured_at, pointer(*prefix, "measured_at"), now)
    if error:
        errors.append(error)
    if isinstance(body.slo, str) and not body.product:
        errors.append(FieldError(pointer(*prefix, "product"), "Name the product when `slo` is given by name."))
    if errors:
        return None, errors
    assert measured_at is not None
    return (
        MeasurementIn(
            value=float(body.value),
            measured_at=measured_at,
            slo_id=body.slo if isinstance(body.slo, int) else None,
            product=body.product,
            slo_name=body.slo if isinstance(body.slo, str) else "",
            key=body.key,
            note=body.note,
            index=index,
        ),
        [],
    )


def parse_measurements(data: Any) -> tuple[list[MeasurementIn], bool]:
    """A single measurement or `{"measurements": [...]}`; answers the items and whether it was a bulk request.

    Every item is checked before anything is looked up; errors name the item (`/measurements/3/value`).
    """
    now = timezone.now()
    if isinstance(data, dict) and "measurements" in data:
        try:
            bulk = BulkBody.model_validate(data)
        except PydanticValidationError as exc:
            raise ValidationFailed(_errors(exc)) from None
        items, errors = [], []
        for index, raw in enumerate(bulk.measurements):
            item, item_errors = _measurement(raw, index, now)
            errors.extend(item_errors)
            if item is not None:
                items.append(item)
        if errors:
            raise ValidationFailed(errors, message="Some measurements are invalid; none was stored.")
        return items, True
    item, errors = _measurement(data, None, now)
    if errors:
        raise ValidationFailed(errors)
    assert item is not None
    return [item], False


def parse_slo(data: Any, *, require_product: bool) -> tuple[str, SloSpec]:
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("", "The objective must be a JSON object.")])
    try:
        body = SloBody.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(_errors(exc)) from None
    if require_product and not body.product:
        raise ValidationFailed([FieldError("/product", "Name the product (URN or 'domain/slug').")])
    spec = SloSpec(
        name=body.name,
        kind=body.kind,
        threshold=float(body.threshold) if body.threshold is not None else None,
        min_rows=body.min_rows,
        max_rows=body.max_rows,
        comparator=body.comparator,
        metric=body.metric,
        element=body.element,
        risk_margin=float(body.risk_margin),
        description=body.description,
        port=body.port,
    )
    return body.product, spec
