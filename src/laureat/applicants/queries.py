"""Reads for organisations, members and invitations (the prefetching is done here, once)."""

from datetime import datetime

from django.db.models import Count, QuerySet

from laureat.accounts.models import User
from laureat.applicants.models import ApplicationCollaborator, Invitation, Membership, Organisation


def memberships_of_user(user: User) -> QuerySet[Membership]:
    """``user``'s memberships with their organisation and its number of members."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation__legal_category", "organisation__commune__department")
        .annotate(member_count=Count("organisation__memberships"))
        .order_by("organisation__name", "organisation__pk")
    )


def invitations_for_user(user: User, now: datetime) -> QuerySet[Invitation]:
    """Invitations addressed to ``user``'s email that can still be answered."""
    return (
        Invitation.objects.pending()
        .filter(email__iexact=user.email, expires_at__gt=now)
        .select_related("organisation", "application", "invited_by")
        .order_by("-created_at")
    )


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name", "user__email")
    )


def organisation_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    """Pending invitations to join ``organisation`` (not those to co-edit one application)."""
    return (
        Invitation.objects.pending()
        .filter(organisation=organisation, application__isnull=True)
        .select_related("invited_by")
        .order_by("email")
    )


def application_collaborators(application_id: int) -> QuerySet[ApplicationCollaborator]:
    return (
        ApplicationCollaborator.objects.filter(application_id=application_id)
        .select_related("user", "invited_by")
        .order_by("created_at")
    )


def application_invitations(application_id: int) -> QuerySet[Invitation]:
    return (
        Invitation.objects.pending()
        .filter(application_id=application_id)
        .select_related("invited_by")
        .order_by("email")
    )


def organisation_by_siret(siret: str) -> Organisation | None:
    return Organisation.objects.filter(siret=siret).first()
