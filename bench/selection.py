"""Benchmark of the selection optimiser against merit order, measured in the same run.

Usage: ``.venv/bin/python bench/selection.py [--n N] [--seed S]``. Not a timed test.

For each seeded instance (59, 1k, 10k and 100k applications by default; 18 regions; 2
or 3 funder envelopes; scores in half points, so many ties) and each objective, it runs
the optimiser, the LP relaxation bound (HiGHS on the whole LP, independent of the
optimiser) and merit order (by rank while the budget, the envelopes and the region caps
allow, then fill the region floors), and prints the time, the objective, the proven
optimality gap, the gap to the LP bound, the gain over merit order, the constraint
violations (must be 0) and whether the same input, shuffled, gives the same selection.
The last line is one JSON object for the largest instance run (worst of the two
objectives). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from laureat.selection.optimiser import (
    Objective,
    SelectionProblem,
    check_selection,
    lp_relaxation_bound,
    merit_order,
    solve_selection,
)

# INSEE codes of the 13 metropolitan and 5 overseas regions, with rough shares of
# applications (populous regions apply more).
REGIONS = {
    "11": 0.17, "84": 0.12, "75": 0.09, "76": 0.09, "32": 0.09, "44": 0.08, "93": 0.08,
    "52": 0.06, "53": 0.05, "28": 0.05, "27": 0.04, "24": 0.04, "94": 0.005,
    "01": 0.006, "02": 0.006, "03": 0.004, "04": 0.012, "06": 0.003,
}  # fmt: skip
FUNDERS = ("Banque des Territoires", "État (FAIIT)", "Région")
SIZES = (59, 1_000, 10_000, 100_000)


def make_problem(n: int, seed: int, objective: Objective) -> SelectionProblem:
    """A seeded call shaped like the reference AMI (10 M€ for 59 applications)."""
    rng = np.random.default_rng(seed * 1_000_003 + n)
    n_funders = 2 if n % 2 else 3
    codes = np.array(list(REGIONS))
    weights = np.array(list(REGIONS.values()))
    regions = rng.choice(codes, size=n, p=weights / weights.sum())
    scores = np.round(np.clip(rng.normal(13.0, 3.0, n), 0.0, 20.0) * 2) / 2
    total = np.clip(np.round(rng.lognormal(np.log(150_000), 0.6, n), -3), 20_000, 2_000_000)
    shares = rng.dirichlet([1.5, 4.0, 2.0][:n_funders], size=n)
    requests = np.round(total[:, None] * shares)
    requests[:, -1] = total - requests[:, :-1].sum(axis=1)
    eligible = rng.random(n) < 0.93
    asked = requests[eligible].sum(axis=0)
    budget = float(np.round(0.45 * asked.sum(), -5))
    envelopes = np.round(budget * 1.03 * asked / asked.sum(), -4)
    ids = rng.permutation(np.arange(1, n + 1) * 7 + 1000)
    order = np.lexsort((ids, total, -scores))
    pool = [i for i in order.tolist() if eligible[i] and scores[i] >= 10]
    crowded = [i for i in pool if sum(regions[j] == regions[i] for j in pool[:200]) >= 3]
    forced_out = frozenset({int(ids[crowded[0]])})  # the committee vetoes a top one
    forced_in = frozenset({int(ids[pool[len(pool) * 3 // 4]])})  # and rescues one
    return SelectionProblem(
        ids=ids,
        scores=scores,
        regions=regions,
        requests=requests,
        eligible=eligible,
        budget=budget,
        envelopes=envelopes,
        funders=FUNDERS[:n_funders],
        objective=objective,
        min_score=10.0,
        region_floor=1,
        region_floor_score=12.0,
        region_cap_share=0.15,
        forced_in=forced_in,
        forced_out=forced_out,
    )


def shuffled(problem: SelectionProblem, seed: int) -> SelectionProblem:
    perm = np.random.default_rng(seed).permutation(problem.n)
    return replace(
        problem,
        ids=problem.ids[perm],
        scores=problem.scores[perm],
        regions=problem.regions[perm],
        requests=problem.requests[perm],
        eligible=problem.eligible[perm],
    )


def run(n: int, seed: int, objective: Objective, partial: float | None) -> dict[str, object]:
    problem = make_problem(n, seed, objective)
    if partial is not None:
        problem = replace(problem, partial_min=partial)
    wall, cpu = time.perf_counter(), time.process_time()
    result = solve_selection(problem)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    started = time.perf_counter()
    lp = lp_relaxation_bound(problem)
    lp_seconds = time.perf_counter() - started
    started = time.perf_counter()
    merit = merit_order(problem)
    merit_seconds = time.perf_counter() - started
    violations = len(check_selection(problem, result))
    again = solve_selection(shuffled(problem, seed + 1), needed_scores=0)
    gain = (result.objective - merit.objective) / abs(merit.objective) if merit.objective else 0.0
    return {
        "n": n,
        "objective_kind": str(objective),
        "partial_min": partial,
        "funders": len(problem.funders),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "lp_bound": lp,
        "gap_to_lp_bound": (lp - result.objective) / abs(lp) if lp else 0.0,
        "lp_seconds": round(lp_seconds, 3),
        "merit_objective": merit.objective,
        "merit_seconds": round(merit_seconds, 3),
        "merit_violations": len(merit.violations),
        "gain_over_merit_order": gain,
        "violations": violations,
        "selected": len(result.selected_ids),
        "merit_selected": len(merit.selected_ids),
        "regions_covered": result.diff.regions_covered,
        "deterministic": again.selected_ids == result.selected_ids,
        "status": str(result.status),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, help="run one size only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--partial", type=float, help="partial funding from this share (0-1]")
    args = parser.parse_args(argv)
    sizes = (args.n,) if args.n else SIZES
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(
        f"{'n':>7} {'objective':<12} {'F':>1} {'time s':>7} {'cpu s':>6} {'objective value':>16} "
        f"{'gap':>8} {'gap to LP':>9} {'LP s':>5} {'merit s':>7} {'gain/merit':>10} "
        f"{'viol':>4} {'m.viol':>6} {'chosen':>6} {'regions':>7} {'same':>4}"
    )
    rows: list[dict[str, object]] = []
    for n in sizes:
        for objective in (Objective.MERIT_MONEY, Objective.TOTAL_SCORE):
            row = run(n, args.seed, objective, args.partial)
            rows.append(row)
            print(
                f"{n:>7} {objective:<12} {row['funders']:>1} {row['seconds']:>7.3f} "
                f"{row['cpu_seconds']:>6.2f} {row['objective']:>16.10g} {row['gap']:>8.1e} "
                f"{row['gap_to_lp_bound']:>9.2e} {row['lp_seconds']:>5.2f} "
                f"{row['merit_seconds']:>7.3f} {row['gain_over_merit_order']:>+10.4%} "
                f"{row['violations']:>4} {row['merit_violations']:>6} {row['selected']:>6} "
                f"{row['regions_covered']:>7} {'yes' if row['deterministic'] else 'NO':>4}",
                flush=True,
            )
    largest = max(sizes)
    last = [r for r in rows if r["n"] == largest]
    summary = {
        "n": largest,
        "seconds": max(float(str(r["seconds"])) for r in last),
        "gap": max(float(str(r["gap"])) for r in last),
        "gap_to_lp_bound": max(float(str(r["gap_to_lp_bound"])) for r in last),
        "gain_over_merit_order": min(float(str(r["gain_over_merit_order"])) for r in last),
        "violations": sum(int(str(r["violations"])) for r in last),
        "deterministic": all(bool(r["deterministic"]) for r in last),
        "per_objective": last,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
