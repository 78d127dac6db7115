"""Provisioning webhooks: which endpoints are allowed, how a body is signed, and one delivery attempt.

Endpoints are opt-in: `ACCESS_WEBHOOK_ALLOWED_HOSTS` lists host names and/or CIDRs, and is empty by default, so
nothing is sent until the operator allows it. A URL is checked when a domain owner saves it and again at delivery,
after DNS resolution: the portal connects to the resolved address it checked (no second lookup that a rebinding
DNS server could answer differently) and never follows redirects. A host allowed by name may resolve only to
public addresses; private, loopback and link-local addresses must be allowed by an address or CIDR entry.

Signature: `X-Portal-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>` with the Unix time in
`X-Portal-Timestamp`, and `X-Portal-Event-Id` for the receiver to drop duplicates (deliveries are at least once).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

SIGNATURE_HEADER = "X-Portal-Signature"
TIMESTAMP_HEADER = "X-Portal-Timestamp"
EVENT_HEADER = "X-Portal-Event-Id"
EVENT_TYPE_HEADER = "X-Portal-Event"


class WebhookRefused(Exception):
    """The target is not allowed; retrying will not help until the operator or the domain changes something."""


def canonical_body(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance_seconds: int = 300) -> bool:
    """What a receiver does (the tests' receiver uses it): a fresh timestamp and a matching signature."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(time.time() - ts) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature or "")


# ---- the allow-list ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllowList:
    names: tuple[str, ...]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def from_settings(cls) -> AllowList:
        names: list[str] = []
        networks = []
        for entry in getattr(settings, "ACCESS_WEBHOOK_ALLOWED_HOSTS", []):
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.append(entry.rstrip("."))
        return cls(tuple(names), tuple(networks))

    def name_allowed(self, host: str) -> bool:
        """Exact names, or every host under an entry written with a leading dot ('.hooks.example.com')."""
        host = host.lower().rstrip(".")
        return any(host == n or (n.startswith(".") and host.endswith(n)) for n in self.names)

    def address_allowed(self, address: str, *, by_name: bool) -> bool:
        ip = ipaddress.ip_address(address)
        if any(ip in net for net in self.networks):
            return True
        return by_name and ip.is_global


def _split(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("The endpoint must be an http or https URL with a host.")
    if parts.username or parts.password:
        raise WebhookRefused("The endpoint must not carry credentials in the URL.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def resolve_allowed(url: str) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, path, address to connect to), or WebhookRefused naming why."""
    scheme, host, port, path = _split(url)
    allow = AllowList.from_settings()
    if not allow.names and not allow.networks:
        raise WebhookRefused("Webhooks are disabled: the operator has allowed no hosts (ACCESS_WEBHOOK_ALLOWED_HOSTS).")
    literal = _literal(host)
    by_name = literal is None and allow.name_allowed(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise WebhookRefused(f"The host '{host}' does not resolve ({exc.strerror or exc}).") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    refused = [a for a in addresses if not allow.address_allowed(a, by_name=by_name)]
    if refused or not addresses:
        raise WebhookRefused(f"The host '{host}' is not allowed by ACCESS_WEBHOOK_ALLOWED_HOSTS.")
    return scheme, host, port, path, addresses[0]


def check_endpoint(url: str) -> None:
    """For the settings form and API: raises WebhookRefused with a message for the field."""
    resolve_allowed(url)


# ---- one attempt ---------------------------------------------------------------------------------------------


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address checked beforehand, with the certificate verified for the URL's host name."""

    def __init__(self, address: str, host: str, port: int, timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, address: str, host: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


@dataclass
class AttemptResult:
    ok: bool
    status_code: int | None = None
    error: str = ""
    retryable: bool = True


def post_signed(*, url: str, secret: str, event_id: str, event: str, payload: dict) -> AttemptResult:
    """POST the payload once. 2xx is delivered; 3xx (not followed), 4xx/5xx and network errors are failures;
    a refused target is a failure that retrying cannot mend."""
    try:
        scheme, host, port, path, address = resolve_allowed(url)
    except WebhookRefused as exc:
        return AttemptResult(ok=False, error=str(exc), retryable=False)
    body = canonical_body(payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "mesh-portal-webhooks/1",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        EVENT_HEADER: event_id,
        EVENT_TYPE_HEADER: event,
    }
    timeout = float(getattr(settings, "ACCESS_WEBHOOK_TIMEOUT_SECONDS", 10))
    conn_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = conn_class(address, host, port, timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(64 * 1024)
        code = response.status
    except (OSError, http.client.HTTPException) as exc:
        return AttemptResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        conn.close()
    if 200 <= code < 300:
        return AttemptResult(ok=True, status_code=code)
    if 300 <= code < 400:
        return AttemptResult(ok=False, status_code=code, error="Redirects are not followed.")
    return AttemptResult(ok=False, status_code=code, error=f"The endpoint answered HTTP {code}.")
