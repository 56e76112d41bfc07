"""The selection optimiser, checked against an independent brute force on small calls."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from unittest import mock

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from laureat.selection import optimiser
from laureat.selection.optimiser import (
    ConstraintRef,
    ExplanationCode,
    Objective,
    ScoreScale,
    SelectionInfeasible,
    SelectionProblem,
    SelectionResult,
    check_selection,
    lp_relaxation_bound,
    merit_order,
    needed_score,
    ranking_cutoff,
    solve_selection,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def problem_of(
    scores: Sequence[float],
    requests: Sequence[Sequence[float]] | Sequence[float],
    *,
    regions: Sequence[str] | None = None,
    eligible: Sequence[bool] | None = None,
    budget: float,
    envelopes: Sequence[float] | None = None,
    ids: Sequence[int] | None = None,
    **options: object,
) -> SelectionProblem:
    n = len(scores)
    asks = np.asarray(requests, dtype=np.float64).reshape(n, -1)
    return SelectionProblem(
        ids=np.asarray(ids if ids is not None else range(1, n + 1), dtype=np.int64),
        scores=np.asarray(scores, dtype=np.float64),
        regions=np.asarray(regions if regions is not None else ["R"] * n),
        requests=asks,
        eligible=np.asarray(eligible if eligible is not None else [True] * n),
        budget=budget,
        envelopes=np.asarray(
            envelopes if envelopes is not None else [budget] * asks.shape[1], dtype=np.float64
        ),
        **options,  # type: ignore[arg-type]  # the keyword options of SelectionProblem
    )


# --------------------------------------------------------------------------- brute force


def _selectable(problem: SelectionProblem) -> list[bool]:
    out = []
    for i in range(problem.n):
        forced = int(problem.ids[i]) in problem.forced_in
        above = problem.min_score is None or problem.scores[i] >= problem.min_score
        out.append(bool(problem.eligible[i]) and (above or forced))
    return out


def _weights(problem: SelectionProblem) -> list[float]:
    selectable = _selectable(problem)
    scores = [float(s) for s in problem.scores]
    if problem.score_scale is ScoreScale.RAW or not any(selectable):
        return scores
    pool = [s for s, ok in zip(scores, selectable, strict=True) if ok]
    low, span = min(pool), max(pool) - min(pool)
    return [(s - low) / (span or 1.0) for s in scores]


def _floor_requirements(problem: SelectionProblem) -> dict[str, int]:
    """The documented rule, written out plainly."""
    selectable = _selectable(problem)
    threshold = problem.region_floor_score
    if threshold is None:
        threshold = problem.min_score if problem.min_score is not None else -math.inf
    out = {}
    for region in sorted(set(problem.regions.tolist())):
        members = [i for i in range(problem.n) if problem.regions[i] == region]
        qualifies = any(problem.eligible[i] and problem.scores[i] >= threshold for i in members)
        count = sum(selectable[i] for i in members)
        out[region] = min(problem.region_floor, count) if qualifies else 0
    return out


def feasible(problem: SelectionProblem, chosen: set[int]) -> bool:
    """Whether funding the applications at positions ``chosen`` in full is allowed."""
    selectable = _selectable(problem)
    ids = problem.ids.tolist()
    if any(not selectable[i] for i in chosen):
        return False
    if any(ids[i] in problem.forced_out for i in chosen):
        return False
    if any(
        ids[i] not in {ids[j] for j in chosen}
        for i in range(problem.n)
        if ids[i] in problem.forced_in
    ):
        return False
    eps = 1e-6
    if sum(problem.requests[i].sum() for i in chosen) > problem.budget + eps:
        return False
    for f in range(problem.requests.shape[1]):
        if sum(problem.requests[i, f] for i in chosen) > problem.envelopes[f] + eps:
            return False
    for region, need in _floor_requirements(problem).items():
        members = [i for i in chosen if problem.regions[i] == region]
        if len(members) < need:
            return False
        if problem.region_cap_count is not None and len(members) > problem.region_cap_count:
            return False
        if problem.region_cap_share is not None:
            money = sum(problem.requests[i].sum() for i in members)
            if money > problem.region_cap_share * problem.budget + eps:
                return False
    return True


def value(problem: SelectionProblem, chosen: set[int], weights: list[float] | None = None) -> float:
    weights = weights if weights is not None else _weights(problem)
    if problem.objective is Objective.MERIT_MONEY:
        return sum(weights[i] * float(problem.requests[i].sum()) for i in chosen)
    return sum(weights[i] for i in chosen)


def brute_force(
    problem: SelectionProblem,
    *,
    weights: list[float] | None = None,
    must: int | None = None,
    never: int | None = None,
) -> float | None:
    """The best objective over every subset (None: no subset is feasible)."""
    best: float | None = None
    for size in range(problem.n + 1):
        for subset in itertools.combinations(range(problem.n), size):
            chosen = set(subset)
            if (must is not None and must not in chosen) or (never is not None and never in chosen):
                continue
            if feasible(problem, chosen):
                v = value(problem, chosen, weights)
                best = v if best is None or v > best else best
    return best


# --------------------------------------------------------------------------- strategies


@st.composite
def problems(draw: st.DrawFn, *, max_n: int = 9, partial: bool = False) -> SelectionProblem:
    n = draw(st.integers(1, max_n))
    n_funders = draw(st.integers(1, 3))
    scores = draw(st.lists(st.integers(0, 40).map(lambda s: s / 2), min_size=n, max_size=n))
    asks = draw(
        st.lists(
            st.lists(
                st.integers(0, 20).map(lambda a: a * 1000.0), min_size=n_funders, max_size=n_funders
            ),
            min_size=n,
            max_size=n,
        )
    )
    regions = draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=n, max_size=n))
    eligible = [draw(st.integers(0, 9)) > 0 for _ in range(n)]  # mostly eligible
    total = float(np.asarray(asks).sum()) or 1000.0
    budget = float(round(total * draw(st.floats(0.1, 1.0)), -2))
    per_funder = np.asarray(asks).sum(axis=0)
    envelopes = [
        float(round(per_funder[f] * draw(st.floats(0.2, 1.2)), -2)) for f in range(n_funders)
    ]
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    positions = list(range(n))
    forced_in = draw(st.sets(st.sampled_from(positions), max_size=1)) if n else set()
    forced_in = {i for i in forced_in if eligible[i]}
    forced_out = draw(st.sets(st.sampled_from(positions), max_size=2)) - forced_in
    return SelectionProblem(
        ids=np.asarray(ids, dtype=np.int64),
        scores=np.asarray(scores, dtype=np.float64),
        regions=np.asarray(regions),
        requests=np.asarray(asks, dtype=np.float64),
        eligible=np.asarray(eligible),
        budget=budget,
        envelopes=np.asarray(envelopes),
        objective=draw(st.sampled_from(list(Objective))),
        score_scale=draw(st.sampled_from(list(ScoreScale))),
        min_score=draw(st.none() | st.sampled_from([5.0, 10.0])),
        region_floor=draw(st.integers(0, 2)),
        region_floor_score=draw(st.none() | st.sampled_from([8.0, 12.0])),
        region_cap_count=draw(st.none() | st.integers(1, 4)),
        region_cap_share=draw(st.none() | st.sampled_from([0.3, 0.5, 0.8])),
        forced_in=frozenset(ids[i] for i in forced_in),
        forced_out=frozenset(ids[i] for i in forced_out),
        partial_min=draw(st.none() | st.sampled_from([0.5, 0.8])) if partial else None,
    )


@contextmanager
def sifting_forced() -> Iterator[None]:
    """Make even tiny calls go through sifting, the sampled duals and the core problem."""
    with (
        mock.patch.object(optimiser, "SIFT_WINDOW", 1),
        mock.patch.object(optimiser, "SIFT_ADD", 1),
        mock.patch.object(optimiser, "SIFT_SAMPLE", 2),
        mock.patch.object(optimiser, "CORE_SIZE", 1),
    ):
        yield


def solve_or_none(problem: SelectionProblem, *, needed: bool = False) -> SelectionResult | None:
    """The optimiser's result, None when infeasible; ``needed``: with needed scores."""
    try:
        return solve_selection(problem, needed_scores=None if needed else 0)
    except SelectionInfeasible:
        return None


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(problems(partial=True))
def test_solution_respects_every_constraint_with_or_without_partial_funding(
    problem: SelectionProblem,
) -> None:
    result = solve_or_none(problem)
    if result is None:  # partial funding only widens the choice
        assert brute_force(replace(problem, partial_min=None)) is None
        return
    assert check_selection(problem, result) == ()
    chosen = result.fraction > 0
    p = problem.partial_min or 1.0
    assert np.all(result.fraction[chosen] >= p - 1e-9)
    assert np.all(result.fraction <= 1 + 1e-9)
    if problem.partial_min is None:
        assert feasible(problem, set(np.flatnonzero(chosen).tolist()))
    assert sum(result.totals_per_funder.values()) <= problem.budget + 1e-6


