"""Budget arithmetic (pure functions, no database): totals, balance and problems."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from laureat.applications.budget import BudgetSummary, Expense, Resource, summarise_budget
from laureat.applications.enums import ResourceKind
from laureat.core.money import ZERO, format_eur
from laureat.programmes.enums import ExpenseCategory

ENG, INV, STA = ExpenseCategory.ENGINEERING, ExpenseCategory.INVESTMENT, ExpenseCategory.STARTUP
BDT, ETAT = 1, 2
FUNDED = {BDT: frozenset({ENG}), ETAT: frozenset({INV, STA})}
NAMES = {BDT: "Banque des Territoires", ETAT: "État"}


def _summary(expenses: list[Expense], resources: list[Resource]) -> BudgetSummary:
    return summarise_budget(expenses, resources, funded_categories=FUNDED, funder_names=NAMES)


def _request(funder: int, amount: str) -> Resource:
    return Resource(ResourceKind.FUNDER, Decimal(amount), funder)


def _own(amount: str) -> Resource:
    return Resource(ResourceKind.OWN_FUNDS, Decimal(amount))


BALANCED_EXPENSES = [
    Expense(ENG, Decimal("60000")),
    Expense(ENG, Decimal("40000.50")),
    Expense(INV, Decimal("200000")),
]
BALANCED_RESOURCES = [_request(BDT, "50000"), _request(ETAT, "100000"), _own("150000.50")]


def test_summarise_budget_totals_by_category_funder_and_kind() -> None:
    summary = _summary(BALANCED_EXPENSES, BALANCED_RESOURCES)

    assert summary.expenses_by_category == {ENG: Decimal("100000.50"), INV: Decimal("200000.00")}
    assert summary.total_expenses == Decimal("300000.50")
    assert summary.requests_by_funder == {BDT: Decimal("50000.00"), ETAT: Decimal("100000.00")}
    assert summary.resources_by_kind == {
        ResourceKind.FUNDER: Decimal("150000.00"),
        ResourceKind.OWN_FUNDS: Decimal("150000.50"),
    }
    assert summary.total_resources == Decimal("300000.50")
    assert summary.total_requested == Decimal("150000.00")


def test_summarise_budget_balanced_within_funded_categories_has_no_problem() -> None:
    summary = _summary(BALANCED_EXPENSES, BALANCED_RESOURCES)

    assert summary.problems == []
    assert (summary.balance, summary.is_balanced, summary.is_valid) == (ZERO, True, True)


def test_summarise_budget_empty_says_there_is_no_expense() -> None:
    summary = _summary([], [])

    assert summary.problems == ["Le budget ne comporte aucune dépense."]
    assert summary.is_balanced is True
    assert summary.is_valid is False


def test_summarise_budget_unbalanced_gives_both_totals_and_the_gap() -> None:
    summary = _summary([Expense(ENG, Decimal("1000"))], [_own("1200.50")])

    assert summary.balance == Decimal("200.50")
    assert summary.is_balanced is False
    assert summary.problems == [
        f"Le budget n'est pas équilibré : les dépenses s'élèvent à {format_eur(Decimal('1000'))} "
        f"et les ressources à {format_eur(Decimal('1200.50'))} "
        f"(écart : {format_eur(Decimal('200.50'))})."
    ]


def test_summarise_budget_short_of_resources_has_negative_balance() -> None:
    summary = _summary([Expense(ENG, Decimal("1000"))], [_own("400")])

    assert summary.balance == Decimal("-600.00")
    assert summary.problems[0].endswith(f"(écart : {format_eur(Decimal('600'))}).")


def test_summarise_budget_request_to_funder_outside_the_call_refused() -> None:
    summary = _summary([Expense(ENG, Decimal("1000"))], [_request(99, "500"), _own("500")])

    # Without a name, the funder is named by its id.
    assert summary.problems == ["99 ne finance pas cet appel : retirez cette demande."]


def test_summarise_budget_request_over_funded_categories_refused() -> None:
    expenses = [Expense(ENG, Decimal("1000")), Expense(INV, Decimal("9000"))]
    resources = [_request(BDT, "1000.01"), _own("8999.99")]

    summary = _summary(expenses, resources)

    assert summary.problems == [
        f"La demande à Banque des Territoires ({format_eur(Decimal('1000.01'))}) dépasse les "
        f"dépenses des catégories qu'il finance ({format_eur(Decimal('1000'))})."
    ]


def test_summarise_budget_request_equal_to_funded_categories_accepted() -> None:
    expenses = [Expense(INV, Decimal("700")), Expense(STA, Decimal("300"))]

    summary = _summary(expenses, [_request(ETAT, "1000")])

    assert summary.problems == []


def test_summarise_budget_several_problems_all_listed() -> None:
    summary = _summary([], [_request(BDT, "10")])

    assert len(summary.problems) == 3
    assert summary.problems[0] == "Le budget ne comporte aucune dépense."


# --- properties -------------------------------------------------------------

amounts = st.decimals(
    min_value=Decimal("0.01"),
    max_value=Decimal("100000000"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
expenses_st = st.lists(
    st.builds(Expense, st.sampled_from(ExpenseCategory.values), amounts), max_size=8
)
resources_st = st.lists(
    st.one_of(
        st.builds(
            Resource, st.just(ResourceKind.FUNDER), amounts, st.sampled_from([BDT, ETAT, 99])
        ),
        st.builds(
            Resource,
            st.sampled_from(
                [ResourceKind.OWN_FUNDS, ResourceKind.OTHER_PUBLIC, ResourceKind.OTHER_PRIVATE]
            ),
            amounts,
        ),
    ),
    max_size=8,
)


@settings(database=None, max_examples=200, deadline=None)
@given(expenses=expenses_st, resources=resources_st)
def test_summarise_budget_totals_are_sums_of_lines_and_balance_is_their_difference(
    expenses: list[Expense], resources: list[Resource]
) -> None:
    summary = _summary(expenses, resources)

    expected_expenses = sum((e.amount for e in expenses), ZERO)
    expected_resources = sum((r.amount for r in resources), ZERO)
    assert summary.total_expenses == expected_expenses
    assert summary.total_resources == expected_resources
    assert sum(summary.expenses_by_category.values(), ZERO) == expected_expenses
    assert sum(summary.resources_by_kind.values(), ZERO) == expected_resources
    assert summary.total_requested == sum(
        (r.amount for r in resources if r.funder_id is not None), ZERO
    )
    assert summary.balance == expected_resources - expected_expenses
    assert summary.is_balanced == (expected_resources == expected_expenses)
    assert summary.is_valid == (summary.problems == [])


@settings(database=None, max_examples=100, deadline=None)
@given(
    expenses=st.lists(
        st.builds(Expense, st.sampled_from(ExpenseCategory.values), amounts), min_size=1, max_size=8
    )
)
def test_summarise_budget_paid_from_own_funds_line_by_line_is_valid(
    expenses: list[Expense],
) -> None:
    resources = [Resource(ResourceKind.OWN_FUNDS, e.amount) for e in expenses]

    summary = _summary(expenses, resources)

    assert summary.is_balanced is True
    assert summary.problems == []
