"""Deployment checks of the ratings app (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Backends whose counters live in one process's memory (or nowhere): each gunicorn worker would count alone.
PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def check_rate_limit_cache(app_configs, **kwargs) -> list[Warning]:
    """The rating rate limit counts in the default cache; behind several workers that cache must be shared."""
    limit = int(getattr(settings, "RATINGS_WRITES_PER_MINUTE", 10))
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if limit <= 0 or backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Warning(
            f"RATINGS_WRITES_PER_MINUTE={limit} is counted in a process-local cache ({backend.rsplit('.', 1)[-1]}): "
            "with several workers each counts on its own, so a person can write that many times per worker.",
            hint="Set REDIS_CACHE_URL (or REDIS_URL in the production profile) so that workers share one cache.",
            id="ratings.W001",
        )
    ]
