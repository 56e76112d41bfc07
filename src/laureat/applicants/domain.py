"""Writes for organisations and their members."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.applicants.enums import MembershipRole, OrganisationKind
from laureat.applicants.models import LegalCategory, Membership, Organisation
from laureat.applicants.siret import clean_siret, siren_of
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.territories.models import Commune


@transaction.atomic
def organisation_register(
    *,
    name: str,
    siret: str,
    kind: OrganisationKind | str,
    by: User | None,
    legal_category_code: str | None = None,
    address: str = "",
    commune: Commune | None = None,
    website: str = "",
    is_fictional: bool = False,
) -> Organisation:
    """Register an organisation; ``by`` becomes its first administrator.

    Raises ``DomainError`` with a message for the user when the SIRET is invalid
    or already registered (then the person should ask to join instead).
    Side effects: audit entry ``organisation.register``; a membership for ``by``.
    """
    try:
        siret = clean_siret(siret)
    except ValidationError as error:
        raise DomainError(error.messages[0], code="siret") from error
    if not name.strip():
        raise DomainError(_("Indiquez la raison sociale de l'organisation."))
    if kind not in OrganisationKind.values:
        raise DomainError(_("Choisissez un type de structure dans la liste."))
    existing = Organisation.objects.filter(siret=siret).first()
    if existing is not None:
        raise DomainError(
            _(
                "L'organisation « %(name)s » est déjà enregistrée avec ce SIRET : "
                "demandez à l'un de ses membres de vous inviter plutôt que de la créer à nouveau."
            )
            % {"name": existing.name},
            code="siret_taken",
        )
    legal_category = None
    if legal_category_code:
        legal_category = LegalCategory.objects.filter(code=legal_category_code).first()
        if legal_category is None:
            raise DomainError(
                _("La catégorie juridique « %s » n'existe pas dans la nomenclature de l'INSEE.")
                % legal_category_code
            )
    organisation = Organisation.objects.create(
        name=name.strip(),
        siret=siret,
        siren=siren_of(siret),
        kind=kind,
        legal_category=legal_category,
        address=address,
        commune=commune,
        website=website,
        is_fictional=is_fictional,
    )
    if by is not None:
        Membership.objects.create(user=by, organisation=organisation, role=MembershipRole.ADMIN)
    log_action(
        actor=by,
        action="organisation.register",
        obj=organisation,
        data={"siret": siret, "kind": str(kind)},
    )
    return organisation


@transaction.atomic
def membership_add(
    *,
    organisation: Organisation,
    user: User,
    role: MembershipRole = MembershipRole.MEMBER,
    by: User | None,
) -> Membership:
    """Add ``user`` to ``organisation`` (idempotent). Side effects: audit entry."""
    membership, created = Membership.objects.get_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    if created:
        log_action(
            actor=by,
            action="organisation.member_add",
            obj=organisation,
            data={"user": user.email, "role": str(role)},
        )
    return membership
