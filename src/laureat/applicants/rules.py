"""Who may do what with organisations."""

from typing import Any

import rules

from laureat.applicants.enums import MembershipRole
from laureat.applicants.models import Organisation


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


rules.add_perm("applicants.view_organisation", is_organisation_member | rules.is_superuser)
rules.add_perm("applicants.change_organisation", is_organisation_admin | rules.is_superuser)
