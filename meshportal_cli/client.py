"""The portal's REST API over httpx, its refusals turned into the CLI's exit codes."""

from __future__ import annotations

from typing import Any

import httpx

from meshportal_cli import __version__

# Exit codes (docs/cli.md).
OK = 0
INVALID = 1  # a document is invalid, the portal refused it (400/404/409), or diff found breaking changes
USAGE = 2  # Typer's own code for a bad command line
AUTH = 3  # no token, a wrong one, or one without the scope or the domain (401/403)
SERVER = 4  # the portal cannot be reached or failed (5xx, not JSON)


class CliError(Exception):
    def __init__(self, code: int, message: str, problem: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.problem = problem or {}

    @property
    def pointers(self) -> list[tuple[str, str]]:
        return [(e.get("pointer", ""), e.get("detail", "")) for e in self.problem.get("errors", [])]


class Portal:
    def __init__(self, url: str, token: str, *, timeout: float = 120.0):
        if not url:
            raise CliError(USAGE, "No portal URL: pass --url or set MESHPORTAL_URL.")
        headers = {"User-Agent": f"meshportal-cli/{__version__}", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Portal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._send("GET", path, params=params)

    def post(self, path: str, body: Any = None, params: dict[str, Any] | None = None) -> Any:
        return self._send("POST", path, json=body, params=params)

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise CliError(SERVER, f"Cannot reach the portal at {self.url}: {exc}") from None
        if response.status_code < 400:
            return response.json() if response.content else None
        raise _refusal(response)


def _refusal(response: httpx.Response) -> CliError:
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    detail = problem.get("detail") or problem.get("title") or response.reason_phrase
    status = response.status_code
    if status == 401:
        return CliError(
            AUTH, f"The portal refused the token (401): {detail} Check --token / MESHPORTAL_TOKEN.", problem
        )
    if status == 403:
        return CliError(AUTH, f"Not allowed (403): {detail}", problem)
    if status >= 500 or not problem:
        return CliError(SERVER, f"The portal failed ({status}): {detail}", problem)
    return CliError(INVALID, f"The portal refused it ({status}): {detail}", problem)
