"""Reads for the selection pages: a kept proposal laid out for the committee, the
decisions table with its totals, the meetings of a call. Query counts do not grow
with the number of applications."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet

from laureat.applications.models import Application
from laureat.core.money import ZERO, money_sum, to_money
from laureat.programmes.models import Call, Envelope
from laureat.review.models import Conflict
from laureat.review.queries import call_ranking
from laureat.selection.domain import DECIDABLE_STATES
from laureat.selection.enums import DecisionOutcome
from laureat.selection.explain import explanation_text
from laureat.selection.models import CommitteeMeeting, Decision, SelectionRun
from laureat.territories.models import Region


def _money(value: Any) -> Decimal:
    return to_money(str(round(float(value or 0), 2)))


@dataclass
class FunderTotal:
    name: str
    awarded: Decimal
    envelope: Decimal

    @property
    def left(self) -> Decimal:
        return self.envelope - self.awarded

    @property
    def over(self) -> bool:
        return self.awarded > self.envelope


@dataclass
class RegionTotal:
    code: str
    name: str
    overseas: bool
    laureates: int
    amount: Decimal


@dataclass
class ProposalRow:
    application: Application
    region: Region | None
    score: float | None
    rank: int
    code: str
    text: str
    selected: bool
    in_cutoff: bool
    forced: str  # "in", "out" or ""
    awards: list[Decimal]  # aligned on Proposal.funders
    total: Decimal


@dataclass
class Proposal:
    run: SelectionRun
    data: Mapping[str, Any]
    funders: list[FunderTotal]
    rows: list[ProposalRow]
    regions: list[RegionTotal]
    awarded: Decimal
    budget: Decimal
    entered: list[ProposalRow] = field(default_factory=list)
    left: list[ProposalRow] = field(default_factory=list)

    @property
    def selected(self) -> list[ProposalRow]:
        return [row for row in self.rows if row.selected]

    @property
    def others(self) -> list[ProposalRow]:
        return [row for row in self.rows if not row.selected]

    @property
    def budget_left(self) -> Decimal:
        return self.budget - self.awarded

    @property
    def gap_percent(self) -> str:
        return f"{float(self.data.get('gap') or 0) * 100:.4f} %".replace(".", ",")

    @property
    def score_gained(self) -> str:
        gained = float(self.data.get("diff", {}).get("score_gained") or 0)
        return f"{gained:+.2f}".replace(".", ",")

    @property
    def regions_covered(self) -> int:
        return int(self.data.get("diff", {}).get("regions_covered") or 0)

    @property
    def baseline_regions_covered(self) -> int:
        return int(self.data.get("diff", {}).get("baseline_regions_covered") or 0)

    @property
    def baseline_count(self) -> int:
        return len(self.data.get("baseline", {}).get("selected") or [])


def _envelopes(call: Call) -> list[Envelope]:
    return list(call.envelopes.select_related("funder").order_by("funder__slug"))


def last_run(call: Call) -> SelectionRun | None:
    return call.selection_runs.order_by("-created_at", "-pk").first()


def proposal_for(
    run: SelectionRun, *, forced_in: Sequence[int] = (), forced_out: Sequence[int] = ()
) -> Proposal:
    """A kept run laid out for the committee: rows in rank order, totals, regions, diff."""
    call = run.call
    data: Mapping[str, Any] = run.result
    explanations: Mapping[str, Mapping[str, Any]] = data.get("explanations") or {}
    ids = [int(i) for i in explanations]
    applications = {
        a.pk: a
        for a in Application.objects.filter(pk__in=ids).select_related(
            "organisation", "commune__department__region"
        )
    }
    envelopes = _envelopes(call)
    slugs = [e.funder.slug for e in envelopes]
    per_funder = data.get("per_funder") or {}
    funders = [
        FunderTotal(str(e.funder), _money(per_funder.get(e.funder.slug)), e.amount)
        for e in envelopes
    ]
    awards: Mapping[str, Mapping[str, float]] = data.get("awards") or {}
    selected = {int(i) for i in data.get("selected") or []}
    baseline = {int(i) for i in (data.get("baseline") or {}).get("selected") or []}
    regions = {r.code: r for r in Region.objects.all()}
    rows: list[ProposalRow] = []
    for key, explanation in explanations.items():
        application = applications.get(int(key))
        if application is None:  # deleted since the run
            continue
        commune = application.commune
        region = commune.department.region if commune else None
        amounts = [_money((awards.get(key) or {}).get(slug)) for slug in slugs]
        total = money_sum(amounts) if key in awards else _money(explanation.get("award"))
        shown = dict(explanation)
        shown["region_name"] = (
            regions[shown["region"]].name if shown.get("region") in regions else ""
        )
        rows.append(
            ProposalRow(
                application=application,
                region=region,
                score=explanation.get("score"),
                rank=int(explanation.get("rank") or 0),
                code=str(explanation.get("code", "")),
                text=explanation_text(shown),
                selected=application.pk in selected,
                in_cutoff=application.pk in baseline,
                forced="in"
                if application.pk in forced_in
                else "out"
                if application.pk in forced_out
                else "",
                awards=amounts if application.pk in selected else [ZERO for _ in slugs],
                total=total if application.pk in selected else ZERO,
            )
        )
    rows.sort(key=lambda r: (r.rank or 10**9, -(r.score or 0), r.application.pk))
    by_id = {row.application.pk: row for row in rows}
    region_totals = [
        RegionTotal(
            code=code,
            name=regions[code].name if code in regions else code or "—",
            overseas=regions[code].overseas if code in regions else False,
            laureates=int(total.get("count", 0)),
            amount=_money(total.get("amount")),
        )
        for code, total in sorted((data.get("per_region") or {}).items())
    ]
    region_totals.sort(key=lambda r: (r.overseas, r.name))
    diff = data.get("diff") or {}
    return Proposal(
        run=run,
        data=data,
        funders=funders,
        rows=rows,
        regions=region_totals,
        awarded=_money(data.get("awarded_total")),
        budget=call.budget,
        entered=[by_id[int(i)] for i in diff.get("entered", []) if int(i) in by_id],
        left=[by_id[int(i)] for i in diff.get("left", []) if int(i) in by_id],
    )


# --------------------------------------------------------------------------- meetings


def call_meetings(call: Call) -> QuerySet[CommitteeMeeting]:
    return (
        CommitteeMeeting.objects.filter(call=call)
        .annotate(present=Count("members", distinct=True))
        .order_by("-held_on", "-pk")
    )


# --------------------------------------------------------------------------- decisions


@dataclass
class DecisionRow:
    decision: Decision
    application: Application
    region: Region | None
    score: float | None
    awards: list[Decimal]  # aligned on DecisionTable.funders
    total: Decimal
    changed: bool  # the committee departed from the proposal


@dataclass
class DecisionTable:
    rows: list[DecisionRow]
    funders: list[FunderTotal]
    budget: Decimal
    counts: dict[str, int]
    undecided: int

    @property
    def awarded(self) -> Decimal:
        return money_sum(f.awarded for f in self.funders)

    @property
    def over_budget(self) -> bool:
        return self.awarded > self.budget or any(f.over for f in self.funders)

    @property
    def laureates(self) -> int:
        return self.counts.get(DecisionOutcome.LAUREATE, 0)

    @property
    def waiting(self) -> int:
        return self.counts.get(DecisionOutcome.WAITING_LIST, 0)

    @property
    def rejected(self) -> int:
        return self.counts.get(DecisionOutcome.REJECTED, 0)


_OUTCOME_ORDER = {
    DecisionOutcome.LAUREATE: 0,
    DecisionOutcome.WAITING_LIST: 1,
    DecisionOutcome.REJECTED: 2,
}


def decision_table(call: Call) -> DecisionTable:
    """Every decision of the call with its awards, and the live totals (constant queries)."""

    envelopes = _envelopes(call)
    scores = {row.application_id: row.score for row in call_ranking(call)}
    decisions = list(
        Decision.objects.filter(application__call=call)
        .select_related("application__organisation", "application__commune__department__region")
        .prefetch_related("awards")
    )
    rows = []
    awarded = {e.funder_id: ZERO for e in envelopes}
    counts: dict[str, int] = {}
    for decision in decisions:
        by_funder = {a.funder_id: a.amount for a in decision.awards.all()}
        amounts = [by_funder.get(e.funder_id, ZERO) for e in envelopes]
        laureate = decision.outcome == DecisionOutcome.LAUREATE
        if laureate:
            for funder_id, amount in by_funder.items():
                awarded[funder_id] = awarded.get(funder_id, ZERO) + amount
        counts[decision.outcome] = counts.get(decision.outcome, 0) + 1
        application = decision.application
        commune = application.commune
        rows.append(
            DecisionRow(
                decision=decision,
                application=application,
                region=commune.department.region if commune else None,
                score=scores.get(application.pk),
                awards=amounts,
                total=money_sum(amounts),
                changed=bool(decision.proposed_outcome)
                and (
                    decision.proposed_outcome != decision.outcome
                    or (
                        laureate
                        and decision.proposed_amount is not None
                        and decision.proposed_amount != money_sum(amounts)
                    )
                ),
            )
        )
    rows.sort(
        key=lambda r: (
            _OUTCOME_ORDER.get(DecisionOutcome(r.decision.outcome), 3),
            r.decision.waiting_rank or 0,
            -(r.score or 0),
            r.application.pk,
        )
    )
    decided = {row.application.pk for row in rows}
    undecided = (
        Application.objects.filter(call=call, state__in=DECIDABLE_STATES)
        .exclude(pk__in=decided)
        .count()
    )
    return DecisionTable(
        rows=rows,
        funders=[
            FunderTotal(str(e.funder), to_money(awarded.get(e.funder_id, ZERO)), e.amount)
            for e in envelopes
        ],
        budget=call.budget,
        counts=counts,
        undecided=undecided,
    )


# --------------------------------------------------------------------------- conflicts


def conflicted_applications(call: Call, user: Any) -> frozenset[int]:
    """The applications of ``call`` that ``user``, as a reviewer, is in conflict with."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        Conflict.objects.filter(reviewer__call=call, reviewer__user=user).values_list(
            "application_id", flat=True
        )
    )


def hide_conflicted_proposal(proposal: Proposal, hidden: frozenset[int]) -> int:
    """Drop from a committee member's view the rows of applications they are in conflict
    with (totals stay: they are the call's, not the application's). Returns how many."""
    before = len(proposal.rows)
    proposal.rows = [r for r in proposal.rows if r.application.pk not in hidden]
    proposal.entered = [r for r in proposal.entered if r.application.pk not in hidden]
    proposal.left = [r for r in proposal.left if r.application.pk not in hidden]
    return before - len(proposal.rows)


def hide_conflicted_decisions(table: DecisionTable, hidden: frozenset[int]) -> int:
    """Same as ``hide_conflicted_proposal``, for the decisions of a meeting."""
    before = len(table.rows)
    table.rows = [r for r in table.rows if r.application.pk not in hidden]
    return before - len(table.rows)
