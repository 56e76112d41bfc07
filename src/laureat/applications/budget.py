"""Budget arithmetic: pure functions over plain values, no ORM.

The budget of an application has expenses (by category) and resources (requests
to the call's co-funders, own funds, other funding). It must balance, and a
co-funder may only be asked for the categories it funds: a request to a funder
cannot exceed the expenses in the categories of that funder's envelope.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from laureat.core.money import ZERO, format_eur, money_sum


@dataclass(frozen=True)
class Expense:
    category: str
    amount: Decimal
    label: str = ""


@dataclass(frozen=True)
class Resource:
    kind: str
    amount: Decimal
    funder_id: int | None = None
    label: str = ""


@dataclass(frozen=True)
class BudgetSummary:
    expenses_by_category: dict[str, Decimal]
    total_expenses: Decimal
    requests_by_funder: dict[int, Decimal]
    resources_by_kind: dict[str, Decimal]
    total_resources: Decimal
    total_requested: Decimal
    problems: list[str] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        """Resources minus expenses: 0 when the budget balances."""
        return self.total_resources - self.total_expenses

    @property
    def is_balanced(self) -> bool:
        return self.balance == ZERO

    @property
    def is_valid(self) -> bool:
        return not self.problems


def summarise_budget(
    expenses: Iterable[Expense],
    resources: Iterable[Resource],
    *,
    funded_categories: Mapping[int, frozenset[str]],
    funder_names: Mapping[int, str] | None = None,
    funder_limits: Mapping[int, Decimal] | None = None,
) -> BudgetSummary:
    """Totals and every problem that forbids submission, each as a sentence.

    ``funded_categories`` maps each of the call's funders to the expense
    categories its envelope funds; ``funder_limits`` (optional) the most each
    funder may be asked for in this call (its envelope).
    """
    limits = funder_limits or {}
    names = funder_names or {}
    by_category: dict[str, list[Decimal]] = defaultdict(list)
    for expense in expenses:
        by_category[expense.category].append(expense.amount)
    expenses_by_category = {c: money_sum(a) for c, a in sorted(by_category.items())}
    total_expenses = money_sum(expenses_by_category.values())

    by_funder: dict[int, list[Decimal]] = defaultdict(list)
    by_kind: dict[str, list[Decimal]] = defaultdict(list)
    for resource in resources:
        by_kind[resource.kind].append(resource.amount)
        if resource.funder_id is not None:
            by_funder[resource.funder_id].append(resource.amount)
    requests_by_funder = {f: money_sum(a) for f, a in sorted(by_funder.items())}
    resources_by_kind = {k: money_sum(a) for k, a in sorted(by_kind.items())}
    total_resources = money_sum(resources_by_kind.values())

    problems: list[str] = []
    if total_expenses == ZERO:
        problems.append(_("Le budget ne comporte aucune dépense."))
    if total_resources != total_expenses:
        problems.append(
            _(
                "Le budget n'est pas équilibré : les dépenses s'élèvent à %(expenses)s "
                "et les ressources à %(resources)s (écart : %(gap)s)."
            )
            % {
                "expenses": format_eur(total_expenses),
                "resources": format_eur(total_resources),
                "gap": format_eur(abs(total_resources - total_expenses)),
            }
        )
    for funder_id, requested in requests_by_funder.items():
        name = names.get(funder_id, str(funder_id))
        if funder_id not in funded_categories:
            problems.append(
                _("%(funder)s ne finance pas cet appel : retirez cette demande.") % {"funder": name}
            )
            continue
        fundable = money_sum(
            expenses_by_category.get(c, ZERO) for c in funded_categories[funder_id]
        )
        if requested > fundable:
            problems.append(
                _(
                    "La demande à %(funder)s (%(requested)s) dépasse les dépenses des catégories "
                    "qu'il finance (%(fundable)s)."
                )
                % {
                    "funder": name,
                    "requested": format_eur(requested),
                    "fundable": format_eur(fundable),
                }
            )
        limit = limits.get(funder_id)
        if limit is not None and requested > limit:
            problems.append(
                _(
                    "La demande à %(funder)s (%(requested)s) dépasse son enveloppe "
                    "pour cet appel (%(limit)s)."
                )
                % {"funder": name, "requested": format_eur(requested), "limit": format_eur(limit)}
            )
    return BudgetSummary(
        expenses_by_category=expenses_by_category,
        total_expenses=total_expenses,
        requests_by_funder=requests_by_funder,
        resources_by_kind=resources_by_kind,
        total_resources=total_resources,
        total_requested=money_sum(requests_by_funder.values()),
        problems=problems,
    )
