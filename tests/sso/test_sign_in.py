"""Sign-in through a real OpenID Provider process (tests/sso/op_server.py) over real HTTP: people and memberships
from claims, and groups that come and go."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from audit.models import AuditEntry
from catalog.models import TeamMembership, TeamRole
from sso.models import GroupMapping, OidcIdentity, ProviderMembership
from tests.factories import MembershipFactory, UserFactory
from tests.sso.provider import path_and_query

pytestmark = pytest.mark.django_db


def sso_sign_in(client: Client, provider, username: str, next_url: str = "/access/approvals/"):
    """The three legs a browser walks: to the provider, its sign-in page, back to the portal's callback."""
    started = client.get("/sso/login/", {"next": next_url})
    assert started.status_code == 302, started.content
    back = provider.log_in(started["Location"], username)
    return client.get(path_and_query(back))


def roles(user: User) -> dict[str, str]:
    return dict(TeamMembership.objects.filter(user=user).values_list("team__slug", "role"))


def sso_notes(user: User | None = None) -> list[str]:
    entries = AuditEntry.objects.filter(object_ref__startswith="sso: ").order_by("pk")
    if user is not None:
        entries = entries.filter(user=user)
    return list(entries.values_list("object_ref", flat=True))


def test_first_sign_in_makes_the_person_with_team_roles_from_their_groups(world, provider, sso_settings):
    alice = provider.add_user("alice", groups=["sales-owners", "finance-readers", "coffee-club"], name="Alice Liddell")
    client = Client()

    answer = sso_sign_in(client, provider, "alice")

    assert answer.status_code == 302
    assert answer["Location"] == "/access/approvals/"
    user = User.objects.get(oidc_identities__subject=alice["sub"], oidc_identities__issuer=provider.url)
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "alice",
        "alice@example.com",
        "Alice",
        "Liddell",
    )
    assert not user.has_usable_password()
    assert roles(user) == {"sales-team": TeamRole.OWNER, "finance-team": TeamRole.MEMBER}
    assert ProviderMembership.objects.filter(membership__user=user).count() == 2
    assert client.get("/access/approvals/").status_code == 200  # signed in: the page answers, no login redirect
    notes = sso_notes(user)
    assert notes[0].startswith("sso: user created from the identity provider")
    assert "sso: membership added: sales-team as owner (group sales-owners)" in notes
    assert "sso: membership added: finance-team as member (group finance-readers)" in notes
    assert notes[-1] == "sso: signed in through the identity provider"
    entry = AuditEntry.objects.filter(user=user).first()
    assert (entry.method, entry.route, entry.status_code) == ("GET", "sso:callback", 302)


