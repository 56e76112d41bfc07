"""The demo's selection and results: the call's policy, the optimiser's proposal, the
committee meeting and the publication — all through the selection domain functions.

Nothing here says who the laureates are: ``build_selection`` writes the policy of
``facts.TI40_SELECTION_POLICY`` and lets the optimiser choose from the reviews, the
requests and the envelopes; ``build_publication`` has the committee adopt that
proposal and publishes it.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import Sum
from django.utils import translation
from django.utils.formats import date_format

from laureat.accounts.models import User
from laureat.core.money import ZERO, format_eur, to_money
from laureat.demo import facts
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call
from laureat.review.models import Review, Reviewer
from laureat.selection.domain import (
    decisions_load_proposal,
    decisions_publish,
    meeting_close,
    meeting_create,
    selection_build,
    selection_save,
    selection_settings_update,
)
from laureat.selection.enums import DecisionOutcome
from laureat.selection.models import Decision, DecisionAward, SelectionRun
from laureat.selection.optimiser import Objective, ScoreScale
from laureat.territories.models import Region


def build_selection(*, call: Call, by: User) -> SelectionRun:
    """Set the call's selection policy, solve and keep the proposal.

    Side effects: ``SelectionSettings`` (audit ``selection.settings_update``); a
    ``SelectionRun`` (audit ``selection.run``).
    """
    selection_settings_update(call=call, by=by, **facts.TI40_SELECTION_POLICY._asdict())
    return selection_save(run=selection_build(call=call), by=by)


def build_publication(*, call: Call, run: SelectionRun, by: User) -> int:
    """The committee meets a few days before the announcement, adopts the proposal
    ``run`` as it stands (laureates, waiting list, the others not selected with the
    optimiser's reason), and the manager publishes on the announcement day.

    Returns the number of decisions published. Side effects: a ``CommitteeMeeting``
    (closed), the decisions and awards, the applications' transitions, the call's
    state (results published), and their audit entries.
    """
    committee = facts.TI40_COMMITTEE
    reviewers = [reviewer.user for reviewer in committee_reviewers(call)]
    meeting = meeting_create(
        call=call,
        by=by,
        held_on=committee.held_on,
        place=committee.place,
        members=[by, *reviewers],
        quorum=committee.quorum,
        minutes=_minutes(run, present=1 + len(reviewers), waiting=committee.waiting_list_size),
    )
    decisions_load_proposal(
        meeting=meeting, run=run, by=by, waiting_list_size=committee.waiting_list_size
    )
    meeting_close(meeting=meeting, by=by, now=committee.closed_at)
    return decisions_publish(call=call, by=by, now=committee.published_at)


def _minutes(run: SelectionRun, *, present: int, waiting: int) -> str:
    """The minutes, written from the proposal's figures."""
    data: dict[str, Any] = run.result
    selected = len(data["selected"])
    candidates = len(data["explanations"])
    overseas = Region.objects.filter(code__in=list(data["per_region"]), overseas=True).count()
    metropolitan = len(data["per_region"]) - overseas
    awarded = format_eur(to_money(str(data["awarded_total"])))
    with translation.override("fr"):
        announced = date_format(facts.TI40.results_at, "j F Y")
    return (
        f"Séance du comité de sélection de l'AMI « Territoires d'industrie 4.0 » : "
        f"{present} membres présents, le quorum est atteint.\n\n"
        f"Le comité a examiné la proposition calculée selon la politique de sélection de "
        f"l'appel ({_policy_text(facts.TI40_SELECTION_POLICY)}) : {selected} lauréats sur "
        f"{candidates} candidatures, dans {metropolitan} régions métropolitaines et {overseas} "
        f"d'outre-mer, pour {awarded}.\n\n"
        f"Le comité adopte la proposition sans modification et arrête une liste d'attente "
        f"de {waiting} dossiers, dans l'ordre du classement. Les résultats seront annoncés "
        f"le {announced}."
    )


def _policy_text(policy: facts.SelectionPolicy) -> str:
    """The policy in a few French words, for the minutes."""
    scores = "normalisés" if policy.score_scale == ScoreScale.NORMALISED else "bruts"
    parts = [
        f"somme des scores {scores}"
        if policy.objective == Objective.TOTAL_SCORE
        else f"montants pondérés par les scores {scores}"
    ]
    if policy.min_score is not None:
        parts.append(f"note minimale {policy.min_score}/20")
    else:
        parts.append("sans note minimale")
    if policy.region_floor == 1:
        parts.append("au moins un lauréat par région candidate")
    elif policy.region_floor:
        parts.append(f"au moins {policy.region_floor} lauréats par région candidate")
    if policy.region_cap_count is not None:
        parts.append(f"au plus {policy.region_cap_count} lauréats par région")
    if policy.region_cap_share is not None:
        parts.append(f"au plus {policy.region_cap_share * 100:.0f} % du budget par région")
    parts.append(
        "sans financement partiel"
        if policy.partial_min is None
        else f"financement partiel dès {policy.partial_min * 100:.0f} % de la demande"
    )
    return ", ".join(parts)


@dataclass
class SelectionSummary:
    """What the demo command prints about the selection of a call."""

    published: bool
    laureates: int
    candidates: int
    metropolitan_regions: int
    overseas_regions: int
    awarded: Decimal
    budget: Decimal
    # funder short name -> (awarded, envelope)
    per_funder: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    cutoff_laureates: int = 0
    waiting_list: int = 0
    # the best-ranked application left out: (rank, score, score it would have needed)
    first_left_out: tuple[int, float, float | None] | None = None


def _published(call: Call) -> bool:
    # Read from the database: publication saves the call through another instance.
    state = Call.objects.values_list("state", flat=True).get(pk=call.pk)
    return state == CallState.RESULTS_PUBLISHED


def selection_summary(call: Call) -> SelectionSummary | None:
    """The published results of ``call``, else its latest proposal; None without either."""
    run = call.selection_runs.order_by("-created_at", "-pk").first()
    published = _published(call)
    if run is None and not published:
        return None
    envelopes = {
        e.funder_id: (e.funder.short_name or e.funder.name, e.amount)
        for e in call.envelopes.select_related("funder").order_by("funder__slug")
    }
    data: dict[str, Any] = run.result if run is not None else {}
    if published:
        laureates = Decision.objects.filter(
            application__call=call,
            outcome=DecisionOutcome.LAUREATE,
            published_at__isnull=False,
        )
        region_codes = set(
            laureates.values_list("application__commune__department__region_id", flat=True)
        )
        totals = dict(
            DecisionAward.objects.filter(decision__in=laureates)
            .values_list("funder_id")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        count = laureates.count()
        waiting_list = Decision.objects.filter(
            application__call=call, outcome=DecisionOutcome.WAITING_LIST
        ).count()
    else:
        region_codes = set(data["per_region"])
        by_slug = {e.funder.slug: e.funder_id for e in call.envelopes.select_related("funder")}
        totals = {
            by_slug[slug]: to_money(str(amount)) for slug, amount in data["per_funder"].items()
        }
        count = len(data["selected"])
        waiting_list = 0
    overseas = set(
        Region.objects.filter(code__in=region_codes, overseas=True).values_list("code", flat=True)
    )
    first_left_out = None
    left_out = [
        e for e in data.get("explanations", {}).values() if e["code"] in ("budget", "region_cap")
    ]
    if left_out:
        best = min(left_out, key=lambda e: e.get("rank") or 0)
        first_left_out = (int(best.get("rank") or 0), best["score"], best["needed_score"])
    return SelectionSummary(
        published=published,
        laureates=count,
        candidates=call.applications.exclude(submitted_at=None).count(),
        metropolitan_regions=len(region_codes - overseas),
        overseas_regions=len(overseas),
        awarded=to_money(sum(totals.values(), ZERO)),
        budget=call.budget,
        per_funder={
            name: (to_money(totals.get(funder_id, ZERO)), amount)
            for funder_id, (name, amount) in envelopes.items()
        },
        cutoff_laureates=len(data.get("baseline", {}).get("selected", [])),
        waiting_list=waiting_list,
        first_left_out=first_left_out,
    )


def committee_reviewers(call: Call) -> list[Reviewer]:
    """The reviewers who sit on the committee (the first of the call's pool)."""
    return list(
        Reviewer.objects.filter(call=call)
        .select_related("user")
        .order_by("pk")[: facts.TI40_COMMITTEE.reviewer_members]
    )


# --- the lifecycle stages the demo builds up to -----------------------------------


class DemoStage(StrEnum):
    """How far the demo goes: applications submitted; reviews in (no selection run);
    the optimiser's proposal kept (no decision); decisions published."""

    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    SELECTED = "selected"
    PUBLISHED = "published"

    @property
    def order(self) -> int:
        return list(DemoStage).index(self)


def demo_stage(call: Call) -> DemoStage:
    """The stage the demo call has reached."""
    if _published(call):
        return DemoStage.PUBLISHED
    if call.selection_runs.exists():
        return DemoStage.SELECTED
    if Review.objects.filter(
        assignment__application__call=call, submitted_at__isnull=False
    ).exists():
        return DemoStage.REVIEWED
    return DemoStage.SUBMITTED


def advance_to(*, call: Call, stage: DemoStage, by: User) -> bool:
    """Take a reviewed demo call on to ``stage`` (selection, then publication); returns
    whether anything was built. A call not yet reviewed stays as it is: its reviews
    are drawn with the applications, from the same seed."""
    current = demo_stage(call)
    if current.order < DemoStage.REVIEWED.order or stage.order <= current.order:
        return False
    run = (
        build_selection(call=call, by=by)
        if current == DemoStage.REVIEWED
        else call.selection_runs.order_by("-created_at", "-pk").first()
    )
    if stage == DemoStage.PUBLISHED and run is not None:
        build_publication(call=call, run=run, by=by)
    return True
