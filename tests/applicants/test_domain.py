"""Registering organisations (SIRET checked, first administrator, audit) and their members."""

import pytest

from laureat.applicants.domain import membership_add, organisation_register
from laureat.applicants.enums import MembershipRole, OrganisationKind
from laureat.applicants.models import LegalCategory, Membership, Organisation
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from tests.factories import OrganisationFactory, UserFactory, commune, valid_siret

pytestmark = pytest.mark.django_db


def test_legal_categories_loaded_by_migration() -> None:
    assert LegalCategory.objects.count() == 260
    assert LegalCategory.objects.get(code="9220").label == "Association déclarée"


def test_organisation_register_creates_organisation_with_siren() -> None:
    person = UserFactory()

    organisation = organisation_register(
        name="  Campus des métiers de Bourgogne  ",
        siret="130 025 265 00013",
        kind=OrganisationKind.ASSOCIATION,
        by=person,
        legal_category_code="9220",
        commune=commune("71076"),
    )

    organisation.refresh_from_db()
    assert organisation.name == "Campus des métiers de Bourgogne"
    assert organisation.siret == "13002526500013"
    assert organisation.siren == "130025265"
    assert organisation.kind == OrganisationKind.ASSOCIATION
    assert organisation.legal_category_id == "9220"
    assert organisation.commune_id == "71076"


def test_organisation_register_makes_by_its_administrator() -> None:
    person = UserFactory()

    organisation = organisation_register(
        name="Lycée Niépce", siret=valid_siret(1), kind=OrganisationKind.SCHOOL, by=person
    )

    assert list(organisation.memberships.values_list("user", "role")) == [
        (person.pk, MembershipRole.ADMIN)
    ]


def test_organisation_register_writes_audit_entry() -> None:
    person = UserFactory()
    siret = valid_siret(2)

    organisation = organisation_register(
        name="CCI Saône-et-Loire", siret=siret, kind=OrganisationKind.CCI, by=person
    )

    entry = AuditLog.objects.for_object(organisation).get()
    assert (entry.actor, entry.action) == (person, "organisation.register")
    assert entry.data == {"siret": siret, "kind": "cci"}


def test_organisation_register_by_system_creates_no_membership() -> None:
    organisation = organisation_register(
        name="Université", siret=valid_siret(3), kind=OrganisationKind.UNIVERSITY, by=None
    )

    assert organisation.memberships.count() == 0
    assert AuditLog.objects.for_object(organisation).get().actor is None


def test_organisation_register_duplicate_siret_asks_to_be_invited() -> None:
    OrganisationFactory(name="Lycée Hilaire de Chardonnet", siret="13002526500013")

    with pytest.raises(DomainError) as caught:
        organisation_register(
            name="Autre nom",
            siret="130 025 265 00013",
            kind=OrganisationKind.SCHOOL,
            by=UserFactory(),
        )

    assert caught.value.code == "siret_taken"
    assert str(caught.value) == (
        "L'organisation « Lycée Hilaire de Chardonnet » est déjà enregistrée avec ce SIRET : "
        "demandez à l'un de ses membres de vous inviter plutôt que de la créer à nouveau."
    )
    assert Organisation.objects.count() == 1


def test_organisation_register_invalid_siret_refused_with_siret_message() -> None:
    with pytest.raises(DomainError) as caught:
        organisation_register(
            name="Entreprise", siret="13002526500014", kind=OrganisationKind.COMPANY, by=None
        )

    assert caught.value.code == "siret"
    assert "clé de contrôle" in str(caught.value)
    assert Organisation.objects.count() == 0


def test_organisation_register_unknown_legal_category_refused() -> None:
    person = UserFactory()

    with pytest.raises(DomainError) as caught:
        organisation_register(
            name="Entreprise",
            siret=valid_siret(4),
            kind=OrganisationKind.COMPANY,
            by=person,
            legal_category_code="0000",
        )

    assert str(caught.value) == (
        "La catégorie juridique « 0000 » n'existe pas dans la nomenclature de l'INSEE."
    )
    assert Organisation.objects.count() == 0
    assert Membership.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_organisation_register_blank_name_refused() -> None:
    with pytest.raises(DomainError) as caught:
        organisation_register(
            name="   ", siret=valid_siret(5), kind=OrganisationKind.COMPANY, by=None
        )

    assert str(caught.value) == "Indiquez la raison sociale de l'organisation."


def test_organisation_register_unknown_kind_refused() -> None:
    with pytest.raises(DomainError) as caught:
        organisation_register(name="Entreprise", siret=valid_siret(6), kind="pirate", by=None)

    assert str(caught.value) == "Choisissez un type de structure dans la liste."
    assert Organisation.objects.count() == 0


def test_membership_add_creates_member_and_audit_entry() -> None:
    organisation, admin, newcomer = OrganisationFactory(), UserFactory(), UserFactory()

    membership = membership_add(organisation=organisation, user=newcomer, by=admin)

    assert (membership.user, membership.role) == (newcomer, MembershipRole.MEMBER)
    entry = AuditLog.objects.for_object(organisation).get()
    assert (entry.actor, entry.action) == (admin, "organisation.member_add")
    assert entry.data == {"user": newcomer.email, "role": "member"}


def test_membership_add_twice_keeps_one_membership_and_one_audit_entry() -> None:
    organisation, newcomer = OrganisationFactory(), UserFactory()

    first = membership_add(organisation=organisation, user=newcomer, by=None)
    second = membership_add(
        organisation=organisation, user=newcomer, role=MembershipRole.ADMIN, by=None
    )

    assert first.pk == second.pk
    assert second.role == MembershipRole.MEMBER
    assert AuditLog.objects.for_object(organisation).count() == 1
