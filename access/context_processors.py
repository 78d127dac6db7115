from access import selectors


def access(request) -> dict:
    """`access_approvals`: for people who decide access requests, how many wait (None for everyone else).
    Lazy: pages that do not show the navigation never run the queries."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def approvals() -> int | None:
        if not selectors.decides_any(user):
            return None
        return selectors.approvals_pending_count(user)

    return {"access_approvals": approvals}
