"""Selection from the database: load a call, solve with the pure optimiser, keep the run.

``selection_build`` reads the call's policy (``SelectionSettings``), the reviewed
applications (scores from ``review.queries.call_ranking``, on 20), their region and
their requests to each co-funder, and solves. ``selection_save`` keeps the proposal
as a ``SelectionRun`` for the committee; decisions are recorded separately.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.applications.enums import ApplicationState, ResourceKind
from laureat.applications.models import Application, ResourceLine
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.programmes.models import Call
from laureat.review.queries import call_ranking
from laureat.selection.models import SelectionRun, SelectionSettings
from laureat.selection.optimiser import (
    Objective,
    ScoreScale,
    SelectionInfeasible,
    SelectionProblem,
    SelectionResult,
    solve_selection,
)

# Applications the committee may select (an ineligible one is listed, never selected).
SELECTABLE_STATES = (
    ApplicationState.SUBMITTED,
    ApplicationState.ELIGIBLE,
    ApplicationState.IN_REVIEW,
)
CONSIDERED_STATES = (*SELECTABLE_STATES, ApplicationState.INELIGIBLE)


def selection_settings_for(call: Call) -> SelectionSettings:
    selection_settings, _created = SelectionSettings.objects.get_or_create(call=call)
    return selection_settings


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass
class SelectionRunData:
    call: Call
    problem: SelectionProblem
    result: SelectionResult
    funder_slugs: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        result = self.result
        selected = [int(i) for i in result.selected_ids]
        per_funder = {
            slug: round(result.totals_per_funder[name], 2)
            for slug, name in zip(self.funder_slugs, self.problem.funders, strict=True)
        }
        return {
            "call": self.call.slug,
            "objective_kind": str(self.problem.objective),
            "score_scale": str(self.problem.score_scale),
            "selected": selected,
            "objective": result.objective,
            "bound": result.bound,
            "gap": result.gap,
            "status": str(result.status),
            "budget": self.problem.budget,
            "awarded_total": round(float(np.sum(result.awards)), 2),
            "per_funder": per_funder,
            "per_region": {
                code: {"count": total.count, "amount": round(total.amount, 2)}
                for code, total in sorted(result.totals_per_region.items())
                if total.count
            },
            "explanations": {
                str(app_id): {
                    "code": str(explanation.code),
                    "message": explanation.message,
                    "score": explanation.score,
                    "needed_score": explanation.needed_score,
                    "award": round(explanation.award, 2),
                }
                for app_id, explanation in sorted(result.explanations.items())
            },
            "baseline": {
                "kind": result.baseline.kind,
                "selected": [int(i) for i in result.baseline.selected_ids],
                "objective": result.baseline.objective,
            },
            "diff": {
                "entered": [int(i) for i in result.diff.entered],
                "left": [int(i) for i in result.diff.left],
                "score_gained": result.diff.score_gained,
                "regions_covered": result.diff.regions_covered,
                "baseline_regions_covered": result.diff.baseline_regions_covered,
            },
            "seconds": round(result.seconds, 4),
        }


def selection_build(
    *, call: Call, forced_in: frozenset[int] = frozenset(), forced_out: frozenset[int] = frozenset()
) -> SelectionRunData:
    """Solve the call's selection with its policy. Raises ``DomainError`` with the
    optimiser's message when the constraints conflict, or when nothing can be selected."""
    policy = selection_settings_for(call)
    envelopes = list(call.envelopes.select_related("funder").order_by("funder__slug"))
    if not envelopes:
        raise DomainError(_("L'appel n'a pas d'enveloppe de cofinanceur : rien à répartir."))
    scores = {row.application_id: row.score for row in call_ranking(call)}
    applications = list(
        Application.objects.filter(call=call, state__in=CONSIDERED_STATES)
        .select_related("commune__department")
        .order_by("pk")
    )
    if not applications:
        raise DomainError(_("Aucune candidature déposée dans cet appel."))
    index = {a.pk: i for i, a in enumerate(applications)}
    funder_index = {e.funder_id: f for f, e in enumerate(envelopes)}
    requests = np.zeros((len(applications), len(envelopes)))
    for application_id, funder_id, amount in ResourceLine.objects.filter(
        application__in=applications, kind=ResourceKind.FUNDER
    ).values_list("application_id", "funder_id", "amount"):
        if funder_id in funder_index:
            requests[index[application_id], funder_index[funder_id]] += float(amount)
    problem = SelectionProblem(
        ids=np.array([a.pk for a in applications]),
        scores=np.array([scores.get(a.pk, 0.0) for a in applications]),
        regions=np.array(
            [a.commune.department.region_id if a.commune else "" for a in applications]
        ),
        requests=requests,
        eligible=np.array([a.state in SELECTABLE_STATES and a.pk in scores for a in applications]),
        budget=float(call.budget),
        envelopes=np.array([float(e.amount) for e in envelopes]),
        funders=tuple(str(e.funder) for e in envelopes),
        objective=Objective(policy.objective),
        score_scale=ScoreScale(policy.score_scale),
        min_score=_optional(policy.min_score),
        region_floor=policy.region_floor,
        region_floor_score=_optional(policy.region_floor_score),
        region_cap_count=policy.region_cap_count,
        region_cap_share=_optional(policy.region_cap_share),
        forced_in=forced_in,
        forced_out=forced_out,
        partial_min=_optional(policy.partial_min),
    )
    try:
        result = solve_selection(problem)
    except SelectionInfeasible as error:
        raise DomainError(
            _("Les contraintes de sélection sont incompatibles : %s") % error, code="infeasible"
        ) from error
    return SelectionRunData(
        call=call,
        problem=problem,
        result=result,
        funder_slugs=tuple(e.funder.slug for e in envelopes),
    )


@transaction.atomic
def selection_save(*, run: SelectionRunData, by: User | None) -> SelectionRun:
    """Keep a proposal. Side effects: a SelectionRun; audit entry ``selection.run``."""
    data = run.as_json()
    record = SelectionRun.objects.create(call=run.call, by=by, result=data)
    log_action(
        actor=by,
        action="selection.run",
        obj=run.call,
        data={
            "selected": len(data["selected"]),
            "objective": data["objective"],
            "gap": data["gap"],
            "run": record.pk,
        },
    )
    return record
