"""Creating and publishing calls: the checks of ``call_create`` and ``call_publish``."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.core.money import format_eur
from laureat.programmes.domain import (
    CallSpec,
    CriterionSpec,
    EnvelopeSpec,
    call_create,
    call_publish,
    funder_create,
    programme_create,
    programme_role_grant,
)
from laureat.programmes.enums import CallState, ExpenseCategory, ProgrammeRoleKind
from laureat.programmes.models import Call, Funder, Programme, ProgrammeRole
from tests.factories import (
    CallFactory,
    CriterionFactory,
    FunderFactory,
    ProgrammeFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OPENS = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(60))
CLOSES = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.get_fixed_timezone(120))
ENG, INV, STA = ExpenseCategory.ENGINEERING, ExpenseCategory.INVESTMENT, ExpenseCategory.STARTUP


@pytest.fixture
def bdt() -> Funder:
    return FunderFactory(slug="bdt", name="Banque des Territoires", short_name="BdT")


@pytest.fixture
def etat() -> Funder:
    return FunderFactory(slug="etat", name="État", short_name="État")


@pytest.fixture
def spec(bdt: Funder, etat: Funder) -> CallSpec:
    return CallSpec(
        slug="ami-cmq-2026",
        title="AMI Campus des métiers et des qualifications 2026",
        opens_at=OPENS,
        closes_at=CLOSES,
        budget=Decimal("10000000"),
        results_at=date(2026, 9, 15),
        envelopes=(
            EnvelopeSpec(bdt, Decimal("3000000.00"), frozenset({ENG})),
            EnvelopeSpec(etat, Decimal("7000000.00"), frozenset({INV, STA})),
        ),
        criteria=(
            CriterionSpec("Qualité du projet", Decimal("2")),
            CriterionSpec("Ancrage territorial", Decimal("1.5"), scale_max=10),
        ),
    )


def _refusal(spec: CallSpec) -> str:
    with pytest.raises(DomainError) as caught:
        call_create(programme=ProgrammeFactory(), spec=spec, by=None)
    assert Call.objects.count() == 0
    return str(caught.value)


def test_call_create_saves_a_draft_with_dates_and_budget(spec: CallSpec) -> None:
    programme = ProgrammeFactory()

    call = call_create(programme=programme, spec=spec, by=UserFactory())

    call.refresh_from_db()
    assert call.programme == programme
    assert call.state == CallState.DRAFT
    assert (call.opens_at, call.closes_at, call.results_at) == (OPENS, CLOSES, date(2026, 9, 15))
    assert call.budget == Decimal("10000000.00")


def test_call_create_saves_envelopes_with_categories(
    spec: CallSpec, bdt: Funder, etat: Funder
) -> None:
    call = call_create(programme=ProgrammeFactory(), spec=spec, by=None)

    envelopes = {
        e.funder: (e.amount, e.category_values)
        for e in call.envelopes.prefetch_related("categories")
    }
    assert envelopes == {
        bdt: (Decimal("3000000.00"), ["engineering"]),
        etat: (Decimal("7000000.00"), ["investment", "startup"]),
    }


def test_call_create_saves_criteria_in_order(spec: CallSpec) -> None:
    call = call_create(programme=ProgrammeFactory(), spec=spec, by=None)

    assert list(call.criteria.values_list("position", "name", "weight", "scale_max")) == [
        (1, "Qualité du projet", Decimal("2.00"), 5),
        (2, "Ancrage territorial", Decimal("1.50"), 10),
    ]


def test_call_create_sets_themes(spec: CallSpec) -> None:
    themes = [ThemeFactory(), ThemeFactory()]

    call = call_create(programme=ProgrammeFactory(), spec=replace(spec, themes=themes), by=None)

    assert set(call.themes.all()) == set(themes)


def test_call_create_writes_audit_entry(spec: CallSpec) -> None:
    person = UserFactory()

    call = call_create(programme=ProgrammeFactory(), spec=spec, by=person)

    entry = AuditLog.objects.for_object(call).get()
    assert (entry.actor, entry.action) == (person, "call.create")
    assert entry.data == {
        "slug": "ami-cmq-2026",
        "budget": "10000000.00",
        "envelopes": {
            "bdt": {"amount": "3000000.00", "categories": ["engineering"]},
            "etat": {"amount": "7000000.00", "categories": ["investment", "startup"]},
        },
    }


@pytest.mark.parametrize(
    "closes_at", [OPENS, OPENS - timedelta(minutes=1)], ids=["equal", "before"]
)
def test_call_create_closes_not_after_opens_refused(spec: CallSpec, closes_at: datetime) -> None:
    assert _refusal(replace(spec, closes_at=closes_at)) == (
        "La date de clôture doit être postérieure à la date d'ouverture."
    )


def test_call_create_results_before_closing_refused(spec: CallSpec) -> None:
    assert _refusal(replace(spec, results_at=date(2026, 6, 1))) == (
        "Les résultats ne peuvent être annoncés avant la clôture."
    )


def test_call_create_negative_budget_refused(spec: CallSpec) -> None:
    assert _refusal(replace(spec, budget=Decimal("-1"), envelopes=())) == (
        "Le budget ne peut pas être négatif."
    )


def test_call_create_envelopes_over_budget_refused(spec: CallSpec) -> None:
    message = _refusal(replace(spec, budget=Decimal("9999999.99")))

    assert message == (
        f"Les enveloppes des cofinanceurs ({format_eur(Decimal('10000000'))}) "
        f"dépassent le budget de l'appel ({format_eur(Decimal('9999999.99'))})."
    )


def test_call_create_envelopes_equal_to_budget_accepted(spec: CallSpec) -> None:
    call = call_create(programme=ProgrammeFactory(), spec=spec, by=None)

    assert call.envelopes.count() == 2


def test_call_create_two_envelopes_of_one_funder_refused(spec: CallSpec, bdt: Funder) -> None:
    envelopes = (
        EnvelopeSpec(bdt, Decimal("1000"), frozenset({ENG})),
        EnvelopeSpec(bdt, Decimal("2000"), frozenset({INV})),
    )

    assert _refusal(replace(spec, envelopes=envelopes)) == (
        "Un cofinanceur ne peut avoir qu'une enveloppe par appel."
    )


def test_call_create_envelope_without_categories_refused(spec: CallSpec, bdt: Funder) -> None:
    envelopes = (EnvelopeSpec(bdt, Decimal("1000"), frozenset()),)

    assert _refusal(replace(spec, envelopes=envelopes)) == (
        "L'enveloppe de BdT doit financer au moins une catégorie de dépense."
    )


def test_call_create_negative_envelope_refused(spec: CallSpec, bdt: Funder) -> None:
    envelopes = (EnvelopeSpec(bdt, Decimal("-1"), frozenset({ENG})),)

    assert _refusal(replace(spec, envelopes=envelopes)) == (
        "Le montant d'une enveloppe ne peut pas être négatif."
    )


def test_call_create_two_criteria_with_one_name_refused(spec: CallSpec) -> None:
    criteria = (CriterionSpec("Impact", Decimal("1")), CriterionSpec("Impact", Decimal("2")))

    assert _refusal(replace(spec, criteria=criteria)) == (
        "Deux critères d'évaluation portent le même nom."
    )


@pytest.mark.parametrize(
    "criterion",
    [CriterionSpec("Impact", Decimal("0")), CriterionSpec("Impact", Decimal("1"), scale_max=0)],
    ids=["weight-0", "scale-0"],
)
def test_call_create_criterion_without_positive_weight_and_scale_refused(
    spec: CallSpec, criterion: CriterionSpec
) -> None:
    assert _refusal(replace(spec, criteria=(criterion,))) == (
        "Le critère « Impact » doit avoir une pondération et une note maximale positives."
    )


def test_call_create_slug_taken_refused(spec: CallSpec) -> None:
    CallFactory(slug="ami-cmq-2026")

    with pytest.raises(DomainError) as caught:
        call_create(programme=ProgrammeFactory(), spec=spec, by=None)

    assert str(caught.value) == "Un appel utilise déjà l'identifiant « ami-cmq-2026 »."
    assert Call.objects.count() == 1


def test_call_publish_draft_with_criteria_publishes_and_logs() -> None:
    call = CallFactory(draft=True)
    CriterionFactory(call=call)
    person = UserFactory()

    call_publish(call=call, by=person)

    call.refresh_from_db()
    assert call.state == CallState.PUBLISHED
    entry = AuditLog.objects.for_object(call).get()
    assert (entry.actor, entry.action) == (person, "call.publish")


def test_call_publish_without_criteria_refused() -> None:
    call = CallFactory(draft=True)

    with pytest.raises(DomainError) as caught:
        call_publish(call=call, by=None)

    assert str(caught.value) == "Définissez au moins un critère d'évaluation avant de publier."
    call.refresh_from_db()
    assert call.state == CallState.DRAFT


def test_call_publish_historical_call_without_criteria_publishes() -> None:
    call = CallFactory(draft=True, recorded_applications=84, recorded_laureates=25)

    call_publish(call=call, by=None)

    assert call.state == CallState.PUBLISHED


@pytest.mark.parametrize(
    "state", [CallState.PUBLISHED, CallState.RESULTS_PUBLISHED, CallState.ARCHIVED]
)
def test_call_publish_not_a_draft_refused(state: CallState) -> None:
    call = CallFactory(state=state)
    CriterionFactory(call=call)

    with pytest.raises(DomainError) as caught:
        call_publish(call=call, by=None)

    assert str(caught.value) == "Seul un appel en préparation peut être publié."
    assert AuditLog.objects.count() == 0


def test_programme_create_writes_programme_and_audit_entry() -> None:
    programme = programme_create(slug="tdi", name="Territoires d'industrie", by=None)

    assert Programme.objects.get(slug="tdi").name == "Territoires d'industrie"
    assert AuditLog.objects.for_object(programme).get().action == "programme.create"


def test_programme_create_slug_taken_refused() -> None:
    ProgrammeFactory(slug="tdi")

    with pytest.raises(DomainError) as caught:
        programme_create(slug="tdi", name="Autre", by=None)

    assert str(caught.value) == "Un programme utilise déjà l'identifiant « tdi »."


def test_funder_create_slug_taken_refused() -> None:
    funder_create(slug="bdt", name="Banque des Territoires", short_name="BdT", by=None)

    with pytest.raises(DomainError) as caught:
        funder_create(slug="bdt", name="Autre", short_name="A", by=None)

    assert str(caught.value) == "Un cofinanceur utilise déjà l'identifiant « bdt »."


def test_programme_role_grant_twice_keeps_one_role_and_one_audit_entry() -> None:
    programme, person = ProgrammeFactory(), UserFactory()

    first = programme_role_grant(
        programme=programme, user=person, role=ProgrammeRoleKind.MANAGER, by=None
    )
    second = programme_role_grant(
        programme=programme, user=person, role=ProgrammeRoleKind.MANAGER, by=None
    )

    assert first.pk == second.pk
    assert ProgrammeRole.objects.count() == 1
    entry = AuditLog.objects.for_object(programme).get()
    assert entry.data == {"user": person.email, "role": "manager"}
