"""Who may see and change an application.

An applicant sees only the applications of the organisations they belong to;
a programme manager sees those of their programme's calls; a co-funder's agent
sees the applications that ask their funder for money once submitted.
"""

from typing import Any

import rules
from django.db.models import Q

from laureat.applications.enums import EDITABLE_STATES, SUBMITTED_STATES, Actor
from laureat.applications.models import Application
from laureat.programmes.rules import is_programme_manager


@rules.predicate
def is_application_member(user: Any, application: Application | None) -> bool:
    """A member of the application's organisation, or a collaborator invited to this one."""
    if application is None or not getattr(user, "is_authenticated", False):
        return False
    # One query: through the organisation's memberships or the application's collaborators.
    return (
        Application.objects.filter(pk=application.pk)
        .filter(Q(organisation__memberships__user=user) | Q(collaborators__user=user))
        .exists()
    )


@rules.predicate
def is_application_manager(user: Any, application: Application | None) -> bool:
    return application is not None and is_programme_manager(user, application.call)


@rules.predicate
def is_application_funder_agent(user: Any, application: Application | None) -> bool:
    if application is None or not getattr(user, "is_authenticated", False):
        return False
    if application.state not in SUBMITTED_STATES:
        return False
    return application.resource_lines.filter(funder__agents=user).exists()


@rules.predicate
def is_editable(user: Any, application: Application | None) -> bool:
    return application is not None and application.state in EDITABLE_STATES


def actor_roles(user: Any, application: Application) -> set[Actor]:
    """The roles ``user`` holds on ``application``, as named in the transition table."""
    roles: set[Actor] = set()
    if is_application_member(user, application):
        roles.add(Actor.APPLICANT)
    if is_application_manager(user, application) or getattr(user, "is_superuser", False):
        roles.add(Actor.MANAGER)
    if is_application_funder_agent(user, application):
        roles.add(Actor.FUNDER)
    return roles


rules.add_perm(
    "applications.view_application",
    is_application_member
    | is_application_manager
    | is_application_funder_agent
    | rules.is_superuser,
)
rules.add_perm("applications.change_application", is_application_member & is_editable)
