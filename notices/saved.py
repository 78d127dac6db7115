"""Saved searches: a person keeps a search; when a product it did not find before matches, they are told."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from catalog.models import DataProduct
from core.errors import FieldError, ValidationFailed
from notices.models import NoticeKind, SavedSearch
from notices.services import Message, tell
from search.extensions import product_ids_matching

MAX_PER_PERSON = 50


def saved_search_create(*, user, name: str, query: str) -> SavedSearch:
    """Keep a search (the search page's query string); what it finds today is the baseline, not news."""
    name, query = (name or "").strip(), (query or "").strip().lstrip("?")
    errors = []
    if not name:
        errors.append(FieldError("/name", "Give the search a name."))
    if not query:
        errors.append(FieldError("/query", "Search for something first."))
    if errors:
        raise ValidationFailed(errors)
    if SavedSearch.objects.filter(user=user).count() >= MAX_PER_PERSON:
        raise ValidationFailed([FieldError("/name", f"At most {MAX_PER_PERSON} saved searches each.")])
    try:
        found = product_ids_matching(query)
    except ValidationFailed as exc:
        raise ValidationFailed([FieldError("/query", e.message) for e in exc.errors]) from None
    return SavedSearch.objects.create(
        user=user, name=name[:200], query=query[:1000], seen=found, checked_at=timezone.now()
    )


def saved_search_delete(*, user, saved_id: int) -> None:
    SavedSearch.objects.filter(user=user, pk=saved_id).delete()


def saved_searches_check() -> int:
    """Run every saved search; tell its owner of each product it finds for the first time. Answers how many."""
    told = 0
    for saved in SavedSearch.objects.select_related("user").order_by("pk"):
        try:
            found = product_ids_matching(saved.query)
        except ValidationFailed:
            continue  # a facet value that no longer exists: the search finds nothing new
        new = [pk for pk in found if pk not in set(saved.seen)]
        with transaction.atomic():
            for product in DataProduct.objects.filter(pk__in=new).select_related("domain"):
                message = Message(
                    NoticeKind.NEW_MATCH,
                    f"saved:{saved.pk}:{product.pk}",
                    f"New match for '{saved.name}': {product.name}",
                    product.summary,
                    product.get_absolute_url(),
                    product,
                )
                told += len(tell(message=message, reasons={saved.user_id: {"saved search"}}))
            saved.seen = sorted(set(saved.seen) | set(found))[-5000:]
            saved.checked_at = timezone.now()
            saved.save(update_fields=["seen", "checked_at", "updated_at"])
    return told
