"""Invitations (to an organisation, to co-edit one application), members' roles and removal."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from laureat.accounts.models import User
from laureat.applicants.domain import (
    INVITATION_VALIDITY,
    collaborator_remove,
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_revoke,
    membership_remove,
    membership_set_role,
)
from laureat.applicants.enums import MembershipRole
from laureat.applicants.models import ApplicationCollaborator, Invitation, Membership, Organisation
from laureat.applications.rules import is_application_member
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from tests.factories import ApplicationFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return UserFactory(first_name="Claire", last_name="Dupont")


@pytest.fixture
def org(admin: User) -> Organisation:
    organisation = OrganisationFactory(name="CCI Saône-et-Loire")
    MembershipFactory(user=admin, organisation=organisation, role=MembershipRole.ADMIN)
    return organisation


def _actions(obj: object) -> list[str]:
    return list(AuditLog.objects.for_object(obj).order_by("pk").values_list("action", flat=True))


# --- creating ---------------------------------------------------------------


def test_invitation_create_stores_a_pending_invitation_and_emails_the_link(
    org: Organisation, admin: User
) -> None:
    invitation = invitation_create(
        organisation=org,
        email="  Paul.Martin@Example.FR ",
        role=MembershipRole.ADMIN,
        by=admin,
        site_url="https://laureat.example/",
    )

    invitation.refresh_from_db()
    assert invitation.email == "paul.martin@example.fr"
    assert invitation.role == MembershipRole.ADMIN
    assert invitation.invited_by == admin
    assert invitation.is_pending
    assert len(invitation.token) >= 40
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        INVITATION_VALIDITY, abs=timedelta(seconds=5)
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["paul.martin@example.fr"]
    assert message.subject == "Invitation à rejoindre « CCI Saône-et-Loire » sur Laureat"
    link = f"https://laureat.example/organisations/invitations/{invitation.token}/"
    assert link in message.body
    assert "Claire Dupont vous invite à rejoindre l'organisation « CCI Saône-et-Loire »" in (
        message.body
    )
    assert _actions(invitation) == ["invitation.create"]


def test_invitation_create_twice_refreshes_the_pending_invitation(
    org: Organisation, admin: User
) -> None:
    past = timezone.now() - timedelta(days=20)
    first = invitation_create(organisation=org, email="paul@example.fr", by=admin, now=past)
    other_admin = MembershipFactory(organisation=org, role=MembershipRole.ADMIN).user

    second = invitation_create(
        organisation=org, email="PAUL@example.fr", role=MembershipRole.ADMIN, by=other_admin
    )

    assert second.pk == first.pk
    assert Invitation.objects.count() == 1
    second.refresh_from_db()
    assert second.token == first.token
    assert second.role == MembershipRole.ADMIN
    assert second.invited_by == other_admin
    assert second.expires_at > timezone.now() + INVITATION_VALIDITY - timedelta(minutes=1)
    assert len(mail.outbox) == 2
    assert _actions(second) == ["invitation.create", "invitation.refresh"]


def test_invitation_create_for_a_member_is_refused(org: Organisation, admin: User) -> None:
    member = MembershipFactory(organisation=org).user

    with pytest.raises(DomainError) as error:
        invitation_create(organisation=org, email=member.email.upper(), by=admin)

    assert str(error.value) == f"{member.email} est déjà membre de « CCI Saône-et-Loire »."
    assert Invitation.objects.count() == 0
    assert mail.outbox == []


def test_invitation_create_with_an_invalid_email_is_refused(org: Organisation, admin: User) -> None:
    with pytest.raises(DomainError) as error:
        invitation_create(organisation=org, email="paul.example.fr", by=admin)

    assert error.value.code == "email"
    assert Invitation.objects.count() == 0


def test_two_pending_invitations_for_one_address_are_refused_by_the_database(
    org: Organisation, admin: User
) -> None:
    invitation = invitation_create(organisation=org, email="paul@example.fr", by=admin)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            organisation=org,
            email="paul@example.fr",
            token="another-token",
            expires_at=invitation.expires_at,
        )


def test_an_invitation_with_two_outcomes_is_refused_by_the_database(
    org: Organisation, admin: User
) -> None:
    invitation = invitation_create(organisation=org, email="paul@example.fr", by=admin)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(
            declined_at=timezone.now(), revoked_at=timezone.now()
        )


def test_an_address_can_be_invited_again_after_declining(org: Organisation, admin: User) -> None:
    invitee = UserFactory(email="paul@example.fr")
    first = invitation_create(organisation=org, email=invitee.email, by=admin)
    invitation_decline(invitation=first, by=invitee)

    second = invitation_create(organisation=org, email=invitee.email, by=admin)

    assert second.pk != first.pk
    assert second.token != first.token


# --- answering ----------------------------------------------------------------


def test_invitation_accept_makes_the_person_a_member_with_the_role(
    org: Organisation, admin: User
) -> None:
    invitee = UserFactory(email="paul@example.fr")
    invitation = invitation_create(
        organisation=org, email="paul@example.fr", role=MembershipRole.ADMIN, by=admin
    )

    membership = invitation_accept(invitation=invitation, by=invitee)

    assert isinstance(membership, Membership)
    assert (membership.organisation, membership.user, membership.role) == (
        org,
        invitee,
        MembershipRole.ADMIN,
    )
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee
    assert invitation.accepted_at is not None
    assert not invitation.is_pending
    assert _actions(invitation) == ["invitation.create", "invitation.accept"]


def test_invitation_accept_with_another_account_is_refused_and_changes_nothing(
    org: Organisation, admin: User
) -> None:
    invitation = invitation_create(organisation=org, email="paul@example.fr", by=admin)
    someone_else = UserFactory(email="jeanne@example.fr")

    with pytest.raises(DomainError) as error:
        invitation_accept(invitation=invitation, by=someone_else)

    assert str(error.value) == (
        "Cette invitation a été envoyée à paul@example.fr, mais vous êtes connecté·e avec "
        "jeanne@example.fr. Connectez-vous avec l'adresse invitée, ou demandez une invitation "
        "pour votre adresse."
    )
    assert not Membership.objects.filter(user=someone_else).exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_invitation_accept_after_expiry_is_refused(org: Organisation, admin: User) -> None:
    invitee = UserFactory(email="paul@example.fr")
    invitation = invitation_create(organisation=org, email=invitee.email, by=admin)

    with pytest.raises(DomainError) as error:
        invitation_accept(
            invitation=invitation, by=invitee, now=timezone.now() + INVITATION_VALIDITY
        )

    assert error.value.code == "expired"
    assert not Membership.objects.filter(user=invitee).exists()


@pytest.mark.parametrize(
    ("outcome", "code"), [("accept", "accepted"), ("decline", "declined"), ("revoke", "revoked")]
)
def test_invitation_accept_once_answered_is_refused(
    org: Organisation, admin: User, outcome: str, code: str
) -> None:
    invitee = UserFactory(email="paul@example.fr")
    invitation = invitation_create(organisation=org, email=invitee.email, by=admin)
    if outcome == "accept":
        invitation_accept(invitation=invitation, by=invitee)
    elif outcome == "decline":
        invitation_decline(invitation=invitation, by=invitee)
    else:
        invitation_revoke(invitation=invitation, by=admin)

    with pytest.raises(DomainError) as error:
        invitation_accept(invitation=invitation, by=invitee)

    assert error.value.code == code
    assert Membership.objects.filter(user=invitee).count() == (1 if outcome == "accept" else 0)


def test_invitation_accept_by_an_existing_member_keeps_their_role(
    org: Organisation, admin: User
) -> None:
    invitee = UserFactory(email="paul@example.fr")
    invitation = invitation_create(organisation=org, email=invitee.email, by=admin)
    MembershipFactory(user=invitee, organisation=org, role=MembershipRole.ADMIN)

    membership = invitation_accept(invitation=invitation, by=invitee)

    assert isinstance(membership, Membership)
    assert membership.role == MembershipRole.ADMIN
    assert Membership.objects.filter(user=invitee).count() == 1


def test_invitation_decline_records_the_refusal(org: Organisation, admin: User) -> None:
    invitee = UserFactory(email="paul@example.fr")
    invitation = invitation_create(organisation=org, email=invitee.email, by=admin)

    invitation_decline(invitation=invitation, by=invitee)

    invitation.refresh_from_db()
    assert invitation.declined_at is not None
    assert not Membership.objects.filter(user=invitee).exists()
    assert _actions(invitation) == ["invitation.create", "invitation.decline"]


def test_invitation_revoke_of_an_answered_invitation_is_refused(
    org: Organisation, admin: User
) -> None:
    invitee = UserFactory(email="paul@example.fr")
    invitation = invitation_create(organisation=org, email=invitee.email, by=admin)
    invitation_accept(invitation=invitation, by=invitee)

    with pytest.raises(DomainError) as error:
        invitation_revoke(invitation=invitation, by=admin)

    assert error.value.code == "not_pending"


# --- collaborators on one application --------------------------------------


def test_application_invitation_accepted_makes_a_collaborator_not_a_member(
    org: Organisation, admin: User
) -> None:
    application = ApplicationFactory(organisation=org, title="Plateforme de réalité étendue")
    partner = UserFactory(email="partenaire@universite.example")
    invitation = invitation_create(
        organisation=OrganisationFactory(),  # ignored: the application's organisation is used
        application=application,
        email=partner.email,
        by=admin,
    )
    assert invitation.organisation == org
    assert mail.outbox[0].subject == (
        "Invitation à co-rédiger la candidature « Plateforme de réalité étendue »"
    )

    collaborator = invitation_accept(invitation=invitation, by=partner)

    assert isinstance(collaborator, ApplicationCollaborator)
    assert (collaborator.application, collaborator.user, collaborator.invited_by) == (
        application,
        partner,
        admin,
    )
    assert not Membership.objects.filter(user=partner).exists()
    assert is_application_member(partner, application)
    assert partner.has_perm("applications.view_application", application)
    assert not partner.has_perm(
        "applications.view_application", ApplicationFactory(organisation=org)
    )
    assert not partner.has_perm("applicants.view_organisation", org)


def test_application_invitation_for_a_collaborator_is_refused(
    org: Organisation, admin: User
) -> None:
    application = ApplicationFactory(organisation=org)
    partner = UserFactory(email="partenaire@example.fr")
    ApplicationCollaborator.objects.create(application=application, user=partner)

    with pytest.raises(DomainError) as error:
        invitation_create(organisation=org, application=application, email=partner.email, by=admin)

    assert error.value.code == "already_collaborator"


def test_collaborator_remove_ends_access(org: Organisation, admin: User) -> None:
    application = ApplicationFactory(organisation=org)
    partner = UserFactory()
    collaborator = ApplicationCollaborator.objects.create(application=application, user=partner)

    collaborator_remove(collaborator=collaborator, by=admin)

    assert not is_application_member(partner, application)
    assert _actions(application)[-1] == "application.collaborator_remove"


def test_is_application_member_takes_one_query(org: Organisation, admin: User) -> None:
    application = ApplicationFactory(organisation=org)

    with CaptureQueriesContext(connection) as queries:
        assert is_application_member(admin, application)
    assert len(queries.captured_queries) == 1


# --- members: roles and removal -----------------------------------------------


def test_membership_set_role_promotes_and_is_audited(org: Organisation, admin: User) -> None:
    membership = MembershipFactory(organisation=org)

    membership_set_role(membership=membership, role=MembershipRole.ADMIN, by=admin)

    membership.refresh_from_db()
    assert membership.role == MembershipRole.ADMIN
    entry = AuditLog.objects.for_object(org).get(action="organisation.member_role")
    assert entry.data == {"user": membership.user.email, "from": "member", "to": "admin"}


def test_membership_set_role_of_the_last_admin_is_refused(org: Organisation, admin: User) -> None:
    membership = Membership.objects.get(user=admin, organisation=org)

    with pytest.raises(DomainError) as error:
        membership_set_role(membership=membership, role=MembershipRole.MEMBER, by=admin)

    assert str(error.value) == (
        "Claire Dupont est le dernier administrateur de « CCI Saône-et-Loire » : "
        "nommez d'abord un autre administrateur."
    )
    membership.refresh_from_db()
    assert membership.role == MembershipRole.ADMIN


def test_membership_set_role_of_one_of_two_admins_is_allowed(
    org: Organisation, admin: User
) -> None:
    MembershipFactory(organisation=org, role=MembershipRole.ADMIN)
    membership = Membership.objects.get(user=admin, organisation=org)

    membership_set_role(membership=membership, role=MembershipRole.MEMBER, by=admin)

    membership.refresh_from_db()
    assert membership.role == MembershipRole.MEMBER


def test_membership_remove_of_the_last_admin_is_refused(org: Organisation, admin: User) -> None:
    MembershipFactory(organisation=org)
    membership = Membership.objects.get(user=admin, organisation=org)

    with pytest.raises(DomainError) as error:
        membership_remove(membership=membership, by=admin)

    assert error.value.code == "last_admin"
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_membership_remove_of_a_member_is_audited(org: Organisation, admin: User) -> None:
    membership = MembershipFactory(organisation=org)

    membership_remove(membership=membership, by=admin)

    assert not Membership.objects.filter(pk=membership.pk).exists()
    entry = AuditLog.objects.for_object(org).get(action="organisation.member_remove")
    assert entry.data == {"user": membership.user.email, "self": False}
    assert entry.actor == admin


def test_a_person_may_belong_to_several_organisations(admin: User, org: Organisation) -> None:
    other = OrganisationFactory()
    invitation = invitation_create(
        organisation=other,
        email=admin.email,
        by=MembershipFactory(organisation=other, role=MembershipRole.ADMIN).user,
    )

    invitation_accept(invitation=invitation, by=admin)

    assert set(admin.organisations.all()) == {org, other}
