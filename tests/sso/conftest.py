import json

import pytest

from sso import client as sso_client
from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, Provider

TEAM_MAP = {
    "sales-owners": {"team": "sales-team", "role": "owner"},
    "sales-stewards": {"team": "sales-team", "role": "steward"},
    "finance-readers": {"team": "finance-team", "role": "member"},
    "finance-owners": {"team": "finance-team", "role": "owner"},
    "portal-admins": {"staff": True},
}


@pytest.fixture
def provider(tmp_path):
    op = Provider(workdir=tmp_path, redirect_uris=["http://testserver/sso/callback/"])
    op.start()
    yield op
    op.stop()


@pytest.fixture
def sso_settings(settings, provider):
    settings.OIDC_ISSUER = provider.url
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_SCOPES = "openid email profile groups"
    settings.OIDC_PROVIDER_NAME = "Test IdP"
    settings.OIDC_TEAM_MAP = json.dumps(TEAM_MAP)
    settings.OIDC_TIMEOUT_SECONDS = 5
    sso_client._client.cache_clear()
    yield settings
    sso_client._client.cache_clear()
