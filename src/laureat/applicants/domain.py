"""Writes for organisations, their members, invitations and application collaborators."""

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.applicants.enums import MembershipRole, OrganisationKind
from laureat.applicants.models import (
    ApplicationCollaborator,
    Invitation,
    LegalCategory,
    Membership,
    Organisation,
)
from laureat.applicants.siret import clean_siret, siren_of
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.core.links import absolute_url
from laureat.territories.models import Commune

if TYPE_CHECKING:
    from laureat.applications.models import Application

# How long an invitation link stays valid; re-inviting starts the period again.
INVITATION_VALIDITY = timedelta(days=14)


def siret_taken_message(existing: Organisation) -> str:
    return _(
        "L'organisation « %(name)s » est déjà enregistrée avec ce SIRET : "
        "demandez à l'un de ses membres de vous inviter plutôt que de la créer à nouveau."
    ) % {"name": existing.name}


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
        raise DomainError(siret_taken_message(existing), code="siret_taken")
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


def _admin_count(organisation: Organisation) -> int:
    """Administrators of ``organisation``, their rows locked until the transaction ends.

    The lock serialises concurrent removals and demotions (PostgreSQL; SQLite's
    IMMEDIATE transactions already serialise writers), so two admins removing
    each other cannot leave the organisation without one.
    """
    admins = Membership.objects.select_for_update().filter(
        organisation=organisation, role=MembershipRole.ADMIN
    )
    return len(list(admins.values_list("pk", flat=True)))


@transaction.atomic
def membership_set_role(
    *, membership: Membership, role: MembershipRole | str, by: User
) -> Membership:
    """Give ``membership`` the ``role``; the last administrator cannot be demoted.

    Side effects: audit entry ``organisation.member_role`` (only when the role changes).
    """
    if role not in MembershipRole.values:
        raise DomainError(_("Choisissez un rôle dans la liste."), code="role")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == MembershipRole.ADMIN and _admin_count(membership.organisation) <= 1:
        raise DomainError(
            _(
                "%(person)s est le dernier administrateur de « %(organisation)s » : "
                "nommez d'abord un autre administrateur."
            )
            % {
                "person": membership.user.get_full_name() or membership.user.email,
                "organisation": membership.organisation.name,
            },
            code="last_admin",
        )
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    log_action(
        actor=by,
        action="organisation.member_role",
        obj=membership.organisation,
        data={"user": membership.user.email, "from": str(previous), "to": str(role)},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """Remove a member (or let a member leave); the last administrator cannot go.

    Side effects: audit entry ``organisation.member_remove``.
    """
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "organisation")
        .get(pk=membership.pk)
    )
    organisation = membership.organisation
    if membership.role == MembershipRole.ADMIN and _admin_count(organisation) <= 1:
        raise DomainError(
            _(
                "%(person)s est le dernier administrateur de « %(organisation)s » : "
                "nommez d'abord un autre administrateur, l'organisation doit en garder au moins un."
            )
            % {
                "person": membership.user.get_full_name() or membership.user.email,
                "organisation": organisation.name,
            },
            code="last_admin",
        )
    email = membership.user.email
    membership.delete()
    log_action(
        actor=by,
        action="organisation.member_remove",
        obj=organisation,
        data={"user": email, "self": by.pk == membership.user_id},
    )


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise DomainError(
            _("Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."),
            code="email",
        ) from error
    return email


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    by: User,
    role: MembershipRole | str = MembershipRole.MEMBER,
    application: "Application | None" = None,
    site_url: str = "",
    now: datetime | None = None,
) -> Invitation:
    """Invite ``email`` to join ``organisation`` (or to co-edit ``application``) and email the link.

    With ``application``, the invitation belongs to the application's organisation
    (whatever ``organisation`` says) and its role is "member".
    Re-inviting an address whose invitation is still pending refreshes it (new
    expiry, role and sender; same link) instead of creating another. Refused when
    the person already belongs to the organisation (or already co-edits the
    application). ``site_url`` ("https://laureat.example") makes the emailed link
    absolute. Side effects: an email; audit entry ``invitation.create`` or
    ``invitation.refresh``.
    """
    now = now or timezone.now()
    email = _clean_email(email)
    if role not in MembershipRole.values:
        raise DomainError(_("Choisissez un rôle dans la liste."), code="role")
    if application is not None:
        organisation = application.organisation
        role = MembershipRole.MEMBER
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise DomainError(
            _("%(email)s est déjà membre de « %(organisation)s ».")
            % {"email": email, "organisation": organisation.name},
            code="already_member",
        )
    if (
        application is not None
        and ApplicationCollaborator.objects.filter(
            application=application, user__email__iexact=email
        ).exists()
    ):
        raise DomainError(
            _("%(email)s co-rédige déjà cette candidature.") % {"email": email},
            code="already_collaborator",
        )
    pending = (
        Invitation.objects.pending()
        .select_for_update()
        .filter(organisation=organisation, application=application, email=email)
        .first()
    )
    if pending is None:
        invitation = Invitation.objects.create(
            organisation=organisation,
            application=application,
            email=email,
            role=role,
            token=secrets.token_urlsafe(32),
            invited_by=by,
            expires_at=now + INVITATION_VALIDITY,
        )
        action = "invitation.create"
    else:
        invitation = pending
        invitation.role = role
        invitation.invited_by = by
        invitation.expires_at = now + INVITATION_VALIDITY
        invitation.save(update_fields=["role", "invited_by", "expires_at", "updated_at"])
        action = "invitation.refresh"
    _send_invitation_email(invitation, site_url=site_url)
    log_action(
        actor=by,
        action=action,
        obj=invitation,
        data={
            "email": email,
            "organisation": organisation.pk,
            "application": application.pk if application is not None else None,
            "role": str(role),
        },
    )
    return invitation