@SETTINGS
@given(problems())
def test_objective_equals_brute_force_on_small_calls(problem: SelectionProblem) -> None:
    best = brute_force(problem)
    result = solve_or_none(problem)
    if best is None:
        assert result is None
        return
    assert result is not None
    assert result.objective == pytest.approx(best, rel=1e-6, abs=1e-9)
    assert result.gap <= 1e-4
    assert result.bound >= best - 1e-6 * max(1.0, abs(best))


@SETTINGS
@given(problems())
def test_objective_equals_brute_force_when_sifting_on_small_calls(
    problem: SelectionProblem,
) -> None:
    best = brute_force(problem)
    with sifting_forced():
        result = solve_or_none(problem)
    if best is None:
        assert result is None
        return
    assert result is not None
    assert check_selection(problem, result) == ()
    assert result.objective == pytest.approx(best, rel=1e-6, abs=1e-9)


@SETTINGS
@given(problems())
def test_explanations_agree_with_the_solution(problem: SelectionProblem) -> None:
    result = solve_or_none(problem, needed=True)
    if result is None:
        return
    ids = problem.ids.tolist()
    chosen = {i for i in range(problem.n) if result.fraction[i] > 0}
    spent = sum(float(problem.requests[i].sum()) for i in chosen)
    assert set(result.explanations) == set(ids)
    for i, app_id in enumerate(ids):
        why = result.explanations[app_id]
        assert isinstance(why.message, str)
        assert why.message
        if why.code in (ExplanationCode.SELECTED, ExplanationCode.FORCED_IN):
            assert i in chosen
            continue
        assert i not in chosen
        if why.code is ExplanationCode.BUDGET:
            # It would indeed not fit: the budget or an envelope would break.
            ask = problem.requests[i]
            over_budget = spent + ask.sum() > problem.budget + 1e-6
            over_envelope = any(
                sum(problem.requests[j, f] for j in chosen) + ask[f] > problem.envelopes[f] + 1e-6
                for f in range(problem.requests.shape[1])
            )
            assert over_budget or over_envelope
        elif why.code is ExplanationCode.REGION_CAP:
            members = [j for j in chosen if problem.regions[j] == problem.regions[i]]
            money = sum(float(problem.requests[j].sum()) for j in members)
            at_count = (
                problem.region_cap_count is not None and len(members) >= problem.region_cap_count
            )
            at_share = problem.region_cap_share is not None and (
                money + problem.requests[i].sum() > problem.region_cap_share * problem.budget + 1e-6
            )
            assert at_count or at_share
        elif why.code is ExplanationCode.INELIGIBLE:
            assert not problem.eligible[i]
        elif why.code is ExplanationCode.FORCED_OUT:
            assert app_id in problem.forced_out
        elif why.code is ExplanationCode.BELOW_MIN_SCORE:
            assert problem.min_score is not None
            assert problem.scores[i] < problem.min_score


