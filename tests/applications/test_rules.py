"""Who may see and change an application (``applications.rules``)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from laureat.accounts.models import User
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.programmes.enums import ProgrammeRoleKind
from laureat.programmes.models import Call, Funder
from tests.factories import (
    ApplicationFactory,
    FunderFactory,
    MembershipFactory,
    ProgrammeRoleFactory,
    ResourceLineFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

VIEW = "applications.view_application"
CHANGE = "applications.change_application"


def _application(
    call: Call, state: str = ApplicationState.DRAFT, funder: Funder | None = None
) -> Application:
    application = ApplicationFactory(call=call, state=state)
    if funder is not None:
        ResourceLineFactory(application=application, funder=funder)
    return application


def _member(application: Application) -> User:
    return MembershipFactory(organisation=application.organisation).user


def _agent(funder: Funder) -> User:
    agent = UserFactory()
    funder.agents.add(agent)
    return agent


def test_applicant_views_and_changes_own_organisation_draft(open_call: Call) -> None:
    application = _application(open_call)
    member = _member(application)

    assert (member.has_perm(VIEW, application), member.has_perm(CHANGE, application)) == (
        True,
        True,
    )


def test_applicant_cannot_change_own_submitted_application(open_call: Call) -> None:
    application = _application(open_call, ApplicationState.SUBMITTED)
    member = _member(application)

    assert (member.has_perm(VIEW, application), member.has_perm(CHANGE, application)) == (
        True,
        False,
    )


def test_applicant_cannot_view_application_of_another_organisation(open_call: Call) -> None:
    mine, theirs = _application(open_call), _application(open_call)
    member = _member(mine)

    assert member.has_perm(VIEW, theirs) is False
    assert member.has_perm(CHANGE, theirs) is False


def test_manager_of_the_programme_views_application(open_call: Call, manager: User) -> None:
    application = _application(open_call, ApplicationState.SUBMITTED)

    assert manager.has_perm(VIEW, application) is True
    assert manager.has_perm(CHANGE, application) is False


def test_manager_of_another_programme_cannot_view_application(open_call: Call) -> None:
    application = _application(open_call, ApplicationState.SUBMITTED)
    other_manager = ProgrammeRoleFactory(role=ProgrammeRoleKind.MANAGER).user

    assert other_manager.has_perm(VIEW, application) is False


def test_reviewer_of_the_programme_is_not_a_manager(open_call: Call) -> None:
    application = _application(open_call, ApplicationState.SUBMITTED)
    reviewer = ProgrammeRoleFactory(
        programme=open_call.programme, role=ProgrammeRoleKind.REVIEWER
    ).user

    assert reviewer.has_perm(VIEW, application) is False


def test_funder_agent_views_submitted_application_asking_their_funder(open_call: Call) -> None:
    funder = open_call.envelopes.first().funder  # type: ignore[union-attr]
    application = _application(open_call, ApplicationState.SUBMITTED, funder=funder)

    assert _agent(funder).has_perm(VIEW, application) is True


def test_funder_agent_cannot_view_draft_asking_their_funder(open_call: Call) -> None:
    funder = open_call.envelopes.first().funder  # type: ignore[union-attr]
    application = _application(open_call, ApplicationState.DRAFT, funder=funder)

    assert _agent(funder).has_perm(VIEW, application) is False


def test_funder_agent_cannot_view_withdrawn_application_asking_their_funder(
    open_call: Call,
) -> None:
    funder = open_call.envelopes.first().funder  # type: ignore[union-attr]
    application = _application(open_call, ApplicationState.WITHDRAWN, funder=funder)

    assert _agent(funder).has_perm(VIEW, application) is False


def test_funder_agent_cannot_view_application_not_asking_their_funder(open_call: Call) -> None:
    asked, other = FunderFactory(), FunderFactory()
    application = _application(open_call, ApplicationState.SUBMITTED, funder=asked)

    assert _agent(other).has_perm(VIEW, application) is False


def test_anonymous_cannot_view_application(open_call: Call) -> None:
    application = _application(open_call, ApplicationState.SUBMITTED)

    assert AnonymousUser().has_perm(VIEW, application) is False
    assert AnonymousUser().has_perm(CHANGE, application) is False


def test_superuser_views_any_application(open_call: Call) -> None:
    application = _application(open_call, ApplicationState.SUBMITTED)
    admin = UserFactory(is_superuser=True, is_staff=True)

    assert admin.has_perm(VIEW, application) is True
