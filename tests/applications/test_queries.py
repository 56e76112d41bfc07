"""Reads over applications: counts per call, call statistics, a user's applications, budgets."""

from decimal import Decimal

import pytest
from pytest_django import DjangoAssertNumQueries

from laureat.accounts.models import User
from laureat.applicants.models import ApplicationCollaborator
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.applications.queries import (
    application_budget,
    applications_of_user,
    call_application_stats,
    submitted_applications,
    submitted_counts_by_call,
)
from laureat.programmes.models import Call
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MembershipFactory,
    OpenCall,
    UserFactory,
    commune,
    make_complete_draft,
)

pytestmark = pytest.mark.django_db

S = ApplicationState


def _submitted(
    call: Call, commune_code: str | None = None, state: str = S.SUBMITTED
) -> Application:
    return ApplicationFactory(
        call=call, state=state, commune=commune(commune_code) if commune_code else None
    )


def test_submitted_applications_excludes_drafts_and_withdrawals(open_call: Call) -> None:
    kept = [_submitted(open_call, state=s) for s in (S.SUBMITTED, S.ELIGIBLE, S.LAUREATE)]
    _submitted(open_call, state=S.DRAFT)
    _submitted(open_call, state=S.WITHDRAWN)
    _submitted(CallFactory())  # another call

    assert sorted(a.pk for a in submitted_applications(open_call)) == sorted(a.pk for a in kept)


def test_submitted_counts_by_call_in_one_query(
    open_call: Call, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    other = CallFactory()
    for state in (S.SUBMITTED, S.IN_REVIEW, S.REJECTED, S.DRAFT, S.WITHDRAWN):
        _submitted(open_call, state=state)
    _submitted(other, state=S.COMPLETED)
    _submitted(other, state=S.DRAFT)
    CallFactory()  # no application: not listed

    with django_assert_num_queries(1):
        counts = submitted_counts_by_call()

    assert counts == {open_call.pk: 3, other.pk: 1}


def test_submitted_counts_by_call_without_applications_is_empty() -> None:
    assert submitted_counts_by_call() == {}


def test_call_application_stats_counts_regions_and_overseas_regions(open_call: Call) -> None:
    _submitted(open_call, "71076")  # Chalon-sur-Saône, Bourgogne-Franche-Comté
    _submitted(open_call, "71076", state=S.LAUREATE)  # same region again
    _submitted(open_call, "92050")  # Nanterre, Île-de-France
    _submitted(open_call, "33063")  # Bordeaux, Nouvelle-Aquitaine
    _submitted(open_call, "97209")  # Fort-de-France, Martinique (overseas)
    _submitted(open_call)  # no commune yet: counted, without region
    _submitted(open_call, "97611", state=S.DRAFT)  # Mamoudzou (Mayotte), not submitted
    _submitted(CallFactory(), "97411")  # Saint-Denis (La Réunion), another call

    assert call_application_stats(open_call) == {
        "applications": 6,
        "regions": 4,
        "overseas_regions": 1,
    }


def test_call_application_stats_of_call_without_applications_is_zero(open_call: Call) -> None:
    assert call_application_stats(open_call) == {
        "applications": 0,
        "regions": 0,
        "overseas_regions": 0,
    }


def test_applications_of_user_lists_applications_of_their_organisations_only(
    open_call: Call, user: User
) -> None:
    mine = ApplicationFactory(call=open_call)
    MembershipFactory(user=user, organisation=mine.organisation)
    ApplicationFactory(call=open_call)  # another organisation

    assert list(applications_of_user(user)) == [mine]


def test_application_budget_summarises_lines_against_the_call_envelopes(
    open_call_setup: OpenCall, user: User
) -> None:
    application = make_complete_draft(open_call_setup.call, user)

    summary = application_budget(application)

    assert summary.total_expenses == Decimal("350000.00")
    assert summary.requests_by_funder == {
        open_call_setup.banque_des_territoires.pk: Decimal("50000.00"),
        open_call_setup.etat.pk: Decimal("125000.00"),
    }
    assert summary.is_balanced is True
    assert summary.problems == []


def test_applications_of_user_includes_co_edited_applications_once(user: User) -> None:
    own = ApplicationFactory()
    MembershipFactory(user=user, organisation=own.organisation)
    co_edited = ApplicationFactory()
    ApplicationCollaborator.objects.create(application=co_edited, user=user)
    MembershipFactory(user=UserFactory(), organisation=co_edited.organisation)

    assert sorted(a.pk for a in applications_of_user(user)) == sorted([own.pk, co_edited.pk])
