"""The pure eligibility engine: parameters per kind, verdicts and their French reasons."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laureat.core.money import format_eur
from laureat.eligibility.enums import RuleKind
from laureat.eligibility.rules_engine import (
    Facts,
    FunderRequest,
    Names,
    ParameterError,
    Rule,
    describe,
    evaluate,
    parameters_json,
    parse_parameters,
    verdict,
)

BDT = 7


def _facts(**values: object) -> Facts:
    base: dict[str, object] = {
        "holder_kind": "cnam",
        "region_code": "27",
        "region_name": "Bourgogne-Franche-Comté",
        "department_code": "71",
        "department_name": "Saône-et-Loire",
        "requests_by_funder": {BDT: Decimal("150000.00")},
        "funder_names": {BDT: "Banque des Territoires"},
        "learners_targeted": 120,
        "start_date": date(2023, 9, 1),
        "total_expenses": Decimal("350000.00"),
        "total_resources": Decimal("350000.00"),
        "file_questions": {3: "Lettre d'engagement"},
        "answered_file_questions": frozenset({3}),
        "attachment_labels": ("Statuts de l'association",),
    }
    base.update(values)
    return Facts(**base)  # type: ignore[arg-type]


def _one(kind: str, parameters: dict[str, object], facts: Facts) -> tuple[bool, str]:
    [result] = evaluate([Rule(kind=kind, parameters=parameters, id=1)], facts)
    return result.passed, result.reason


def test_funder_request_above_ceiling_fails_with_amounts() -> None:
    passed, reason = _one(
        RuleKind.FUNDER_REQUEST,
        {"funder_id": BDT, "min": "0", "max": "200000"},
        _facts(requests_by_funder={BDT: Decimal("250000.00")}),
    )
    assert passed is False
    assert reason == (
        f"La demande à Banque des Territoires ({format_eur(Decimal('250000'))}) "
        f"dépasse le plafond de {format_eur(Decimal('200000'))}."
    )


def test_funder_request_missing_with_minimum_fails() -> None:
    passed, reason = _one(
        RuleKind.FUNDER_REQUEST,
        {"funder_id": BDT, "min": "1000", "max": None},
        _facts(requests_by_funder={}),
    )
    assert passed is False
    assert reason.startswith("Aucune demande à Banque des Territoires")


def test_funder_request_below_floor_fails() -> None:
    passed, reason = _one(
        RuleKind.FUNDER_REQUEST,
        {"funder_id": BDT, "min": "200000"},
        _facts(),
    )
    assert passed is False
    assert "inférieure au plancher" in reason


@given(
    amount=st.integers(min_value=1, max_value=10**7),
    low=st.integers(min_value=0, max_value=10**7),
    span=st.integers(min_value=0, max_value=10**7),
)
def test_funder_request_passes_iff_within_bounds(amount: int, low: int, span: int) -> None:
    high = low + span
    if low == 0 and span == 0:
        high = 1  # a rule needs a minimum or a maximum
    passed, _reason = _one(
        RuleKind.FUNDER_REQUEST,
        {"funder_id": BDT, "min": str(low), "max": str(high)},
        _facts(requests_by_funder={BDT: Decimal(amount)}),
    )
    assert passed == (low <= amount <= high)


@given(
    expenses=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2),
    gap=st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=2),
)
def test_budget_balanced_iff_equal(expenses: Decimal, gap: Decimal) -> None:
    passed, reason = _one(
        RuleKind.BUDGET_BALANCED,
        {},
        _facts(total_expenses=expenses, total_resources=expenses + gap),
    )
    assert passed == (gap == 0)
    if gap:
        assert f"écart de {format_eur(abs(gap))}" in reason


def test_budget_without_expenses_fails() -> None:
    passed, reason = _one(
        RuleKind.BUDGET_BALANCED, {}, _facts(total_expenses=Decimal(0), total_resources=Decimal(0))
    )
    assert (passed, reason) == (False, "Le budget ne comporte aucune dépense.")


def test_holder_kind_not_allowed_fails_naming_kinds() -> None:
    passed, reason = _one(
        RuleKind.HOLDER_KINDS, {"kinds": ["university", "cnam"]}, _facts(holder_kind="company")
    )
    assert passed is False
    assert reason == (
        "La structure porteuse est de type « Entreprise », que l'appel n'admet pas "
        "(types admis : Cnam, Université)."
    )


def test_holder_kind_allowed_passes() -> None:
    assert _one(RuleKind.HOLDER_KINDS, {"kinds": ["cnam"]}, _facts())[0] is True


def test_territory_by_region_or_department() -> None:
    assert _one(RuleKind.TERRITORY, {"regions": ["27"]}, _facts())[0] is True
    assert _one(RuleKind.TERRITORY, {"departments": ["71"]}, _facts())[0] is True
    passed, reason = _one(RuleKind.TERRITORY, {"regions": ["53"], "departments": ["29"]}, _facts())
    assert passed is False
    assert reason == (
        "Le projet se situe hors du territoire éligible : "
        "Saône-et-Loire (71), Bourgogne-Franche-Comté."
    )


def test_territory_without_commune_fails() -> None:
    passed, reason = _one(
        RuleKind.TERRITORY, {"regions": ["27"]}, _facts(region_code=None, department_code=None)
    )
    assert (passed, reason) == (False, "La commune du projet n'est pas renseignée.")


def test_required_attachments_by_question_and_label() -> None:
    params = {"question_ids": [3], "labels": ["statuts"]}
    assert _one(RuleKind.REQUIRED_ATTACHMENTS, params, _facts())[0] is True
    passed, reason = _one(
        RuleKind.REQUIRED_ATTACHMENTS,
        params,
        _facts(answered_file_questions=frozenset(), attachment_labels=()),
    )
    assert passed is False
    assert reason == "Pièces manquantes : « Lettre d'engagement », « statuts »."


def test_learners_minimum() -> None:
    assert _one(RuleKind.LEARNERS, {"min": 1}, _facts())[0] is True
    passed, reason = _one(RuleKind.LEARNERS, {"min": 200}, _facts())
    assert (passed, reason) == (
        False,
        "Le projet vise 120 apprenant(s), moins que le minimum de 200.",
    )
    assert _one(RuleKind.LEARNERS, {}, _facts(learners_targeted=None))[0] is False


def test_start_date_window() -> None:
    window = {"earliest": "2023-01-01", "latest": "2023-12-31"}
    assert _one(RuleKind.START_DATE, window, _facts())[0] is True
    passed, reason = _one(RuleKind.START_DATE, window, _facts(start_date=date(2024, 2, 1)))
    assert (passed, reason) == (
        False,
        "Le projet démarre le 01/02/2024, après le 31/12/2023, dernière date admise.",
    )
    assert _one(RuleKind.START_DATE, window, _facts(start_date=date(2022, 2, 1)))[0] is False


def test_evaluate_skips_inactive_and_reports_misconfigured() -> None:
    rules = [
        Rule(kind=RuleKind.LEARNERS, parameters={"min": 1}, id=1, active=False),
        Rule(kind=RuleKind.HOLDER_KINDS, parameters={"kinds": []}, id=2),
    ]
    results = evaluate(rules, _facts())
    assert [(r.rule_id, r.passed) for r in results] == [(2, False)]
    assert results[0].reason.startswith("Règle mal configurée")
    assert verdict(results) is False
    assert verdict([]) is True


@pytest.mark.parametrize(
    ("kind", "parameters", "message"),
    [
        (RuleKind.HOLDER_KINDS, {"kinds": []}, "Choisissez au moins un type de structure admis."),
        (RuleKind.HOLDER_KINDS, {"kinds": ["martian"]}, "Types de structure inconnus : martian."),
        (RuleKind.TERRITORY, {}, "Choisissez au moins une région ou un département."),
        (RuleKind.TERRITORY, {"regions": ["ABC"]}, "Codes INSEE non valides : ABC."),
        (RuleKind.FUNDER_REQUEST, {"min": "10"}, "Choisissez le cofinanceur concerné."),
        (RuleKind.FUNDER_REQUEST, {"funder_id": 1}, "Indiquez un minimum, un maximum, ou les deux."),  # noqa: E501
        (RuleKind.FUNDER_REQUEST, {"funder_id": 1, "min": "-5"}, "Le montant minimum doit être positif ou nul."),  # noqa: E501
        (RuleKind.LEARNERS, {"min": 0}, "Le nombre minimal d'apprenants doit être au moins 1."),
        (RuleKind.START_DATE, {"earliest": "2024-01-02", "latest": "2024-01-01"}, "La fenêtre se termine avant de commencer."),  # noqa: E501
        (RuleKind.START_DATE, {"earliest": "demain"}, "La date de début n'est pas valide."),
    ],
)  # fmt: skip
def test_parse_parameters_refuses_with_message(
    kind: str, parameters: dict[str, object], message: str
) -> None:
    with pytest.raises(ParameterError) as caught:
        parse_parameters(kind, parameters)
    assert str(caught.value) == message


def test_funder_request_maximum_below_minimum_refused() -> None:
    with pytest.raises(ParameterError) as caught:
        parse_parameters(RuleKind.FUNDER_REQUEST, {"funder_id": 1, "min": "10", "max": "5"})
    assert str(caught.value).startswith("Le maximum")


def test_parameters_round_trip_through_json() -> None:
    params = parse_parameters(RuleKind.FUNDER_REQUEST, {"funder_id": "7", "max": "200000"})
    assert params == FunderRequest(
        funder_id=7, minimum=Decimal("0.00"), maximum=Decimal("200000.00")
    )
    assert parameters_json(params) == {"funder_id": 7, "min": "0.00", "max": "200000.00"}
    assert parse_parameters(RuleKind.FUNDER_REQUEST, parameters_json(params)) == params


def test_describe_names_things() -> None:
    names = Names(
        funders={BDT: "Banque des Territoires"},
        regions={"27": "Bourgogne-Franche-Comté", "53": "Bretagne"},
    )
    assert describe(RuleKind.FUNDER_REQUEST, {"funder_id": BDT, "max": "200000"}, names) == (
        f"Demande à Banque des Territoires d'au plus {format_eur(Decimal('200000'))}"
    )
    assert describe(RuleKind.TERRITORY, {"regions": ["27"]}, names) == (
        "Projet situé en : Bourgogne-Franche-Comté"
    )
    assert describe(RuleKind.LEARNERS, {"min": 1}) == "Au moins 1 apprenant(s) visé(s)"
    assert describe(RuleKind.TERRITORY, {"regions": ["27"]}, Names(regions={"27": "BFC"})) == (
        "Projet situé en France (toutes les régions)"
    )
