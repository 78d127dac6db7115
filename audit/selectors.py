"""Reading the audit log: one filter set shared by the staff page and the staff API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEntry, AuditEntryQuerySet


@dataclass(frozen=True)
class AuditFilters:
    username: str = ""
    team: str = ""
    method: str = ""
    channel: str = ""
    path: str = ""
    refused: bool = False
    since: date | None = None
    until: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def audit_entries(filters: AuditFilters) -> AuditEntryQuerySet:
    entries = AuditEntry.objects.newest_first()
    if filters.username:
        entries = entries.by_username(filters.username)
    if filters.team:
        entries = entries.by_team(filters.team)
    if filters.method:
        entries = entries.filter(method=filters.method)
    if filters.channel:
        entries = entries.filter(channel=filters.channel)
    if filters.path:
        entries = entries.filter(path__startswith=filters.path)
    if filters.refused:
        entries = entries.refused()
    if filters.since:
        entries = entries.filter(at__gte=_start_of(filters.since))
    if filters.until:
        entries = entries.filter(at__lt=_start_of(filters.until + timedelta(days=1)))
    return entries


def product_entries(domain_slug: str, slug: str, *, limit: int = 20) -> list[AuditEntry]:
    """The newest writes about one product, through its pages and the API (its paths start with the product's)."""
    prefixes = (f"/products/{domain_slug}/{slug}/", f"/api/v1/products/{domain_slug}/{slug}")
    match = Q()
    for prefix in prefixes:
        match |= Q(path__startswith=prefix)
    return list(AuditEntry.objects.newest_first().filter(match)[:limit])
