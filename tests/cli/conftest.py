"""The CLI against a live portal: pytest-django's live_server, a team token, the CLI run in-process."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started
from typer.testing import CliRunner, Result

from core.actors import Scope
from meshportal_cli.app import app
from tests.conftest import World, build_world
from tokens.services import token_create

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "producer-repo"
CONFORMANCE = ROOT.parent / "shared" / "conformance"


@dataclass
class Portal:
    url: str
    world: World
    token: str
    read_only_token: str

    def run(self, *args: str, token: str | None = None, input: str | None = None) -> Result:
        """`meshportal --url ... --token ... ARGS`, in-process, standard error kept apart."""
        command = ["--url", self.url, "--token", self.token if token is None else token, *args]
        return CliRunner().invoke(app, command, input=input)


class _Requests:
    """Requests the live server is still busy with. Its request_finished receiver is connected after core.dispatch's,
    which runs the work deferred to after the response, so a request counts until that work is done too."""

    def __init__(self) -> None:
        self.busy = 0
        self.lock = threading.Lock()

    def started(self, **kwargs) -> None:
        with self.lock:
            self.busy += 1

    def finished(self, **kwargs) -> None:
        with self.lock:
            self.busy -= 1

    def wait_idle(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while self.busy > 0 and time.monotonic() < deadline:
            time.sleep(0.02)


@pytest.fixture
def portal(live_server, transactional_db):
    """The portal; at the end it waits for the live server's deferred work, which would otherwise still write while
    the test database is flushed (a deadlock on PostgreSQL)."""
    requests = _Requests()
    request_started.connect(requests.started, dispatch_uid="cli-tests-started")
    request_finished.connect(requests.finished, dispatch_uid="cli-tests-finished")
    try:
        yield _portal(live_server)
    finally:
        requests.wait_idle()
        request_started.disconnect(dispatch_uid="cli-tests-started")
        request_finished.disconnect(dispatch_uid="cli-tests-finished")


def _portal(live_server) -> Portal:
    world = build_world()
    scopes: list[str] = [Scope.READ, Scope.WRITE_PRODUCTS, Scope.WRITE_LINEAGE, Scope.WRITE_SLI]
    token = token_create(actor=None, team=world.team, name="ci", scopes=scopes).secret
    read_only = token_create(actor=None, team=world.team, name="reader", scopes=[Scope.READ]).secret
    return Portal(url=live_server.url, world=world, token=token, read_only_token=read_only)


@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of the example producer repository, for tests that edit it."""
    target = tmp_path / "producer-repo"
    shutil.copytree(EXAMPLE, target)
    return target