# Found by CI: an application asking nothing, kept out by the region cap, whose score
# cannot change the merit-weighted-money objective.
@example(
    problem=SelectionProblem(
        ids=np.arange(1, 10),
        scores=np.array([0, 0, 0, 0.5, 0, 0, 0, 0, 0]),
        regions=np.array(["A"] * 9),
        requests=np.array([[0.0]] * 3 + [[1000.0]] + [[0.0]] * 5),
        eligible=np.array([False] * 3 + [True] + [False] * 4 + [True]),
        budget=1000.0,
        envelopes=np.array([1000.0]),
        region_cap_count=1,
    )
)
@SETTINGS
@given(problems())
def test_needed_score_is_the_score_at_which_it_would_enter(problem: SelectionProblem) -> None:
    problem = replace(problem, score_scale=ScoreScale.RAW)
    result = solve_or_none(problem, needed=True)
    if result is None:
        return
    best_without = result.objective
    for i, app_id in enumerate(problem.ids.tolist()):
        why = result.explanations[app_id]
        if why.code not in (ExplanationCode.BUDGET, ExplanationCode.REGION_CAP):
            continue
        assert why.needed_computed

        def best_with(score: float, i: int = i) -> float | None:
            weights = _weights(problem)
            weights[i] = score
            return brute_force(problem, weights=weights, must=i)

        if why.needed_score is None:
            # No score makes a selection that includes it better than the optimum: it
            # cannot fit at all, or (asking nothing, under merit-weighted money) its
            # score adds nothing to the objective.
            forced = best_with(1e6)
            assert forced is None or forced <= best_without + 1e-6 * abs(best_without)
            continue
        assert why.needed_score >= problem.scores[i]

        above = best_with(why.needed_score + 0.01)
        assert above is not None
        assert above >= best_without - 1e-6 * abs(best_without)
        if why.needed_score - 0.01 > problem.scores[i]:
            below = best_with(why.needed_score - 0.01)
            assert below is None or below <= best_without + 1e-6 * abs(best_without)


