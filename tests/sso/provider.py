"""The test OpenID Provider (tests/sso/op_server.py) as a fixture: a separate process on a free loopback port,
its people, groups and keys written by the test into the file it reads on every request."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
from joserfc.jwk import RSAKey

SERVER = Path(__file__).with_name("op_server.py")
CLIENT_ID = "mesh-portal"
CLIENT_SECRET = "s3cret-of-the-portal"


def new_key() -> dict:
    return RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(6)}, private=True).as_dict(private=True)


@dataclass
class Provider:
    workdir: Path
    redirect_uris: list[str]
    process: subprocess.Popen | None = None
    url: str = ""
    users: dict[str, dict] = field(default_factory=dict)
    keys: dict = field(default_factory=dict)

    @property
    def state_file(self) -> Path:
        return self.workdir / "op-state.json"

    def write(self) -> None:
        data = {
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": self.redirect_uris,
                    "post_logout_redirect_uris": [
                        uri.replace("/sso/callback/", "/accounts/login/") for uri in self.redirect_uris
                    ],
                }
            ],
            "users": self.users,
            "keys": self.keys,
        }
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self.state_file)  # the server never reads a half-written file

    def add_user(self, username: str, *, groups: list[str], name: str = "", email: str = "") -> dict:
        self.users[username] = {
            "password": f"{username}-pw",
            "sub": f"sub-{secrets.token_hex(8)}",
            "email": email or f"{username}@example.com",
            "name": name or username.title(),
            "groups": groups,
        }
        self.write()
        return self.users[username]

    def set_groups(self, username: str, groups: list[str]) -> None:
        self.users[username]["groups"] = groups
        self.write()

    def rotate_keys(self) -> None:
        """A new signing key, published beside the old one; the portal holds only the old one's JWKS."""
        key = new_key()
        self.keys = {"published": [*self.keys["published"], key], "signing": key}
        self.write()

    def sign_with_unpublished_key(self) -> None:
        self.keys = {"published": self.keys["published"], "signing": new_key()}
        self.write()

    def start(self) -> None:
        self.keys = {"published": [first := new_key()], "signing": first}
        self.write()
        port_file = self.workdir / "op-port"
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        self.process = subprocess.Popen(  # noqa: S603 - our own script, with the running interpreter
            [sys.executable, str(SERVER), str(self.state_file), str(port_file)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "op.log", "w"),  # noqa: SIM115 - closed with the process
        )
        deadline = time.monotonic() + 20
        while not port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test provider did not start: {(self.workdir / 'op.log').read_text()}")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port_file.read_text().strip()}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def hits(self, path: str) -> int:
        """How many requests for `path` the provider has answered (from its request log)."""
        return (self.workdir / "op.log").read_text().count(f'"GET {path} HTTP')

    def log_in(self, authorize_url: str, username: str, password: str | None = None) -> str:
        """The person's answer on the provider's sign-in page: where the provider sends the browser back."""
        assert authorize_url.startswith(self.url + "/authorize?"), authorize_url
        password = password if password is not None else self.users[username]["password"]
        answer = requests.post(
            authorize_url, data={"username": username, "password": password}, allow_redirects=False, timeout=10
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