def test_moving_to_another_group_moves_the_membership_at_the_next_sign_in(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-owners", "finance-readers"])
    sso_sign_in(Client(), provider, "alice")
    user = User.objects.get(username="alice")

    provider.set_groups("alice", ["finance-owners"])
    sso_sign_in(Client(), provider, "alice")

    assert roles(user) == {"finance-team": TeamRole.OWNER}
    notes = sso_notes(user)
    assert "sso: membership removed: sales-team as owner (no mapped group left)" in notes
    assert "sso: membership changed: finance-team member -> owner (group finance-owners)" in notes
    assert OidcIdentity.objects.get(user=user).groups == ["finance-owners"]


def test_the_strongest_role_wins_when_two_groups_give_one_team(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-stewards", "sales-owners"])
    sso_sign_in(Client(), provider, "alice")
    mark = ProviderMembership.objects.get(membership__user__username="alice")
    assert mark.membership.role == TeamRole.OWNER
    assert mark.groups == ["sales-owners", "sales-stewards"]


def test_hand_made_memberships_are_left_alone(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-stewards"])
    sso_sign_in(Client(), provider, "alice")
    user = User.objects.get(username="alice")
    MembershipFactory(team=world.other_team, user=user, role=TeamRole.STEWARD)  # made by hand in the admin

    provider.set_groups("alice", ["finance-owners"])  # the provider now says owner of the hand-made team
    sso_sign_in(Client(), provider, "alice")

    assert roles(user) == {"finance-team": TeamRole.STEWARD}
    assert not ProviderMembership.objects.filter(membership__team=world.other_team).exists()
    provider.set_groups("alice", [])
    sso_sign_in(Client(), provider, "alice")
    assert roles(user) == {"finance-team": TeamRole.STEWARD}


def test_people_are_matched_by_subject_never_by_email(world, provider, sso_settings):
    local = UserFactory(username="alice", email="alice@example.com")
    MembershipFactory(team=world.team, user=local, role=TeamRole.OWNER)
    provider.add_user("alice", groups=[], email="alice@example.com")

    sso_sign_in(Client(), provider, "alice")

    identity = OidcIdentity.objects.get()
    assert identity.user != local
    assert identity.user.username == "alice-2"
    assert roles(local) == {"sales-team": TeamRole.OWNER}

    provider.users["alice"]["email"] = "alice@new.example.com"
    provider.write()
    sso_sign_in(Client(), provider, "alice")
    assert User.objects.filter(username__startswith="alice").count() == 2
    identity.user.refresh_from_db()
    assert identity.user.email == "alice@new.example.com"
    assert "sso: profile updated from the identity provider: email" in sso_notes(identity.user)


def test_groups_that_map_to_nothing_sign_in_as_a_consumer(world, provider, sso_settings):
    provider.add_user("carl", groups=["coffee-club"])
    client = Client()
    answer = sso_sign_in(client, provider, "carl", next_url="/")
    assert answer.status_code == 302
    user = User.objects.get(username="carl")
    assert roles(user) == {}
    assert not user.is_staff
    home = client.get("/")
    assert home.status_code == 200
    assert b"You are in no team yet." in home.content


def test_staff_comes_and_goes_with_the_mapped_group_but_hand_given_staff_stays(world, provider, sso_settings):
    provider.add_user("alice", groups=["portal-admins"])
    sso_sign_in(Client(), provider, "alice")
    user = User.objects.get(username="alice")
    assert user.is_staff
    provider.set_groups("alice", [])
    sso_sign_in(Client(), provider, "alice")
    user.refresh_from_db()
    assert not user.is_staff
    assert sso_notes(user).count("sso: staff removed (no mapped group left)") == 1

    User.objects.filter(pk=user.pk).update(is_staff=True)  # given by hand
    sso_sign_in(Client(), provider, "alice")
    user.refresh_from_db()
    assert user.is_staff


def test_the_admin_mapping_table_adds_to_the_environment_map(world, provider, sso_settings):
    GroupMapping.objects.create(group="ops", team=world.other_team, role=TeamRole.STEWARD)
    provider.add_user("alice", groups=["ops", "sales-owners"])
    sso_sign_in(Client(), provider, "alice")
    assert roles(User.objects.get(username="alice")) == {
        "sales-team": TeamRole.OWNER,
        "finance-team": TeamRole.STEWARD,
    }


def test_the_callback_and_start_are_open_to_people_not_signed_in(world, provider, sso_settings):
    # The login-required middleware is on (PORTAL_PUBLIC_READ is off): a page redirects, the SSO paths answer.
    assert Client().get("/access/approvals/").status_code == 302
    assert Client().get("/sso/login/")["Location"].startswith(provider.url + "/authorize?")
    assert Client().get("/sso/callback/", {"state": "x", "code": "y"}).status_code == 400


def test_sso_answers_not_found_when_it_is_not_configured(world, settings):
    settings.OIDC_ISSUER = ""
    assert Client().get("/sso/login/").status_code == 404
    page = Client().get("/accounts/login/")
    assert b"Sign in with" not in page.content


def test_a_token_without_the_groups_claim_changes_no_membership(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-owners", "portal-admins"])
    sso_sign_in(Client(), provider, "alice")
    sso_settings.OIDC_SCOPES = "openid email profile"  # the provider now leaves the groups claim out

    assert sso_sign_in(Client(), provider, "alice").status_code == 302

    user = User.objects.get(username="alice")
    assert roles(user) == {"sales-team": TeamRole.OWNER}
    assert user.is_staff
    assert "sso: no groups claim: memberships and staff left as they were" in sso_notes(user)


def test_required_claims_that_the_token_carries_admit_the_person(world, provider, sso_settings):
    sso_settings.OIDC_REQUIRED_CLAIMS = '{"email_verified": true}'
    provider.add_user("alice", groups=[])
    assert sso_sign_in(Client(), provider, "alice").status_code == 302
    assert User.objects.filter(username="alice").exists()


def test_staff_edit_group_mappings_in_the_admin(world):
    client = Client()
    world.staff.is_superuser = True
    world.staff.save()
    client.force_login(world.staff)
    answer = client.post(
        "/admin/sso/groupmapping/add/", {"group": "ops", "team": world.team.pk, "role": "steward"}, follow=True
    )
    assert answer.status_code == 200
    assert GroupMapping.objects.get(group="ops").team == world.team
    assert client.get("/admin/sso/oidcidentity/").status_code == 200
    assert client.get("/admin/sso/providermembership/").status_code == 200
