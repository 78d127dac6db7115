"""The rate limit against bursts, as deployed: counted in the default cache, which several worker processes must
share (Redis), and flagged by `manage.py check --deploy` when it is not."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from ratings.services import RateLimited, _throttle
from tests.worker_support import redis_up

REDIS = os.environ.get("RATINGS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MOMENT = "2026-03-02 10:00:10Z"

# Another worker: its own process, its own connection to the cache, the same settings and the same instant.
OTHER_WORKER = """
import sys, django, time_machine
django.setup()
from types import SimpleNamespace
from ratings.services import RateLimited, _throttle
with time_machine.travel(sys.argv[1], tick=False):
    try:
        _throttle(SimpleNamespace(pk=int(sys.argv[2])))
    except RateLimited as exc:
        print("limited", exc.retry_after)
    else:
        print("accepted")
"""


@pytest.mark.skipif(not redis_up(REDIS), reason=f"needs Redis at {REDIS}")
def test_workers_sharing_a_redis_cache_share_one_limit(settings):
    settings.RATINGS_WRITES_PER_MINUTE = 2
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}}
    person = SimpleNamespace(pk=10**12 + uuid.uuid4().int % 10**9)  # nobody else's counter
    try:
        with time_machine.travel(MOMENT, tick=False):
            _throttle(person)
            _throttle(person)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "REDIS_CACHE_URL": REDIS,
            "RATINGS_WRITES_PER_MINUTE": "2",
            "PORTAL_VAR_DIR": str(django_settings.VAR_DIR),
        }
        other = subprocess.run(  # noqa: S603 -- our own interpreter and script
            [sys.executable, "-c", OTHER_WORKER, MOMENT, str(person.pk)],
            capture_output=True,
            text=True,
            env=env,
            cwd=str(django_settings.BASE_DIR),
            timeout=120,
            check=True,
        )
        assert other.stdout.split() == ["limited", "50"], other.stderr
    finally:
        # Only our own counter: clear() would empty the whole Redis database, which others use.
        window = int(datetime.fromisoformat(MOMENT.replace("Z", "+00:00")).timestamp() // 60)
        caches["default"].delete(f"ratings:writes:{person.pk}:{window}")
        caches["default"].close()


def test_the_limit_is_per_person_and_per_minute(settings):
    settings.RATINGS_WRITES_PER_MINUTE = 1
    carla, dora = SimpleNamespace(pk=1), SimpleNamespace(pk=2)
    with time_machine.travel("2026-03-02 10:00:59Z", tick=False):
        _throttle(carla)
        _throttle(dora)
        with pytest.raises(RateLimited) as refused:
            _throttle(carla)
        assert refused.value.retry_after == 1
    with time_machine.travel("2026-03-02 10:01:00Z", tick=False):
        _throttle(carla)


def test_a_process_local_cache_is_flagged_by_the_deploy_check(settings):
    settings.RATINGS_WRITES_PER_MINUTE = 10
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with pytest.raises(SystemCheckError, match=r"ratings\.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "caches")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}}
    call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "caches")
    settings.RATINGS_WRITES_PER_MINUTE = 0
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "caches")
