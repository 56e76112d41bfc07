"""Who may do what with organisations, their members, invitations and collaborators.

An organisation's pages are for its members (others get a 404: its existence
is private); changing it, inviting, removing members and changing roles is for
its administrators (a plain member gets a 403). A member may leave.
"""

from typing import Any

import rules

from laureat.applicants.enums import MembershipRole
from laureat.applicants.models import ApplicationCollaborator, Invitation, Membership, Organisation


@rules.predicate
def is_organisation_member(user: Any, organisation: Organisation | None) -> bool:
    if organisation is None or not getattr(user, "is_authenticated", False):
        return False
    return organisation.memberships.filter(user=user).exists()


@rules.predicate
def is_organisation_admin(user: Any, organisation: Organisation | None) -> bool:
    if organisation is None or not getattr(user, "is_authenticated", False):
        return False
    return organisation.memberships.filter(user=user, role=MembershipRole.ADMIN).exists()


@rules.predicate
def is_membership_organisation_admin(user: Any, membership: Membership | None) -> bool:
    return membership is not None and is_organisation_admin(user, membership.organisation)


@rules.predicate
def is_own_membership(user: Any, membership: Membership | None) -> bool:
    return (
        membership is not None
        and getattr(user, "is_authenticated", False)
        and membership.user_id == user.pk
    )


@rules.predicate
def is_member_of_application_organisation(user: Any, application: Any) -> bool:
    """``application`` is an ``applications.Application`` (not imported: it imports this module)."""
    return application is not None and is_organisation_member(user, application.organisation)


@rules.predicate
def can_manage_invitation(user: Any, invitation: Invitation | None) -> bool:
    """To join: the organisation's admins; to co-edit an application: its members."""
    if invitation is None:
        return False
    if invitation.application_id is None:
        return is_organisation_admin(user, invitation.organisation)
    return is_organisation_member(user, invitation.organisation)


@rules.predicate
def can_manage_collaborator(user: Any, collaborator: ApplicationCollaborator | None) -> bool:
    if collaborator is None:
        return False
    return is_organisation_member(user, collaborator.application.organisation) or (
        getattr(user, "is_authenticated", False) and collaborator.user_id == user.pk
    )


rules.add_perm("applicants.view_organisation", is_organisation_member | rules.is_superuser)
rules.add_perm("applicants.change_organisation", is_organisation_admin | rules.is_superuser)
rules.add_perm("applicants.invite_to_organisation", is_organisation_admin)
rules.add_perm("applicants.change_member_role", is_membership_organisation_admin)
rules.add_perm("applicants.remove_member", is_membership_organisation_admin | is_own_membership)
rules.add_perm("applicants.revoke_invitation", can_manage_invitation)
rules.add_perm("applicants.invite_collaborator", is_member_of_application_organisation)
rules.add_perm("applicants.remove_collaborator", can_manage_collaborator)
