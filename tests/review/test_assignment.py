"""Reviewer assignment: constraints always hold, the optimum is the brute-force optimum.

No database: ``laureat.review.assignment`` is pure.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from bench.assignment import lp_optimum
from hypothesis import given, settings
from hypothesis import strategies as st

from laureat.review.assignment import (
    AFFINITY_SCALE,
    AffinityWeights,
    AssignmentError,
    AssignmentProblem,
    AssignmentResult,
    ExpertiseProfile,
    ShortfallReason,
    UnderloadReason,
    Violations,
    affinity,
    affinity_matrix,
    check_assignment,
    greedy_assignment,
    jaccard,
    overlap_coefficient,
    solve_assignment,
    top_candidate_edges,
)

SLOW = settings(deadline=None, max_examples=200)


# ----------------------------------------------------------------------------------------
# Instances
# ----------------------------------------------------------------------------------------


@st.composite
def tiny_problems(draw: st.DrawFn, *, grid: bool = True) -> AssignmentProblem:
    """Up to 4 applications x 4 reviewers, k <= 2, any conflicts, loads and forced pairs.

    With ``grid`` the affinities are multiples of 1/1000, which the integer scaling
    represents exactly, so the optimum must match to the last bit of a float sum.
    """
    na = draw(st.integers(1, 4))
    nr = draw(st.integers(1, 4))
    pairs = [(i, j) for i in range(na) for j in range(nr)]
    edges = [p for p in pairs if draw(st.booleans())]
    if grid:
        affs = [draw(st.integers(0, 1000)) / 1000 for _ in edges]
    else:
        affs = [draw(st.floats(0.0, 1.0)) for _ in edges]
    conflicts = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True))
    k = [draw(st.integers(0, 2)) for _ in range(na)]
    max_load = [draw(st.integers(0, 3)) for _ in range(nr)]
    min_load = [draw(st.integers(0, m)) for m in max_load]
    allowed = [p for p in pairs if p not in conflicts]
    wished = draw(st.lists(st.sampled_from(allowed), max_size=2, unique=True)) if allowed else []
    forced: list[tuple[int, int]] = []
    for a, r in wished:  # keep only forced pairs that fit k and the maximum loads
        if (
            sum(fa == a for fa, _ in forced) < k[a]
            and sum(fr == r for _, fr in forced) < max_load[r]
        ):
            forced.append((a, r))
    return AssignmentProblem.create(
        n_applications=na,
        n_reviewers=nr,
        edge_application=[a for a, _ in edges],
        edge_reviewer=[r for _, r in edges],
        edge_affinity=affs,
        k=k,
        min_load=min_load,
        max_load=max_load,
        conflicts=conflicts,
        forced=forced,
    )


def random_problem(
    seed: int, na: int = 25, nr: int = 12, density: float = 0.5, k: int = 3
) -> AssignmentProblem:
    """A random instance, feasible or not, with conflicts, min loads and forced pairs."""
    rng = np.random.default_rng(seed)
    mask = rng.random((na, nr)) < density
    app, rev = np.nonzero(mask)
    conflict = rng.random(app.size) < 0.1
    max_load = rng.integers(0, 2 * math.ceil(k * na / nr) + 1, size=nr)
    min_load = (rng.random(nr) * (max_load + 1) * 0.6).astype(np.int64)
    forced: list[tuple[int, int]] = []
    per_rev = np.zeros(nr, dtype=np.int64)
    for e in rng.choice(
        np.flatnonzero(~conflict), size=min(4, int((~conflict).sum())), replace=False
    ):
        a, r = int(app[e]), int(rev[e])
        if per_rev[r] < max_load[r] and all(fa != a for fa, _ in forced):
            forced.append((a, r))
            per_rev[r] += 1
    return AssignmentProblem.create(
        n_applications=na,
        n_reviewers=nr,
        edge_application=app,
        edge_reviewer=rev,
        edge_affinity=rng.random(app.size),
        k=k,
        min_load=min_load,
        max_load=max_load,
        conflicts=np.stack([app[conflict], rev[conflict]], axis=1),
        forced=forced,
    )


def simple_problem(**changes: object) -> AssignmentProblem:
    """3 applications x 3 reviewers, every pair a candidate, k = 1, max load 1."""
    values: dict[str, object] = {
        "n_applications": 3,
        "n_reviewers": 3,
        "edge_application": [0, 0, 0, 1, 1, 1, 2, 2, 2],
        "edge_reviewer": [0, 1, 2, 0, 1, 2, 0, 1, 2],
        "edge_affinity": [0.9, 0.8, 0.1, 0.9, 0.2, 0.1, 0.3, 0.3, 0.3],
        "k": 1,
        "max_load": 1,
    }
    values.update(changes)
    return AssignmentProblem.create(**values)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------
# Brute force: the lexicographic optimum (pairs, then minimum-load coverage, then affinity)
# ----------------------------------------------------------------------------------------


def brute_force(problem: AssignmentProblem) -> tuple[int, int, float]:
    na, nr = problem.n_applications, problem.n_reviewers
    k, lo, hi = problem.k.tolist(), problem.min_load.tolist(), problem.max_load.tolist()
    conflicts = {(a, r) for a, r in problem.conflicts.tolist()}
    forced = {(a, r) for a, r in problem.forced.tolist()}
    aff = {
        (a, r): f
        for a, r, f in zip(
            problem.edge_application.tolist(),
            problem.edge_reviewer.tolist(),
            problem.edge_affinity.tolist(),
            strict=True,
        )
    }
    optional = [
        [r for r in range(nr) if (i, r) in aff and (i, r) not in conflicts | forced]
        for i in range(na)
    ]
    room = [k[i] - sum(a == i for a, _ in forced) for i in range(na)]
    loads = [sum(r == j for _, r in forced) for j in range(nr)]
    best: list[tuple[int, int, float]] = [(-1, -1, -math.inf)]

    def visit(i: int, n_pairs: int, total: float) -> None:
        if i == na:
            coverage = sum(min(load, m) for load, m in zip(loads, lo, strict=True))
            best[0] = max(best[0], (n_pairs, coverage, total))
            return
        for size in range(room[i] + 1):
            for combo in combinations(optional[i], size):
                if any(loads[r] >= hi[r] for r in combo):
                    continue
                for r in combo:
                    loads[r] += 1
                visit(i + 1, n_pairs + size, total + sum(aff[(i, r)] for r in combo))
                for r in combo:
                    loads[r] -= 1

    visit(0, len(forced), sum(aff.get(p, 0.0) for p in forced))
    return best[0]


def summary(problem: AssignmentProblem, result: AssignmentResult) -> tuple[int, int, float]:
    coverage = int(np.minimum(result.loads, problem.min_load).sum())
    return len(result.pair_application), coverage, result.objective


# ----------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------


@SLOW
@given(tiny_problems())
def test_solve_assignment_equals_brute_force_optimum_on_tiny_instances(
    problem: AssignmentProblem,
) -> None:
    result = solve_assignment(problem)
    n_pairs, coverage, objective = summary(problem, result)
    best_pairs, best_coverage, best_objective = brute_force(problem)
    assert (n_pairs, coverage) == (best_pairs, best_coverage)
    assert objective == pytest.approx(best_objective, abs=1e-9)
    assert check_assignment(problem, result) == Violations()


@SLOW
@given(tiny_problems(grid=False))
def test_solve_assignment_is_within_scale_precision_on_unrounded_affinities(
    problem: AssignmentProblem,
) -> None:
    result = solve_assignment(problem)
    n_pairs, coverage, objective = summary(problem, result)
    best_pairs, best_coverage, best_objective = brute_force(problem)
    assert (n_pairs, coverage) == (best_pairs, best_coverage)
    assert best_objective - n_pairs / AFFINITY_SCALE <= objective <= best_objective + 1e-9


@SLOW
@given(tiny_problems())
def test_solve_assignment_reports_shortfall_exactly_when_k_is_infeasible(
    problem: AssignmentProblem,
) -> None:
    result = solve_assignment(problem)
    best_pairs, _, _ = brute_force(problem)
    required = int(problem.k.sum())
    assert bool(result.shortfalls) == (best_pairs < required)
    assert sum(s.missing for s in result.shortfalls) == required - best_pairs


@SLOW
@given(tiny_problems())
def test_solve_assignment_meets_min_loads_exactly_when_feasible(
    problem: AssignmentProblem,
) -> None:
    result = solve_assignment(problem)
    _, best_coverage, _ = brute_force(problem)
    feasible = best_coverage == int(problem.min_load.sum())
    assert (not result.underloaded) == feasible
    assert bool((result.loads >= problem.min_load).all()) == feasible


@settings(deadline=None, max_examples=60)
@given(
    seed=st.integers(0, 2**32 - 1),
    na=st.integers(1, 30),
    nr=st.integers(1, 15),
    density=st.floats(0.05, 1.0),
    k=st.integers(1, 4),
)
def test_solve_assignment_respects_k_loads_and_conflicts_on_random_instances(
    seed: int, na: int, nr: int, density: float, k: int
) -> None:
    problem = random_problem(seed, na, nr, density, k)
    result = solve_assignment(problem)
    greedy = greedy_assignment(problem, seed=seed)
    assert check_assignment(problem, result) == Violations()
    assert check_assignment(problem, greedy) == Violations()
    # Never fewer pairs than the greedy; with as many pairs, never less affinity.
    assert len(result.pair_application) >= len(greedy.pair_application)
    if len(result.pair_application) == len(greedy.pair_application) and not greedy.underloaded:
        assert result.objective >= greedy.objective - len(greedy.pair_application) / AFFINITY_SCALE


@pytest.mark.parametrize("seed", range(6))
def test_solve_assignment_equals_lp_optimum_on_feasible_instances(seed: int) -> None:
    problem = random_problem(seed, na=60, nr=25, density=0.6, k=3)
    problem = AssignmentProblem.create(  # loads loose enough to be feasible
        n_applications=problem.n_applications,
        n_reviewers=problem.n_reviewers,
        edge_application=problem.edge_application,
        edge_reviewer=problem.edge_reviewer,
        edge_affinity=problem.edge_affinity,
        k=3,
        min_load=np.minimum(problem.min_load, 3),
        max_load=np.maximum(problem.max_load, 12),
        conflicts=problem.conflicts,
        forced=problem.forced,
    )
    result = solve_assignment(problem)
    lp = lp_optimum(problem)
    assert result.complete
    assert lp.optimal
    assert lp.objective is not None
    assert result.objective == pytest.approx(lp.objective, abs=180 / AFFINITY_SCALE)


@settings(deadline=None, max_examples=50)
@given(tiny_problems(grid=False))
def test_solve_assignment_same_input_gives_same_output(problem: AssignmentProblem) -> None:
    first, second = solve_assignment(problem), solve_assignment(problem)
    assert first.pair_application.tolist() == second.pair_application.tolist()
    assert first.pair_reviewer.tolist() == second.pair_reviewer.tolist()
    assert first.objective == second.objective
    assert first.shortfalls == second.shortfalls
    assert first.underloaded == second.underloaded


def test_solve_assignment_same_input_gives_same_output_on_a_larger_instance() -> None:
    problem = random_problem(7, na=200, nr=80, density=0.4, k=3)
    first, second = solve_assignment(problem), solve_assignment(problem)
    assert first.pair_application.tolist() == second.pair_application.tolist()
    assert first.pair_reviewer.tolist() == second.pair_reviewer.tolist()


# ----------------------------------------------------------------------------------------
# Examples
# ----------------------------------------------------------------------------------------


def test_solve_assignment_maximises_total_affinity_not_each_application() -> None:
    # Application 0 and 1 both prefer reviewer 0; giving it to 1 (whose second best is
    # poor) is worth more in total.
    result = solve_assignment(simple_problem())
    assert result.reviewers_by_application(3) == [[1], [0], [2]]
    assert result.objective == pytest.approx(0.8 + 0.9 + 0.3)
    assert result.complete


def test_solve_assignment_forced_pair_is_honoured_against_affinity() -> None:
    result = solve_assignment(simple_problem(forced=[(0, 2)]))
    assert result.reviewers_by_application(3) == [[2], [0], [1]]
    assert result.objective == pytest.approx(0.1 + 0.9 + 0.3)


def test_solve_assignment_forced_pair_outside_candidates_counts_zero_affinity() -> None:
    problem = simple_problem(
        edge_application=[0, 1, 2], edge_reviewer=[0, 1, 2], edge_affinity=[0.5, 0.5, 0.5],
        forced=[(0, 1)], max_load=2,
    )  # fmt: skip
    result = solve_assignment(problem)
    assert result.reviewers_by_application(3) == [[1], [1], [2]]
    assert result.objective == pytest.approx(1.0)
    assert check_assignment(problem, result) == Violations()


def test_solve_assignment_forced_conflict_raises() -> None:
    with pytest.raises(AssignmentError) as caught:
        solve_assignment(simple_problem(conflicts=[(1, 2)], forced=[(1, 2)]))
    assert str(caught.value) == (
        "A forced pair is a declared conflict of interest: (application 1, reviewer 2). "
        "Remove the conflict or the forced pair."
    )


def test_solve_assignment_more_forced_than_k_raises() -> None:
    with pytest.raises(AssignmentError, match=r"Application 0 has 2 forced reviewers"):
        solve_assignment(simple_problem(forced=[(0, 0), (0, 1)]))


def test_solve_assignment_more_forced_than_max_load_raises() -> None:
    with pytest.raises(AssignmentError, match=r"Reviewer 0 has 2 forced applications"):
        solve_assignment(simple_problem(forced=[(0, 0), (1, 0)]))


def test_solve_assignment_shortfall_too_few_candidates_without_conflict() -> None:
    problem = simple_problem(k=[3, 1, 1], max_load=3, conflicts=[(0, 1)])
    result = solve_assignment(problem)
    assert [(s.application, s.assigned, s.reason) for s in result.shortfalls] == [
        (0, 2, ShortfallReason.TOO_FEW_CANDIDATES)
    ]
    assert result.shortfalls[0].message == (
        "only 2 candidate reviewer(s) without a conflict of interest "
        "(1 excluded for a conflict of interest), 3 required"
    )
    assert result.reviewers_by_application(3)[:2] == [[0, 2], [0]]


def test_solve_assignment_shortfall_loads_exhausted() -> None:
    # Four applications, three reviewers of load 1: one application must go short.
    problem = AssignmentProblem.create(
        n_applications=4, n_reviewers=3,
        edge_application=[0, 1, 2, 3], edge_reviewer=[0, 1, 2, 2],
        edge_affinity=[0.5, 0.5, 0.9, 0.4], k=1, max_load=1,
    )  # fmt: skip
    result = solve_assignment(problem)
    assert [(s.application, s.missing, s.reason) for s in result.shortfalls] == [
        (3, 1, ShortfallReason.LOADS_EXHAUSTED)
    ]
    assert result.shortfalls[0].message == (
        "reviewer loads exhausted: its 1 other candidate reviewer(s) without a conflict "
        "are all at their maximum load"
    )
    assert check_assignment(problem, result) == Violations()


def test_solve_assignment_min_load_moves_a_reviewer_to_a_worse_pair() -> None:
    # Without the minimum, reviewer 2 (the worst everywhere) would get nothing.
    affinities = [0.9, 0.8, 0.1, 0.9, 0.2, 0.1, 0.3, 0.4, 0.2]
    unconstrained = solve_assignment(simple_problem(edge_affinity=affinities, max_load=2))
    assert unconstrained.loads.tolist() == [2, 1, 0]
    problem = simple_problem(edge_affinity=affinities, min_load=[0, 0, 1], max_load=2)
    result = solve_assignment(problem)
    assert result.reviewers_by_application(3) == [[0], [0], [2]]
    assert result.objective == pytest.approx(0.9 + 0.9 + 0.2)
    assert result.method == "min_cost_flow:lower_bounds"


def test_solve_assignment_min_load_unreachable_is_reported() -> None:
    problem = simple_problem(
        edge_application=[0, 1, 2], edge_reviewer=[0, 0, 1], edge_affinity=[0.5, 0.5, 0.5],
        min_load=[0, 0, 1], max_load=2,
    )  # fmt: skip
    result = solve_assignment(problem)
    assert [(u.reviewer, u.load, u.reason) for u in result.underloaded] == [
        (2, 0, UnderloadReason.TOO_FEW_CANDIDATES)
    ]
    assert result.method == "min_cost_flow:lower_bounds:lexicographic"
    assert not result.shortfalls
    assert check_assignment(problem, result) == Violations()


def test_solve_assignment_without_edges_reports_every_application() -> None:
    problem = simple_problem(edge_application=[], edge_reviewer=[], edge_affinity=[])
    result = solve_assignment(problem)
    assert [s.application for s in result.shortfalls] == [0, 1, 2]
    assert {s.message for s in result.shortfalls} == {
        "only 0 candidate reviewer(s) without a conflict of interest, 1 required"
    }


def test_assignment_problem_duplicate_edge_raises() -> None:
    problem = simple_problem(edge_application=[0, 0], edge_reviewer=[1, 1], edge_affinity=[1, 1])
    with pytest.raises(ValueError, match=r"application 0, reviewer 1"):
        solve_assignment(problem)


def test_assignment_problem_affinity_above_one_raises() -> None:
    with pytest.raises(ValueError, match=r"within \[0, 1\]"):
        simple_problem(edge_application=[0], edge_reviewer=[0], edge_affinity=[1.5])


def test_assignment_problem_min_load_above_max_raises() -> None:
    with pytest.raises(ValueError, match="min_load <= max_load"):
        simple_problem(min_load=2, max_load=1)


def test_check_assignment_counts_each_kind_of_violation() -> None:
    problem = simple_problem(conflicts=[(2, 2)], forced=[(1, 1)], min_load=[1, 0, 0])
    bad = AssignmentResult(
        pair_application=np.array([0, 0, 2, 2]),
        pair_reviewer=np.array([1, 1, 2, 1]),
        pair_affinity=np.array([0.8, 0.8, 0.3, 0.3]),
        loads=np.array([0, 3, 1]),
        objective=2.2,
        shortfalls=(),
        underloaded=(),
        seconds=0.0,
        method="test",
    )
    assert check_assignment(problem, bad) == Violations(
        conflicts_assigned=1,
        loads_exceeded=1,  # reviewer 1 has 3, max 1 (reviewer 2 has 1: fine)
        loads_under_min=1,  # reviewer 0, not reported
        k_not_met=1,  # application 1, not reported
        k_exceeded=2,  # applications 0 and 2
        duplicate_pairs=1,
        not_candidates=0,
        forced_missing=1,
        reports_wrong=0,
    )


def test_greedy_assignment_takes_best_available_in_random_order() -> None:
    result = greedy_assignment(simple_problem(), seed=0)
    assert check_assignment(simple_problem(), result) == Violations()
    assert result.objective <= solve_assignment(simple_problem()).objective
    assert result.method == "greedy"


# ----------------------------------------------------------------------------------------
# Affinity
# ----------------------------------------------------------------------------------------


def test_jaccard_and_overlap_on_sets() -> None:
    assert jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
    assert overlap_coefficient({"a"}, {"a", "b", "c"}) == 1.0
    assert jaccard(set(), set()) == 0.0
    assert overlap_coefficient(set(), {"a"}) == 0.0


def test_affinity_without_text_renormalises_the_weights() -> None:
    app = ExpertiseProfile(themes=frozenset({"eau"}), technologies=frozenset({"iot"}))
    rev = ExpertiseProfile(themes=frozenset({"eau"}), technologies=frozenset({"ia"}))
    assert affinity(app, rev) == pytest.approx(0.5 / 0.8)


def test_affinity_uses_the_text_similarity_callable() -> None:
    app = ExpertiseProfile(themes=frozenset({"eau"}), text="réseaux d'eau")
    rev = ExpertiseProfile(themes=frozenset({"eau"}), text="eau potable")
    weights = AffinityWeights(themes=0.5, technologies=0.3, text=0.2)
    value = affinity(app, rev, weights=weights, text_similarity=lambda a, r: 2.0)
    assert value == pytest.approx((0.5 * 1 + 0.3 * 0 + 0.2 * 1.0) / 1.0)  # clipped to 1


def test_affinity_uses_precomputed_vectors() -> None:
    app = ExpertiseProfile(text_vector=np.array([1.0, 0.0]))
    rev = ExpertiseProfile(text_vector=np.array([1.0, 1.0]))
    weights = AffinityWeights(themes=0.5, technologies=0.5, text=1.0, measure="overlap")
    assert affinity(app, rev, weights=weights) == pytest.approx(math.sqrt(0.5) / 2)


@settings(deadline=None, max_examples=50)
@given(
    seed=st.integers(0, 2**32 - 1),
    measure=st.sampled_from(["jaccard", "overlap"]),
    with_text=st.booleans(),
)
def test_affinity_matrix_equals_affinity_pair_by_pair(
    seed: int, measure: str, with_text: bool
) -> None:
    rng = np.random.default_rng(seed)
    themes_a, themes_r = rng.random((5, 6)) < 0.4, rng.random((4, 6)) < 0.4
    tech_a, tech_r = rng.random((5, 7)) < 0.3, rng.random((4, 7)) < 0.3
    vec_a, vec_r = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    weights = AffinityWeights(themes=0.4, technologies=0.4, text=0.2, measure=measure)  # type: ignore[arg-type]

    def profile(themes: np.ndarray, tech: np.ndarray, vec: np.ndarray) -> ExpertiseProfile:
        return ExpertiseProfile(
            themes=frozenset(np.flatnonzero(themes).tolist()),  # type: ignore[arg-type]
            technologies=frozenset(np.flatnonzero(tech).tolist()),  # type: ignore[arg-type]
            text_vector=vec if with_text else None,
        )

    matrix = affinity_matrix(
        themes_a, themes_r, tech_a, tech_r, weights=weights,
        application_vectors=vec_a if with_text else None,
        reviewer_vectors=vec_r if with_text else None,
    )  # fmt: skip
    applications = [profile(themes_a[i], tech_a[i], vec_a[i]) for i in range(5)]
    reviewers = [profile(themes_r[j], tech_r[j], vec_r[j]) for j in range(4)]
    expected = [affinity(a, r, weights=weights) for a in applications for r in reviewers]
    assert matrix.ravel().tolist() == pytest.approx(expected)


def test_top_candidate_edges_keeps_each_application_best_reviewers() -> None:
    matrix = np.array([[0.1, 0.9, 0.5, 0.7], [0.8, 0.2, 0.3, 0.1]])
    app, rev, aff = top_candidate_edges(matrix, 2, first_application=10)
    got = sorted(zip(app.tolist(), rev.tolist(), aff.tolist(), strict=True))
    assert got == [(10, 1, 0.9), (10, 3, 0.7), (11, 0, 0.8), (11, 2, 0.3)]
