"""Deprecating a product or one of its output ports: a sunset date, a reason, an optional replacement.

The notices app tells consumers (at once, 14 and 3 days before the sunset) and retires at sunset
(`deprecation_retire`); access refuses new requests after the sunset (docs/notices.md).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from catalog.models import DataProduct, Deprecation, LifecycleStatus, OutputPort
from catalog.permissions import ensure_can_write_product
from catalog.signals import announce_deprecations_written, announce_products_changed
from core.actors import Actor
from core.errors import FieldError, ValidationFailed

REASON_MAX = 2000


def deprecation_for(product: DataProduct, port: OutputPort | None = None) -> Deprecation | None:
    """The deprecation that covers the port (its own, else its product's), or the product's own."""
    found = Deprecation.objects.filter(product=product).select_related("replacement__domain", "port")
    rows = {d.port_id: d for d in found}
    if port is not None and port.pk in rows:
        return rows[port.pk]
    return rows.get(None)


def deprecation_set(
    *,
    actor: Actor,
    product: DataProduct,
    port: OutputPort | None = None,
    sunset_on: dt.date,
    reason: str,
    replacement: DataProduct | None = None,
) -> Deprecation:
    """Deprecate the product (port=None) or one of its ports until `sunset_on`; setting it again moves the date
    or rewords the reason. A deprecated product's status becomes 'deprecated'."""
    ensure_can_write_product(actor, product)
    errors = []
    reason = (reason or "").strip()
    if not reason:
        errors.append(FieldError("/reason", "Say why consumers should move away."))
    elif len(reason) > REASON_MAX:
        errors.append(FieldError("/reason", f"Keep the reason under {REASON_MAX} characters."))
    if not isinstance(sunset_on, dt.date) or sunset_on <= timezone.localdate():
        errors.append(FieldError("/sunset_on", "The sunset must be a date after today."))
    if port is not None and port.product_id != product.pk:
        errors.append(FieldError("/port", f"Port '{port.name}' is not one of this product's ports."))
    if replacement is not None and replacement.pk == product.pk:
        errors.append(FieldError("/replacement", "A product cannot replace itself."))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        DataProduct.objects.select_for_update().filter(pk=product.pk).first()
        deprecation, _ = Deprecation.objects.update_or_create(
            product=product,
            port=port,
            defaults={
                "sunset_on": sunset_on,
                "reason": reason,
                "replacement": replacement,
                "created_by": actor.user,
                "retired_at": None,
            },
        )
        if port is None and product.status not in (LifecycleStatus.DEPRECATED, LifecycleStatus.RETIRED):
            product.status = LifecycleStatus.DEPRECATED
            product.fingerprint = ""  # a later PUT must be applied even if it equals the earlier body
            product.save(update_fields=["status", "fingerprint", "updated_at"])
        announce_products_changed([product.pk])
        announce_deprecations_written([deprecation.pk])
    return deprecation


def deprecation_retire(*, deprecation_id: int) -> Deprecation:
    """At sunset (the notices timeline calls it): the port, or the whole product, is retired. Idempotent."""
    with transaction.atomic():
        deprecation = (
            Deprecation.objects.select_for_update(of=("self",)).select_related("product").get(pk=deprecation_id)
        )
        if deprecation.retired_at is not None:
            return deprecation
        deprecation.retired_at = timezone.now()
        deprecation.save(update_fields=["retired_at"])
        product = deprecation.product
        if deprecation.port_id is None and product.status != LifecycleStatus.RETIRED:
            product.status = LifecycleStatus.RETIRED
            product.fingerprint = ""
            product.save(update_fields=["status", "fingerprint", "updated_at"])
        announce_products_changed([product.pk])
    return deprecation
