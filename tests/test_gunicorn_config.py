"""config/gunicorn.py: threads per worker from the environment, one shared listening socket, the GIL switch
interval, the hook."""

from __future__ import annotations

import importlib
import sys

import pytest

import lineage.gunicorn_hooks
from config import gunicorn

ENV = ("GUNICORN_THREADS", "DATABASE_URL", "PYTHON_SWITCH_INTERVAL_MS")


@pytest.fixture
def load(monkeypatch):
    """Import the settings module again under the given environment (its values are read at import)."""

    def load(**env: str):
        for name in ENV:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(gunicorn)

    yield load
    monkeypatch.undo()
    importlib.reload(gunicorn)  # as the rest of the session imported it


@pytest.fixture
def switch_interval():
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


def test_one_thread_per_worker_on_sqlite(load):
    assert load().threads == 1


def test_four_threads_per_worker_on_postgresql(load):
    assert load(DATABASE_URL="postgres://portal@db/portal").threads == 4


@pytest.mark.parametrize("database_url", ["", "postgres://portal@db/portal"])
def test_gunicorn_threads_wins(load, database_url):
    assert load(GUNICORN_THREADS="3", DATABASE_URL=database_url).threads == 3


def test_an_empty_gunicorn_threads_falls_back_to_the_default(load):
    assert load(GUNICORN_THREADS="", DATABASE_URL="postgres://portal@db/portal").threads == 4


def test_gthread_workers_sharing_one_listening_socket(load):
    module = load()
    assert module.worker_class == "gthread"
    assert module.reuse_port is False


@pytest.mark.parametrize(("env", "expected"), [({}, 0.001), ({"PYTHON_SWITCH_INTERVAL_MS": "2.5"}, 0.0025)])
def test_the_switch_interval_is_set_from_the_environment(load, switch_interval, env, expected):
    module = load(**env)
    sys.setswitchinterval(0.007)

    module.set_switch_interval()

    assert sys.getswitchinterval() == pytest.approx(expected)


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_switch_interval_of_zero_or_less_leaves_python_s_own(load, switch_interval, value):
    module = load(PYTHON_SWITCH_INTERVAL_MS=value)
    sys.setswitchinterval(0.007)

    module.set_switch_interval()

    assert sys.getswitchinterval() == pytest.approx(0.007)


def test_post_worker_init_sets_the_interval_and_returns_the_graph_thread(load, switch_interval, monkeypatch):
    module = load(PYTHON_SWITCH_INTERVAL_MS="3")
    sys.setswitchinterval(0.007)
    worker, building = object(), object()
    seen = []

    def fake_hook(given):
        seen.append((given, sys.getswitchinterval()))
        return building

    monkeypatch.setattr(lineage.gunicorn_hooks, "post_worker_init", fake_hook)

    assert module.post_worker_init(worker) is building
    assert seen == [(worker, pytest.approx(0.003))]  # the interval was set before the graph started building
