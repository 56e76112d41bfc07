"""Calls and their parts: ``Call.phase`` and the constraints the database enforces."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from laureat.programmes.enums import CallPhase, CallState
from laureat.programmes.models import Call, Criterion, EnvelopeCategory, Technology
from tests.factories import (
    CallFactory,
    CriterionFactory,
    EnvelopeFactory,
    FunderFactory,
    ProgrammeFactory,
    ProgrammeRoleFactory,
)

OPENS = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(60))
CLOSES = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.get_fixed_timezone(120))
SECOND = timedelta(seconds=1)


def _call(state: CallState = CallState.PUBLISHED) -> Call:
    return CallFactory.build(state=state, opens_at=OPENS, closes_at=CLOSES)


@pytest.mark.parametrize(
    ("state", "now", "phase"),
    [
        (CallState.DRAFT, OPENS + SECOND, CallPhase.DRAFT),
        (CallState.PUBLISHED, OPENS - SECOND, CallPhase.UPCOMING),
        (CallState.PUBLISHED, OPENS, CallPhase.OPEN),
        (CallState.PUBLISHED, CLOSES - SECOND, CallPhase.OPEN),
        (CallState.PUBLISHED, CLOSES, CallPhase.CLOSED),
        (CallState.PUBLISHED, CLOSES + timedelta(days=400), CallPhase.CLOSED),
        (CallState.RESULTS_PUBLISHED, OPENS + SECOND, CallPhase.RESULTS),
        (CallState.RESULTS_PUBLISHED, CLOSES + SECOND, CallPhase.RESULTS),
        (CallState.ARCHIVED, CLOSES + SECOND, CallPhase.ARCHIVED),
    ],
    ids=[
        "draft",
        "upcoming",
        "open-at-opening",
        "open-until-closing",
        "closed-at-closing",
        "closed-long-after",
        "results-even-while-open",
        "results",
        "archived",
    ],
)
def test_call_phase_from_state_and_dates(state: CallState, now: datetime, phase: CallPhase) -> None:
    assert _call(state).phase(now) == phase


def test_call_phase_every_phase_covered() -> None:
    seen = {
        _call(state).phase(now)
        for state in CallState
        for now in (OPENS - SECOND, OPENS + SECOND, CLOSES + SECOND)
    }
    assert seen == set(CallPhase)


def test_call_is_open_only_between_opening_and_closing() -> None:
    call = _call()

    assert [call.is_open(now) for now in (OPENS - SECOND, OPENS, CLOSES - SECOND, CLOSES)] == [
        False,
        True,
        True,
        False,
    ]


def test_call_phase_without_now_uses_current_time() -> None:
    assert CallFactory.build().phase() == CallPhase.OPEN
    assert CallFactory.build(closed=True).phase() == CallPhase.CLOSED
    assert CallFactory.build(upcoming=True).phase() == CallPhase.UPCOMING
    assert CallFactory.build(draft=True).phase() == CallPhase.DRAFT


def test_call_is_historical_when_figures_recorded() -> None:
    assert CallFactory.build().is_historical is False
    assert CallFactory.build(recorded_applications=84).is_historical is True
    assert CallFactory.build(recorded_laureates=25).is_historical is True


@pytest.mark.django_db
def test_technologies_loaded_by_migration() -> None:
    names = set(Technology.objects.values_list("name", flat=True))

    assert len(names) >= 10
    assert {"Jumeau numérique", "Fabrication additive"} <= names
    assert Technology.objects.get(slug="bim").name.startswith("BIM")


@pytest.mark.django_db
@pytest.mark.parametrize("closes_at", [OPENS, OPENS - timedelta(days=1)], ids=["equal", "before"])
def test_call_closes_not_after_opens_refused_by_database(closes_at: datetime) -> None:
    programme = ProgrammeFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CallFactory(programme=programme, opens_at=OPENS, closes_at=closes_at)

    assert Call.objects.count() == 0


@pytest.mark.django_db
def test_call_negative_budget_refused_by_database() -> None:
    programme = ProgrammeFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CallFactory(programme=programme, budget=Decimal("-0.01"))


@pytest.mark.django_db
def test_call_unknown_state_refused_by_database() -> None:
    programme = ProgrammeFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CallFactory(programme=programme, state="closed")


@pytest.mark.django_db
@pytest.mark.parametrize("weight", [Decimal("0"), Decimal("-1")])
def test_criterion_weight_not_positive_refused_by_database(weight: Decimal) -> None:
    call = CallFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionFactory(call=call, weight=weight)

    assert Criterion.objects.count() == 0


@pytest.mark.django_db
def test_criterion_scale_zero_refused_by_database() -> None:
    call = CallFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionFactory(call=call, scale_max=0)


@pytest.mark.django_db
def test_criterion_name_twice_in_one_call_refused_by_database() -> None:
    call = CallFactory()
    CriterionFactory(call=call, name="Impact")

    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionFactory(call=call, name="Impact")


@pytest.mark.django_db
def test_envelope_negative_amount_refused_by_database() -> None:
    call, funder = CallFactory(), FunderFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        EnvelopeFactory(call=call, funder=funder, amount=Decimal("-1"))


@pytest.mark.django_db
def test_envelope_second_of_one_funder_in_a_call_refused_by_database() -> None:
    envelope = EnvelopeFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        EnvelopeFactory(call=envelope.call, funder=envelope.funder)


@pytest.mark.django_db
def test_envelope_unknown_category_refused_by_database() -> None:
    envelope = EnvelopeFactory(categories=[])

    with pytest.raises(IntegrityError), transaction.atomic():
        EnvelopeCategory.objects.create(envelope=envelope, category="travel")


@pytest.mark.django_db
def test_programme_role_unknown_role_refused_by_database() -> None:
    programme = ProgrammeFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeRoleFactory(programme=programme, role="owner")
