"""Which addresses are the API: the portal's own under /api/, and Marquez's read API under /marquez/api/
(docs/lineage.md). Both answer problem+json, are exempt from the pages' sign-in redirect and are audited as API."""

API_PREFIXES = ("/api/", "/marquez/api/")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)
