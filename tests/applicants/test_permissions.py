"""One person tries another organisation's pages and actions: 404 or 403, and nothing changes.

An outsider gets a 404 (the organisation's existence is private); a plain member
gets a 403 on administrators' actions; a collaborator of one application sees
nothing of the organisation. After each attempt, members, roles, invitations,
collaborators, emails and the audit log are exactly as before.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from laureat.accounts.models import User
from laureat.applicants.domain import invitation_create
from laureat.applicants.enums import MembershipRole
from laureat.applicants.models import ApplicationCollaborator, Invitation, Membership, Organisation
from laureat.applications.models import Application
from laureat.core.models import AuditLog
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    organisation: Organisation
    admin: Membership
    member: Membership
    invitation: Invitation
    application: Application
    application_invitation: Invitation
    collaborator: ApplicationCollaborator
    outsider: User
    outsider_organisation: Organisation


@pytest.fixture
def world() -> World:
    organisation = OrganisationFactory(name="Campus A")
    admin = MembershipFactory(organisation=organisation, role=MembershipRole.ADMIN)
    member = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER)
    invitation = invitation_create(organisation=organisation, email="new@example.fr", by=admin.user)
    application = ApplicationFactory(organisation=organisation)
    application_invitation = invitation_create(
        organisation=organisation, application=application, email="ext@example.fr", by=admin.user
    )
    collaborator = ApplicationCollaborator.objects.create(
        application=application, user=UserFactory(email="partner@example.fr")
    )
    outsider_membership = MembershipFactory(role=MembershipRole.ADMIN)
    mail.outbox.clear()
    return World(
        organisation=organisation,
        admin=admin,
        member=member,
        invitation=invitation,
        application=application,
        application_invitation=application_invitation,
        collaborator=collaborator,
        outsider=outsider_membership.user,
        outsider_organisation=outsider_membership.organisation,
    )


def snapshot() -> dict[str, Any]:
    return {
        "memberships": sorted(Membership.objects.values_list("pk", "user", "organisation", "role")),
        "invitations": sorted(
            Invitation.objects.values_list(
                "pk", "email", "role", "expires_at", "accepted_at", "declined_at", "revoked_at"
            )
        ),
        "collaborators": sorted(ApplicationCollaborator.objects.values_list("pk", "user")),
        "organisations": sorted(Organisation.objects.values_list("pk", "name", "siret")),
        "emails": len(mail.outbox),
        "audit": AuditLog.objects.count(),
    }


def login(client: Client, user: User) -> Client:
    assert client.login(email=user.email, password=PASSWORD)
    return client


def requests(w: World) -> dict[str, tuple[str, str, dict[str, str]]]:
    """Every page and action on the world's organisation: name → (method, url, data)."""
    org = w.organisation.pk
    return {
        "detail": ("get", reverse("applicants:detail", args=[org]), {}),
        "invite": (
            "post",
            reverse("applicants:invite", args=[org]),
            {"email": "intrus@example.fr", "role": "admin"},
        ),
        "remove_admin": (
            "post",
            reverse("applicants:member_remove", args=[org, w.admin.pk]),
            {},
        ),
        "remove_member": (
            "post",
            reverse("applicants:member_remove", args=[org, w.member.pk]),
            {},
        ),
        "role_admin": (
            "post",
            reverse("applicants:member_role", args=[org, w.admin.pk]),
            {"role": "member"},
        ),
        "role_member": (
            "post",
            reverse("applicants:member_role", args=[org, w.member.pk]),
            {"role": "admin"},
        ),
        "revoke_invitation": (
            "post",
            reverse("applicants:invitation_revoke", args=[w.invitation.pk]),
            {},
        ),
        "revoke_application_invitation": (
            "post",
            reverse("applicants:invitation_revoke", args=[w.application_invitation.pk]),
            {},
        ),
        "collaborators_page": (
            "get",
            reverse("applicants:invite_collaborator", args=[w.application.pk]),
            {},
        ),
        "invite_collaborator": (
            "post",
            reverse("applicants:invite_collaborator", args=[w.application.pk]),
            {"email": "intrus@example.fr"},
        ),
        "remove_collaborator": (
            "post",
            reverse("applicants:collaborator_remove", args=[w.collaborator.pk]),
            {},
        ),
        # The member of another organisation, addressed through the outsider's own one.
        "remove_member_via_own_organisation": (
            "post",
            reverse("applicants:member_remove", args=[w.outsider_organisation.pk, w.member.pk]),
            {},
        ),
        "role_member_via_own_organisation": (
            "post",
            reverse("applicants:member_role", args=[w.outsider_organisation.pk, w.member.pk]),
            {"role": "admin"},
        ),
    }


