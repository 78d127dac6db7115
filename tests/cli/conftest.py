"""The CLI against a live portal: pytest-django's live_server, a team token, the CLI run in-process."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
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


@pytest.fixture
def portal(live_server, transactional_db) -> Portal:
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