@SETTINGS
@given(problems())
def test_optimiser_is_never_worse_than_merit_order(problem: SelectionProblem) -> None:
    baseline = merit_order(problem)
    result = solve_or_none(problem)
    if result is None:
        assert baseline.violations
        return
    if not baseline.violations:
        assert result.objective >= baseline.objective - 1e-9 * max(1.0, abs(baseline.objective))


@SETTINGS
@given(problems())
def test_diff_lists_who_enters_and_who_leaves(problem: SelectionProblem) -> None:
    result = solve_or_none(problem)
    if result is None:
        return
    chosen, base = set(result.selected_ids), set(result.baseline.selected_ids)
    assert set(result.diff.entered) == chosen - base
    assert set(result.diff.left) == base - chosen
    scores = dict(zip(problem.ids.tolist(), problem.scores.tolist(), strict=True))
    gained = sum(scores[i] for i in chosen) - sum(scores[i] for i in base)
    assert result.diff.score_gained == pytest.approx(gained)
    assert result.diff.objective_gained == pytest.approx(
        result.objective - result.baseline.objective
    )


@SETTINGS
@given(problems(), st.randoms(use_true_random=False))
def test_same_input_in_any_order_gives_the_same_selection(
    problem: SelectionProblem, random: object
) -> None:
    first = solve_or_none(problem)
    perm = np.random.default_rng(abs(hash(random)) % 2**32).permutation(problem.n)
    shuffled = replace(
        problem,
        ids=problem.ids[perm],
        scores=problem.scores[perm],
        regions=problem.regions[perm],
        requests=problem.requests[perm],
        eligible=problem.eligible[perm],
    )
    second = solve_or_none(shuffled)
    if first is None:
        assert second is None
        return
    assert second is not None
    assert second.selected_ids == first.selected_ids
    assert solve_selection(problem, needed_scores=0).selected_ids == first.selected_ids


def test_sifting_on_a_medium_call_is_within_the_gap_of_the_lp_bound() -> None:
    rng = np.random.default_rng(7)
    n = 3_000
    requests = np.round(rng.lognormal(np.log(150_000), 0.6, (n, 1)) * [0.3, 0.7], -3)
    problem = SelectionProblem(
        ids=np.arange(1, n + 1),
        scores=np.round(rng.normal(13, 3, n) * 2) / 2,
        regions=rng.choice(["11", "84", "75", "76", "32", "94"], n),
        requests=requests,
        eligible=rng.random(n) < 0.95,
        budget=float(requests.sum() * 0.4),
        envelopes=requests.sum(axis=0) * 0.42,
        min_score=10.0,
        region_floor=1,
        region_cap_share=0.3,
    )
    with mock.patch.object(optimiser, "SIFT_WINDOW", 100):
        result = solve_selection(problem)
    assert check_selection(problem, result) == ()
    assert result.gap <= 1e-4
    bound = lp_relaxation_bound(problem)
    assert result.objective >= bound * (1 - 1e-4)
    assert result.objective <= bound * (1 + 1e-9)


