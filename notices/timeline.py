"""The deprecation timeline: consumers told at once, again 14 and 3 days before the sunset; at the sunset the
port (or product) is retired and its open grants end, each holder told. Every stage goes out once per
deprecation (`DeprecationNotice`), however often the daily task runs or is redelivered."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from access.services import grants_end_at_sunset
from catalog.models import Deprecation
from catalog.services.deprecations import deprecation_retire
from notices import recipients
from notices.models import DeprecationNotice, DeprecationStage, NoticeKind
from notices.services import Message, chat_queue, tell

STAGE_DAYS = {DeprecationStage.DAYS_14: 14, DeprecationStage.DAYS_3: 3}


def _message(deprecation: Deprecation, stage: str, today: dt.date) -> Message:
    product = deprecation.product
    what = f"Port {deprecation.port.name} of {product.name}" if deprecation.port is not None else product.name
    left = (deprecation.sunset_on - today).days
    if stage == DeprecationStage.SUNSET:
        title = f"Retired today: {what}"
    elif stage == DeprecationStage.ANNOUNCED:
        title = f"Deprecated: {what}, sunset on {deprecation.sunset_on}"
    else:
        title = f"{left} days to sunset: {what} retires on {deprecation.sunset_on}"
    body = deprecation.reason
    if deprecation.replacement is not None:
        body += f"\n\nReplacement: {deprecation.replacement.identifier} ({deprecation.replacement.get_absolute_url()})"
    return Message(
        NoticeKind.DEPRECATION,
        f"deprecation:{deprecation.pk}:{stage}",
        title,
        body,
        product.get_absolute_url(),
        product,
    )


def _claim(deprecation: Deprecation, stage: str) -> DeprecationNotice | None:
    """The stage's record, or None when it went out already (another run claimed it)."""
    try:
        with transaction.atomic():
            return DeprecationNotice.objects.create(deprecation=deprecation, stage=stage)
    except IntegrityError:
        return None


def _send(deprecation: Deprecation, stage: str, today: dt.date) -> int:
    with transaction.atomic():
        record = _claim(deprecation, stage)
        if record is None:
            return 0
        port_ids = {deprecation.port_id} if deprecation.port_id else None
        reasons = recipients.consumers({deprecation.product_id}, port_ids=port_ids)
        message = _message(deprecation, stage, today)
        told = tell(message=message, reasons=reasons)
        record.recipients = len(told)
        record.save(update_fields=["recipients"])
        chat_queue(domain_id=deprecation.product.domain_id, message=message)
    return len(told)


def _open(ids: list[int] | None = None):
    query = Deprecation.objects.open().select_related("product__domain", "port", "replacement__domain")
    return query.filter(pk__in=ids) if ids is not None else query


def deprecations_announce(*, deprecation_ids: list[int], today: dt.date | None = None) -> int:
    """Tell consumers at once. Reminders already due (a sunset under 14 or 3 days away) count as sent."""
    today = today or timezone.localdate()
    told = 0
    for deprecation in _open(deprecation_ids):
        told += _send(deprecation, DeprecationStage.ANNOUNCED, today)
        left = (deprecation.sunset_on - today).days
        for stage, days in STAGE_DAYS.items():
            if left <= days:
                _claim(deprecation, stage)
    return told


def deprecations_tick(*, today: dt.date | None = None) -> int:
    """The daily run: the reminders that are due, and the sunsets that came. Answers how many notices."""
    today = today or timezone.localdate()
    told = 0
    for deprecation in _open().filter(sunset_on__lte=today + dt.timedelta(days=max(STAGE_DAYS.values()))):
        left = (deprecation.sunset_on - today).days
        if left <= 0:
            told += sunset(deprecation, today)
            continue
        due = [stage for stage, days in STAGE_DAYS.items() if left <= days]
        # The nearest reminder only: a 3-day reminder makes a missed 14-day one pointless.
        stage = min(due, key=lambda s: STAGE_DAYS[s])
        told += _send(deprecation, stage, today)
        for other in due:
            if other != stage:
                _claim(deprecation, other)
    return told


def sunset(deprecation: Deprecation, today: dt.date) -> int:
    """Tell consumers (while their grants still name them), end the grants, retire the port or product."""
    told = _send(deprecation, DeprecationStage.SUNSET, today)
    what = f"port '{deprecation.port.name}'" if deprecation.port is not None else "the product"
    grants_end_at_sunset(
        product_id=deprecation.product_id,
        port_id=deprecation.port_id,
        reason=f"The owners retired {what} at its sunset on {deprecation.sunset_on}: {deprecation.reason}",
    )
    deprecation_retire(deprecation_id=deprecation.pk)
    return told