ALL = [
    "detail",
    "invite",
    "remove_admin",
    "remove_member",
    "role_admin",
    "role_member",
    "revoke_invitation",
    "revoke_application_invitation",
    "collaborators_page",
    "invite_collaborator",
    "remove_collaborator",
    "remove_member_via_own_organisation",
    "role_member_via_own_organisation",
]


def attempt(client: Client, w: World, name: str) -> int:
    method, url, data = requests(w)[name]
    response = client.get(url) if method == "get" else client.post(url, data)
    return int(response.status_code)


@pytest.mark.parametrize("name", ALL)
def test_an_outsider_gets_404_and_changes_nothing(client: Client, world: World, name: str) -> None:
    login(client, world.outsider)
    before = snapshot()

    status = attempt(client, world, name)

    assert status == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ALL)
def test_an_anonymous_visitor_is_sent_to_sign_in_and_changes_nothing(
    client: Client, world: World, name: str
) -> None:
    before = snapshot()

    status = attempt(client, world, name)

    assert status == 302
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("invite", 403),
        ("remove_admin", 403),
        ("role_admin", 403),
        ("role_member", 403),
        ("revoke_invitation", 403),
        ("remove_member_via_own_organisation", 404),
    ],
)
def test_a_plain_member_cannot_do_what_admins_do(
    client: Client, world: World, name: str, expected: int
) -> None:
    login(client, world.member.user)
    before = snapshot()

    status = attempt(client, world, name)

    assert status == expected
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("detail", 404),
        ("invite", 404),
        ("remove_member", 404),
        ("role_member", 404),
        ("revoke_invitation", 404),
        ("revoke_application_invitation", 404),
        ("collaborators_page", 403),
        ("invite_collaborator", 403),
    ],
)
def test_a_collaborator_sees_nothing_of_the_organisation(
    client: Client, world: World, name: str, expected: int
) -> None:
    login(client, world.collaborator.user)
    before = snapshot()

    status = attempt(client, world, name)

    assert status == expected
    assert snapshot() == before


def test_a_collaborator_cannot_remove_another_collaborator(client: Client, world: World) -> None:
    other = ApplicationCollaborator.objects.create(
        application=world.application, user=UserFactory()
    )
    login(client, other.user)
    before = snapshot()

    status = attempt(client, world, "remove_collaborator")

    assert status == 403
    assert snapshot() == before


def test_a_collaborator_of_another_application_gets_404(client: Client, world: World) -> None:
    elsewhere = ApplicationCollaborator.objects.create(
        application=ApplicationFactory(), user=UserFactory()
    )
    login(client, elsewhere.user)
    before = snapshot()

    statuses = {name: attempt(client, world, name) for name in ALL}

    assert set(statuses.values()) == {404}
    assert snapshot() == before


def test_the_list_shows_only_my_organisations(client: Client, world: World) -> None:
    login(client, world.outsider)

    response = client.get(reverse("applicants:list"))

    assert [m.organisation for m in response.context["memberships"]] == [
        world.outsider_organisation
    ]
    assert "Campus A" not in response.content.decode()


def test_the_members_allowed_actions_succeed(client: Client, world: World) -> None:
    """The same requests do work for the right person (the tests above are not vacuous)."""
    login(client, world.admin.user)

    assert attempt(client, world, "detail") == 200
    assert attempt(client, world, "role_member") == 302
    assert attempt(client, world, "revoke_invitation") == 302
    assert attempt(client, world, "collaborators_page") == 200
    assert attempt(client, world, "remove_collaborator") == 302
    assert Membership.objects.get(pk=world.member.pk).role == MembershipRole.ADMIN
    login(client, world.member.user)
    assert attempt(client, world, "invite_collaborator") == 302
    assert attempt(client, world, "revoke_application_invitation") == 302