# --------------------------------------------------------------------------- examples


def test_tie_break_prefers_the_lower_id_when_score_and_request_tie() -> None:
    problem = problem_of([15, 15, 15], [100, 100, 100], ids=[30, 10, 20], budget=200)
    assert solve_selection(problem).selected_ids == (10, 20)


def test_tie_break_prefers_the_cheaper_request_when_scores_tie() -> None:
    # Merit money: 15 x 100 + 15 x 100 == 15 x 200; the rank order prefers cheaper ones.
    problem = problem_of([15, 15, 15], [200, 100, 100], ids=[1, 2, 3], budget=200)
    assert solve_selection(problem).selected_ids == (2, 3)


def test_total_score_objective_favours_many_cheaper_projects() -> None:
    scores = [18, 12, 12, 12]
    requests = [300, 100, 100, 100]
    money = solve_selection(problem_of(scores, requests, budget=300))
    count = solve_selection(problem_of(scores, requests, budget=300, objective="total_score"))
    assert money.selected_ids == (1,)
    assert count.selected_ids == (2, 3, 4)


def test_normalised_scale_gives_the_weakest_selectable_score_zero_weight() -> None:
    problem = problem_of(
        [20, 10, 15], [100, 100, 100], budget=300, objective="total_score", score_scale="normalised"
    )
    assert solve_selection(problem).objective == pytest.approx(1.0 + 0.0 + 0.5)


def test_partial_funding_scales_every_funder_proportionally() -> None:
    problem = problem_of(
        [18, 15], [[60, 40], [60, 40]], budget=150, envelopes=[200, 200], partial_min=0.5
    )
    result = solve_selection(problem)
    assert result.selected_ids == (1, 2)
    assert result.fraction.tolist() == pytest.approx([1.0, 0.5])
    assert result.awards.ravel().tolist() == pytest.approx([60, 40, 30, 20])
    assert result.totals_per_funder == pytest.approx({"funder 1": 90, "funder 2": 60})
    assert check_selection(problem, result) == ()


def test_region_floor_brings_in_the_best_of_a_region_that_applied() -> None:
    problem = problem_of(
        [19, 18, 17, 11],
        [100, 100, 100, 100],
        regions=["IDF", "IDF", "IDF", "COR"],
        budget=300,
        region_floor=1,
        region_floor_score=10,
    )
    result = solve_selection(problem)
    assert result.selected_ids == (1, 2, 4)
    assert result.totals_per_region["COR"].count == 1
    assert result.explanations[3].code is ExplanationCode.BUDGET
    assert result.baseline.selected_ids == (1, 2, 3)
    assert result.diff.entered == (4,)
    assert result.diff.left == (3,)
    assert result.diff.regions_gained == ("COR",)


def test_region_floor_ignores_a_region_without_an_application_above_the_floor_score() -> None:
    problem = problem_of(
        [19, 18, 9],
        [100, 100, 100],
        regions=["IDF", "IDF", "COR"],
        budget=200,
        region_floor=1,
        region_floor_score=10,
    )
    assert solve_selection(problem).selected_ids == (1, 2)


def test_region_cap_share_is_explained() -> None:
    problem = problem_of(
        [19, 18, 12],
        [100, 100, 100],
        regions=["IDF", "IDF", "BRE"],
        budget=300,
        region_cap_share=0.4,
    )
    result = solve_selection(problem)
    assert result.selected_ids == (1, 3)
    why = result.explanations[2]
    assert why.code is ExplanationCode.REGION_CAP
    assert why.region == "IDF"
    assert "region IDF is at its cap" in why.message


