"""What the database itself refuses for applications and their budget lines."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from laureat.applications.enums import ApplicationState, ResourceKind
from laureat.applications.models import Application, ResourceLine
from tests.factories import (
    ApplicationFactory,
    BudgetLineFactory,
    FunderFactory,
    ResourceLineFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def application() -> Application:
    return ApplicationFactory()


def test_resource_line_request_without_funder_refused(application: Application) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceLineFactory(application=application, kind=ResourceKind.FUNDER, funder=None)

    assert ResourceLine.objects.count() == 0


@pytest.mark.parametrize(
    "kind", [ResourceKind.OWN_FUNDS, ResourceKind.OTHER_PUBLIC, ResourceKind.OTHER_PRIVATE]
)
def test_resource_line_other_than_request_naming_funder_refused(
    application: Application, kind: ResourceKind
) -> None:
    funder = FunderFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceLineFactory(application=application, kind=kind, funder=funder)


def test_resource_line_second_request_to_one_funder_refused(application: Application) -> None:
    funder = FunderFactory()
    ResourceLineFactory(application=application, funder=funder)

    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceLineFactory(application=application, funder=funder)


def test_resource_line_several_own_funds_lines_accepted(application: Application) -> None:
    ResourceLineFactory(application=application, label="Trésorerie")
    ResourceLineFactory(application=application, label="Apport des membres")

    assert list(application.resource_lines.values_list("kind", flat=True)) == [
        ResourceKind.OWN_FUNDS,
        ResourceKind.OWN_FUNDS,
    ]


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1")])
def test_resource_line_amount_not_positive_refused(
    application: Application, amount: Decimal
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceLineFactory(application=application, amount=amount)


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-0.01")])
def test_budget_line_amount_not_positive_refused(application: Application, amount: Decimal) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLineFactory(application=application, amount=amount)

    assert application.budget_lines.count() == 0


def test_budget_line_unknown_category_refused(application: Application) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLineFactory(application=application, category="travel")


@pytest.mark.parametrize(
    "state",
    sorted(set(ApplicationState) - {ApplicationState.DRAFT, ApplicationState.WITHDRAWN}),
)
def test_application_submitted_state_without_submitted_at_refused(state: str) -> None:
    application = ApplicationFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(state=state, submitted_at=None)

    assert Application.objects.get(pk=application.pk).state == ApplicationState.DRAFT


def test_application_created_submitted_without_submitted_at_refused() -> None:
    application = ApplicationFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(
            call=application.call, state=ApplicationState.SUBMITTED, submitted_at=None
        )


@pytest.mark.parametrize("state", [ApplicationState.DRAFT, ApplicationState.WITHDRAWN])
def test_application_draft_or_withdrawn_without_submitted_at_accepted(state: str) -> None:
    application = ApplicationFactory(state=state)

    assert Application.objects.get(pk=application.pk).submitted_at is None


def test_application_unknown_state_refused(application: Application) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(state="accepted")


def test_application_version_zero_refused(application: Application) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(version=0)


def test_application_reference_unique(application: Application) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(call=application.call, reference=application.reference)
