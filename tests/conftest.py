"""Shared fixtures: a small mesh with an owner / steward / member / outsider world, and API clients."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from catalog.models import Domain, Team, TeamRole
from core.actors import Scope
from tests.factories import DomainFactory, MembershipFactory, TeamFactory, UserFactory
from tokens.services import token_create

pytest_plugins = ["tests.browser_support", "tests.worker_support", "tests.fuzz.report"]


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PORTAL_MESH_METRICS_MAX_AGE = 0  # tests read figures they have just written (test_mesh_memo.py: kept)


@dataclass
class World:
    team: Team
    other_team: Team
    domain: Domain
    other_domain: Domain
    owner: User
    steward: User
    member: User
    outsider: User
    staff: User


def build_world() -> World:
    """Team 'sales-team' owns domain 'sales'; team 'finance-team' owns domain 'finance'. A plain function as well
    as the `world` fixture, for scopes a function-scoped fixture cannot serve (the matrix's class-wide scene)."""
    team = TeamFactory(slug="sales-team", name="Sales Team")
    other_team = TeamFactory(slug="finance-team", name="Finance Team")
    domain = DomainFactory(slug="sales", name="Sales", owner_team=team)
    other_domain = DomainFactory(slug="finance", name="Finance", owner_team=other_team)
    owner = UserFactory(username="olivia")
    steward = UserFactory(username="stefan")
    member = UserFactory(username="mia")
    outsider = UserFactory(username="oscar")
    MembershipFactory(team=team, user=owner, role=TeamRole.OWNER)
    MembershipFactory(team=team, user=steward, role=TeamRole.STEWARD)
    MembershipFactory(team=team, user=member, role=TeamRole.MEMBER)
    MembershipFactory(team=other_team, user=outsider, role=TeamRole.OWNER)
    staff = UserFactory(username="sam", is_staff=True)
    return World(team, other_team, domain, other_domain, owner, steward, member, outsider, staff)


@pytest.fixture
def world(db) -> World:
    """Team 'sales-team' owns domain 'sales'; team 'finance-team' owns domain 'finance'."""
    return build_world()


def bearer_client(team: Team, scopes: list[str]) -> APIClient:
    issued = token_create(actor=None, team=team, name="test", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    return client


@pytest.fixture
def team_client(world) -> APIClient:
    """A pipeline token of the team that owns 'sales'."""
    return bearer_client(world.team, [Scope.READ, Scope.WRITE_PRODUCTS])


@pytest.fixture
def other_team_client(world) -> APIClient:
    """A pipeline token of the team that owns 'finance' (and not 'sales')."""
    return bearer_client(world.other_team, [Scope.READ, Scope.WRITE_PRODUCTS])


@pytest.fixture
def read_only_client(world) -> APIClient:
    return bearer_client(world.team, [Scope.READ])


@pytest.fixture
def user_client():
    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