def test_out_for_budget_gives_the_score_it_would_have_needed() -> None:
    # Budget 200: {1} alone (18 x 200 = 3600) beats {2, 3} (12 x 100 + 11 x 100 = 2300).
    problem = problem_of([18, 12, 11], [200, 100, 100], budget=200, envelopes=[1000])
    result = solve_selection(problem)
    assert result.selected_ids == (1,)
    why = result.explanations[2]
    assert why.code is ExplanationCode.BUDGET
    assert why.blocked_by == ("call budget",)
    # With 3 also out, 2 enters with 3 when s x 100 + 1100 >= 3600: s >= 25.
    assert why.needed_score == pytest.approx(25.0, abs=1e-3)
    assert "would have needed a score of 25.00" in why.message
    assert needed_score(problem, result, 2) == pytest.approx(25.0, abs=1e-3)


def test_needed_score_is_left_to_on_demand_for_large_calls() -> None:
    problem = problem_of([18, 12, 11], [200, 100, 100], budget=200)
    result = solve_selection(problem, needed_scores=0)
    why = result.explanations[2]
    assert why.needed_score is None
    assert not why.needed_computed
    assert "would have needed" not in why.message


def test_application_too_big_for_any_score_is_said_so() -> None:
    problem = problem_of([18, 12], [100, 500], budget=300)
    result = solve_selection(problem)
    why = result.explanations[2]
    assert why.code is ExplanationCode.BUDGET
    assert why.needed_computed
    assert why.needed_score is None
    assert "cannot be selected at any score" in why.message


def test_explanations_name_ineligible_below_minimum_and_forced() -> None:
    problem = problem_of(
        [18, 17, 8, 15, 14],
        [100] * 5,
        eligible=[True, False, True, True, True],
        budget=500,
        min_score=10,
        forced_in={5},
        forced_out={4},
    )
    result = solve_selection(problem)
    codes = {i: why.code for i, why in result.explanations.items()}
    assert codes == {
        1: ExplanationCode.SELECTED,
        2: ExplanationCode.INELIGIBLE,
        3: ExplanationCode.BELOW_MIN_SCORE,
        4: ExplanationCode.FORCED_OUT,
        5: ExplanationCode.FORCED_IN,
    }
    assert result.explanations[3].message == (
        "Not selected: score 8 is below the minimum score 10."
    )


def test_forced_in_overrides_the_minimum_score() -> None:
    problem = problem_of([18, 8], [100, 100], budget=200, min_score=10, forced_in={2})
    assert solve_selection(problem).selected_ids == (1, 2)


# --------------------------------------------------------------------------- infeasible


def test_infeasible_floor_names_the_region_and_the_forced_out_application() -> None:
    problem = problem_of(
        [19, 18, 12],
        [100, 100, 100],
        regions=["IDF", "IDF", "COR"],
        budget=300,
        region_floor=1,
        forced_out={3},
    )
    with pytest.raises(SelectionInfeasible) as caught:
        solve_selection(problem)
    assert set(caught.value.conflicts) == {
        "region floor COR (at least 1 laureate(s))",
        "forced out: application 3",
    }
    assert "region floor COR" in str(caught.value)
    assert set(caught.value.constraints) == {
        ConstraintRef("region_floor", "COR", 1.0),
        ConstraintRef("forced_out", 3),
    }


def test_infeasible_forced_choices_over_budget_name_the_budget_and_both() -> None:
    problem = problem_of([19, 18, 12], [200, 200, 50], budget=300, forced_in={1, 2})
    with pytest.raises(SelectionInfeasible) as caught:
        solve_selection(problem)
    assert set(caught.value.conflicts) == {
        "call budget (at most 300)",
        "forced in: application 1",
        "forced in: application 2",
    }


def test_infeasible_floors_over_an_envelope_name_the_envelope_and_the_floors() -> None:
    problem = problem_of(
        [19, 18, 17],
        [[0, 100], [0, 100], [10, 0]],
        regions=["A", "B", "C"],
        budget=1000,
        envelopes=[1000, 150],
        funders=("BdT", "State"),
        region_floor=1,
    )
    with pytest.raises(SelectionInfeasible) as caught:
        solve_selection(problem)
    assert set(caught.value.conflicts) == {
        "envelope of State (at most 150)",
        "region floor A (at least 1 laureate(s))",
        "region floor B (at least 1 laureate(s))",
    }
    assert ConstraintRef("envelope", "State", 150.0) in caught.value.constraints


