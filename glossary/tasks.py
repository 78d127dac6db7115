"""Celery tasks of the glossary: they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from glossary.services.links import suggest_links


@shared_task
def suggest_links_for_terms(term_ids: list[int]) -> int:
    """After a term is approved or imported: fields across the catalog that mention it."""
    return suggest_links(term_ids=term_ids)


@shared_task
def suggest_links_for_fields(field_ids: list[int]) -> int:
    """After a product is published: terms its new fields mention (the catalog calls this on commit)."""
    return suggest_links(field_ids=field_ids)


@shared_task
def suggest_links_in_glossary(glossary_id: int) -> int:
    """A steward asked to look again: every field against every term of the glossary."""
    return suggest_links(glossary_id=glossary_id)
