"""The permission matrix's vocabulary: principals, outcomes, entries, and the profiles most routes follow.

An `Entry` names one route and one HTTP method, says how to build its URL, query and body from a `Scene`
(the shared `world` plus the objects the route needs), and gives the expected `Outcome` for every principal.
Profiles (`api_read`, `api_write`, `page_read`, `page_write`) state the common rules once; entries override
single cells where a route's rule differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from core.actors import Scope


class Outcome(Enum):
    OK = "allowed (2xx, or 3xx not to the sign-in page)"
    LOGIN = "redirect to the sign-in page"
    UNAUTHORIZED = "401"
    FORBIDDEN = "403"
    HIDDEN = "404 (existence hidden)"

    def matches(self, response) -> bool:
        code = response.status_code
        if self is Outcome.LOGIN:
            return code == 302 and response["Location"].startswith("/accounts/login/")
        if self is Outcome.OK:
            if code in (301, 302, 303):
                return not response["Location"].startswith("/accounts/login/")
            return 200 <= code < 300
        return code == {Outcome.UNAUTHORIZED: 401, Outcome.FORBIDDEN: 403, Outcome.HIDDEN: 404}[self]


OK, LOGIN, UNAUTHORIZED, FORBIDDEN, HIDDEN = (
    Outcome.OK,
    Outcome.LOGIN,
    Outcome.UNAUTHORIZED,
    Outcome.FORBIDDEN,
    Outcome.HIDDEN,
)

# People, by their place in the world fixture: the sales team owns domain 'sales' (and every object the matrix
# builds); oscar owns finance-team and is the outsider; sam is staff and in no team.
PEOPLE = ("anonymous", "outsider", "member", "steward", "owner", "staff")
SCOPES = tuple(Scope.values)  # read, write:products, write:lineage, write:glossary, write:sli, write:usage
# A token of the sales team with exactly one scope, and a token of the finance team with every scope.
TOKENS = (*(f"token[{scope}]" for scope in SCOPES), "other-team token")
API_PRINCIPALS = PEOPLE + TOKENS
# Pages authenticate by session only: a bearer token on a page is nobody. One token cell per page proves it.
PAGE_TOKEN = "token[all scopes]"
PAGE_PRINCIPALS = (*PEOPLE, PAGE_TOKEN)
TEAM_ROLES = ("member", "steward", "owner")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def token(scope: str) -> str:
    return f"token[{scope}]"


@dataclass(frozen=True)
class Entry:
    route: str
    method: str
    expect: Mapping[str, Outcome]
    kwargs: Callable[[Any], dict] = field(default=lambda scene: {})
    body: Callable[[Any], Any] | None = None
    query: Callable[[Any], str] | str = ""
    content_type: str | None = None  # None: JSON for the API, form-encoded for pages
    note: str = ""

    @property
    def is_page(self) -> bool:
        return not self.route.startswith("api-")

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def suffix(self) -> str:
        return f" ({self.note})" if self.note else ""

    def cell_id(self, principal: str) -> str:
        return f"{self.method} {self.route} as {principal}"


def _fill(principals, default: Outcome, overrides: Mapping[str, Outcome]) -> dict[str, Outcome]:
    unknown = set(overrides) - set(principals)
    assert not unknown, f"unknown principals {unknown}"
    return {p: overrides.get(p, default) for p in principals}


def _staff(staff: bool | Outcome) -> Outcome:
    """`staff=True/False` for allowed/refused, or an Outcome (the keyword doubles as the staff cell's override)."""
    if isinstance(staff, Outcome):
        return staff
    return OK if staff else FORBIDDEN


def api_read(**overrides: Outcome) -> dict[str, Outcome]:
    """API reads: any session or valid token (PORTAL_PUBLIC_READ off); anonymous callers get 401."""
    return _fill(API_PRINCIPALS, OK, {"anonymous": UNAUTHORIZED, **overrides})


def api_public(**overrides: Outcome) -> dict[str, Outcome]:
    return _fill(API_PRINCIPALS, OK, overrides)


def api_write(
    scope: str | None, *, roles=TEAM_ROLES, staff: bool | Outcome = True, **overrides: Outcome
) -> dict[str, Outcome]:
    """A write to the sales domain: its team's people in `roles`, staff, and sales tokens carrying `scope`.

    scope=None: no token may do it (decisions that are a person's judgement)."""
    cells = {p: FORBIDDEN for p in API_PRINCIPALS}
    cells["anonymous"] = UNAUTHORIZED
    for role in roles:
        cells[role] = OK
    cells["staff"] = _staff(staff)
    if scope is not None:
        cells[token(scope)] = OK
    cells.update(overrides)
    return _fill(API_PRINCIPALS, FORBIDDEN, cells)


def api_anyone(scope: str | None, **overrides: Outcome) -> dict[str, Outcome]:
    """Anyone signed in, and any token carrying `scope` (of any team)."""
    cells = {p: OK for p in PEOPLE}
    cells["anonymous"] = UNAUTHORIZED
    for s in SCOPES:
        cells[token(s)] = OK if s == scope else FORBIDDEN
    cells["other-team token"] = OK if scope is not None else FORBIDDEN
    cells.update(overrides)
    return _fill(API_PRINCIPALS, FORBIDDEN, cells)


def page_read(**overrides: Outcome) -> dict[str, Outcome]:
    """Pages need a signed-in person (PORTAL_PUBLIC_READ off): anonymous callers and tokens go to sign in."""
    return _fill(PAGE_PRINCIPALS, OK, {"anonymous": LOGIN, PAGE_TOKEN: LOGIN, **overrides})


def page_write(*, roles=TEAM_ROLES, staff: bool | Outcome = True, **overrides: Outcome) -> dict[str, Outcome]:
    cells = {p: FORBIDDEN for p in PAGE_PRINCIPALS}
    cells["anonymous"] = LOGIN
    cells[PAGE_TOKEN] = LOGIN
    for role in roles:
        cells[role] = OK
    cells["staff"] = _staff(staff)
    cells.update(overrides)
    return _fill(PAGE_PRINCIPALS, FORBIDDEN, cells)