def _send_invitation_email(invitation: Invitation, *, site_url: str) -> None:
    path = reverse("applicants:invitation", kwargs={"token": invitation.token})
    context = {
        "invitation": invitation,
        "link": absolute_url(site_url, path),
        "sender": invitation.invited_by.get_full_name() or invitation.invited_by.email
        if invitation.invited_by is not None
        else "Laureat",
    }
    if invitation.application is not None:
        subject = _("Invitation à co-rédiger la candidature « %(title)s »") % {
            "title": invitation.application.title
        }
    else:
        subject = _("Invitation à rejoindre « %(organisation)s » sur Laureat") % {
            "organisation": invitation.organisation.name
        }
    body = render_to_string("applicants/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def _check_answerable(invitation: Invitation, by: User, now: datetime) -> None:
    """Refuse an invitation that is no longer pending, has expired, or was sent to someone else."""
    if invitation.accepted_at is not None:
        raise DomainError(_("Cette invitation a déjà été acceptée."), code="accepted")
    if invitation.declined_at is not None:
        raise DomainError(_("Cette invitation a été déclinée."), code="declined")
    if invitation.revoked_at is not None:
        raise DomainError(
            _("Cette invitation a été retirée par l'organisation. Demandez-en une nouvelle."),
            code="revoked",
        )
    if invitation.expires_at <= now:
        raise DomainError(
            _(
                "Cette invitation a expiré le %(date)s. Demandez à la personne qui vous a "
                "invité·e de vous en envoyer une nouvelle."
            )
            % {"date": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y")},
            code="expired",
        )
    if by.email.lower() != invitation.email.lower():
        raise DomainError(
            _(
                "Cette invitation a été envoyée à %(invited)s, mais vous êtes connecté·e avec "
                "%(current)s. Connectez-vous avec l'adresse invitée, ou demandez une invitation "
                "pour votre adresse."
            )
            % {"invited": invitation.email, "current": by.email},
            code="wrong_email",
        )


def _locked(invitation: Invitation) -> Invitation:
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join
    # that select_related makes for the optional application.
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation", "application")
        .get(pk=invitation.pk)
    )


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, by: User, now: datetime | None = None
) -> Membership | ApplicationCollaborator:
    """Accept ``invitation`` as ``by``, whose email must be the invited one.

    An organisation invitation makes ``by`` a member with the invited role (a
    person who is already a member keeps their role); an application invitation
    makes ``by`` a collaborator of that application. Side effects: the
    membership or collaborator row; audit entry ``invitation.accept``.
    """
    now = now or timezone.now()
    invitation = _locked(invitation)
    _check_answerable(invitation, by, now)
    result: Membership | ApplicationCollaborator
    if invitation.application is None:
        result, _created = Membership.objects.get_or_create(
            organisation=invitation.organisation, user=by, defaults={"role": invitation.role}
        )
    else:
        result, _created = ApplicationCollaborator.objects.get_or_create(
            application=invitation.application,
            user=by,
            defaults={"invited_by": invitation.invited_by},
        )
    invitation.accepted_at = now
    invitation.accepted_by = by
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    log_action(
        actor=by,
        action="invitation.accept",
        obj=invitation,
        data={
            "organisation": invitation.organisation_id,
            "application": invitation.application_id,
            "role": invitation.role,
        },
    )
    return result


@transaction.atomic
def invitation_decline(
    *, invitation: Invitation, by: User, now: datetime | None = None
) -> Invitation:
    """Decline ``invitation`` as ``by`` (the invited person). Side effects: audit entry."""
    now = now or timezone.now()
    invitation = _locked(invitation)
    _check_answerable(invitation, by, now)
    invitation.declined_at = now
    invitation.save(update_fields=["declined_at", "updated_at"])
    log_action(
        actor=by, action="invitation.decline", obj=invitation, data={"email": invitation.email}
    )
    return invitation


@transaction.atomic
def invitation_revoke(
    *, invitation: Invitation, by: User, now: datetime | None = None
) -> Invitation:
    """Withdraw a pending invitation: its link stops working. Side effects: audit entry."""
    now = now or timezone.now()
    invitation = _locked(invitation)
    if not invitation.is_pending:
        raise DomainError(
            _("Cette invitation n'est plus en attente : elle ne peut plus être retirée."),
            code="not_pending",
        )
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at", "updated_at"])
    log_action(
        actor=by, action="invitation.revoke", obj=invitation, data={"email": invitation.email}
    )
    return invitation


@transaction.atomic
def collaborator_remove(*, collaborator: ApplicationCollaborator, by: User) -> None:
    """Stop ``collaborator`` co-editing the application. Side effects: audit entry."""
    application = collaborator.application
    email = collaborator.user.email
    collaborator.delete()
    log_action(
        actor=by,
        action="application.collaborator_remove",
        obj=application,
        data={"user": email},
    )