def test_infeasible_when_floor_exceeds_the_region_cap() -> None:
    problem = problem_of([19, 18, 17], [100] * 3, budget=1000, region_floor=2, region_cap_count=1)
    with pytest.raises(SelectionInfeasible) as caught:
        solve_selection(problem)
    assert set(caught.value.conflicts) == {
        "region floor R (at least 2 laureate(s))",
        "region cap R (at most 1 laureate(s))",
    }


def test_forced_in_and_out_at_once_is_refused() -> None:
    problem = problem_of([19, 18], [100, 100], budget=200, forced_in={1}, forced_out={1})
    with pytest.raises(SelectionInfeasible, match="both forced in and forced out"):
        solve_selection(problem)


def test_ineligible_application_cannot_be_forced_in() -> None:
    problem = problem_of([19, 18], [100, 100], eligible=[True, False], budget=200, forced_in={2})
    with pytest.raises(SelectionInfeasible) as caught:
        solve_selection(problem)
    assert caught.value.conflicts == ("forced in: application 2 (ineligible)",)
    assert caught.value.constraints == (ConstraintRef("forced_in_ineligible", 2),)


# --------------------------------------------------------------------------- baselines


def test_ranking_cutoff_stops_at_the_first_that_does_not_fit() -> None:
    problem = problem_of([19, 18, 17, 16], [100, 300, 100, 100], budget=300)
    assert ranking_cutoff(problem).selected_ids == (1,)
    assert merit_order(problem).selected_ids == (1, 3, 4)


@SETTINGS
@given(problems())
def test_merit_order_only_ever_breaks_a_region_floor(problem: SelectionProblem) -> None:
    # (Forced-in applications are taken whatever they break.)
    problem = replace(problem, forced_in=frozenset())
    baseline = merit_order(problem)
    assert {v.constraint for v in baseline.violations} <= {"region_floor"}
    assert check_selection(problem, baseline) == baseline.violations


@SETTINGS
@given(problems())
def test_lp_relaxation_bound_is_above_the_optimum(problem: SelectionProblem) -> None:
    result = solve_or_none(problem)
    if result is None:
        return
    bound = lp_relaxation_bound(problem)
    assert bound >= result.objective - 1e-7 * max(1.0, abs(result.objective))


# --------------------------------------------------------------------------- validation


def test_problem_rejects_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="unique"):
        problem_of([1, 2], [10, 10], ids=[5, 5], budget=10)


def test_problem_rejects_unknown_forced_ids() -> None:
    with pytest.raises(ValueError, match="forced ids"):
        problem_of([1, 2], [10, 10], budget=10, forced_in={99})


def test_problem_rejects_requests_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="shape"):
        problem_of([1, 2], [[10, 10], [10, 10]], budget=10, envelopes=[10])


def test_check_selection_reports_a_broken_budget() -> None:
    problem = problem_of([19, 18], [100, 100], budget=150)
    result = solve_selection(problem)
    broken = replace(
        result,
        fraction=np.ones(2),
        awards=problem.requests.copy(),
        selected_ids=(1, 2),
    )
    constraints = {v.constraint for v in check_selection(problem, broken)}
    assert "budget" in constraints
    assert "explanation" in constraints


def test_solve_selection_works_after_another_highs_run_started_more_threads() -> None:
    # Another part of the process (e.g. an LP with HiGHS's default threads) starts the
    # global scheduler first; the optimiser asks for one thread and must still run.
    other = highspy.Highs()
    other.setOptionValue("output_flag", False)
    other.setOptionValue("threads", 2)
    other.addVar(0.0, 1.0)
    other.changeColCost(0, -1.0)
    other.run()
    problem = SelectionProblem(
        ids=np.array([1, 2]),
        scores=np.array([3.0, 2.0]),
        regions=np.array(["A", "B"]),
        requests=np.array([[10.0], [10.0]]),
        eligible=np.array([True, True]),
        budget=15.0,
        envelopes=np.array([15.0]),
    )

    result = solve_selection(problem)

    assert result.selected_ids == (1,)
