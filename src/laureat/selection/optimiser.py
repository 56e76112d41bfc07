"""Selection optimiser: choose the laureates of a call (a MILP solved by HiGHS).

Pure module: plain dataclasses and numpy arrays in, plain dataclasses out; it knows
nothing of the ORM. The domain layer loads a call's applications, builds a
:class:`SelectionProblem`, calls :func:`solve_selection` and saves what it returns.

Model
-----
One binary ``x_i`` per *selectable* application (eligible, and scored at least
``min_score`` unless forced in). With partial funding (``partial_min = p``) a
continuous ``z_i`` in ``[0, (1 - p) x_i]`` is added and the application receives the
fraction ``y_i = p x_i + z_i`` of **each** of its requests (partial funding scales all
funders' shares proportionally); without it ``y_i = x_i``.

Objective (a policy choice, set per call and shown to the committee):

* ``Objective.MERIT_MONEY`` (default, "money follows merit"): ``sum w_i * award_i``
  where ``award_i = y_i * sum_f request_if``;
* ``Objective.TOTAL_SCORE``: ``sum w_i * x_i`` (favours many cheaper projects).

``w_i`` is the score as given (``ScoreScale.RAW``) or min-max normalised to [0, 1]
over the selectable applications (``ScoreScale.NORMALISED``: the weakest selectable
score counts 0, the strongest 1). Thresholds (``min_score``, ``region_floor_score``)
are always in the scale of the given scores.

Constraints: total awarded <= budget; per funder awarded <= its envelope; for each
region that has at least one eligible application scored >= ``region_floor_score``
(default: ``min_score``), at least ``min(region_floor, selectable applications of the
region)`` laureates; per region at most ``region_cap_count`` laureates and at most
``region_cap_share * budget`` awarded; forced in (overrides ``min_score``, not
eligibility) and forced out.

Solving
-------
Without partial funding (binary columns only) :func:`_sifted` solves it in steps,
because HiGHS's simplex is slow on the whole LP of a large call (each of its few
iterations flips bounds across tens of thousands of [0, 1] columns: 8-12 s at 100k):

1. the LP relaxation by *sifting*: duals estimated on a stratified sample of the
   columns tell which columns are surely in or out; those are held at that bound, the
   ~2,000 of smallest reduced cost form a working set, the restricted LP (kept feasible
   by penalised artificial columns) prices every column with numpy and the attractive
   held ones join, until none is;
2. an incumbent: the best of merit order and the rounded-down LP completed greedily;
   if the LP bound already proves it within ``gap``, done;
3. a *core* MIP (HiGHS) over the columns of smallest reduced cost and those where the
   incumbent and the LP disagree, the others held at the incumbent;
4. *reduced-cost fixing*: a column at a bound whose reduced cost exceeds ``LP bound -
   incumbent`` keeps that bound in every better solution, so a last HiGHS MIP over the
   rest (if the core did not already cover it) proves the bound for the whole call.

With partial funding the whole MILP goes to HiGHS at once. Calls of at most
``SMALL_PROBLEM`` selectable applications are solved to ``EXACT_GAP``, larger ones to
``gap`` (``DEFAULT_GAP``). The reported ``gap`` is ``(bound - objective) / bound`` with
the bound proven on the tie-break-perturbed objective (below), a valid, slightly
conservative bound on the true one.

Tie-break (determinism)
-----------------------
The same input gives the same selection, whatever the order of the arrays: the model
is always built in the *canonical order* (score descending, total request ascending,
id ascending), every step is deterministic (HiGHS with one thread and a fixed seed,
stable sorts, greedy passes in canonical order). Among selections of equal objective
the one favouring higher-ranked applications is preferred: each ``x_i``'s objective
coefficient gets a bonus ``TIE_BREAK_WEIGHT * c_ref * (k - rank_i) / k`` (``c_ref``
the median positive coefficient, ``k`` the number of columns), at most 1e-7 of the
objective. On calls solved to ``EXACT_GAP`` this decides exact ties (e.g. equal score
and request: the lower id wins); on larger calls, stopped within ``gap``, which of two
near-equal selections comes out is decided by the deterministic algorithm rather than
by the bonus. The reported objective never includes the bonus.

After the solve a deterministic *fill pass* adds, in canonical order, any application
that still fits (and, with partial funding, tops up partial awards in canonical order).
So every application left out really does not fit: its explanation "out for budget"
or "region cap" is checked, not asserted.

The score it would have needed
------------------------------
For an application out for budget or region cap, ``needed_score`` is the lowest score
at which selecting it gives an objective at least the proposed one, all else held
fixed (other scores, thresholds, the normalisation range): one re-solve with the
application forced in and its own coefficient removed gives the best value ``W`` of the
others, and the needed coefficient is ``objective - W`` (with partial funding and the
money objective, a bisection on a few re-solves). Small calls (at most
``NEEDED_SCORE_AUTO_LIMIT`` selectable applications) get it for every waiting
application; larger ones on demand through :func:`needed_score` (one MIP solve each).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

import highspy
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

#: Relative optimality gap to prove on large calls (the target is 1e-4; the tie-break
#: bonus takes at most 1e-7 of it).
DEFAULT_GAP = 5e-5
#: Problems with at most this many columns are solved to ``EXACT_GAP`` (cheap there).
SMALL_PROBLEM = 500
EXACT_GAP = 1e-7
#: Relative weight of the rank-based tie-break bonus.
TIE_BREAK_WEIGHT = 1e-7
#: Needed scores are computed for every waiting application up to this many
#: selectable applications; above it, on demand with :func:`needed_score`.
NEEDED_SCORE_AUTO_LIMIT = 500
DEFAULT_TIME_LIMIT = 120.0
#: Sifting (calls of more than 4 x SIFT_WINDOW columns): 2 x SIFT_WINDOW columns of
#: smallest reduced cost start the working set; at most SIFT_ADD join per round.
SIFT_WINDOW = 1_000
SIFT_ADD = 2_000
#: Columns in the sample that estimates the duals (sifting's starting point).
SIFT_SAMPLE = 4_000
#: Columns of smallest reduced cost in the core problem solved before fixing.
CORE_SIZE = 500

_INF = math.inf


class Objective(StrEnum):
    MERIT_MONEY = "merit_money"
    TOTAL_SCORE = "total_score"


class ScoreScale(StrEnum):
    RAW = "raw"
    NORMALISED = "normalised"


class ExplanationCode(StrEnum):
    SELECTED = "selected"
    FORCED_IN = "forced_in"
    FORCED_OUT = "forced_out"
    INELIGIBLE = "ineligible"
    BELOW_MIN_SCORE = "below_min_score"
    BUDGET = "budget"
    REGION_CAP = "region_cap"


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"  # gap proven within the tolerance
    TIME_LIMIT = "time_limit"  # best found when the time ran out; see ``gap``


class SelectionError(Exception):
    """The optimiser could not produce a selection."""


@dataclass(frozen=True)
class ConstraintRef:
    """One constraint in conflict, as data, for the caller to word in its own language.

    ``kind``: budget, envelope (``subject`` the funder's name), region_floor,
    region_cap_count, region_cap_share (``subject`` the region code), forced_in,
    forced_out, forced_in_ineligible (``subject`` the application id); ``bound`` the
    limit (money, or a number of laureates).
    """

    kind: str
    subject: str | int | None = None
    bound: float = 0.0


class SelectionInfeasible(SelectionError):
    """No selection satisfies every constraint; ``conflicts`` names a minimal set of them
    (in English, for logs and the CLI) and ``constraints`` gives the same set as data."""

    def __init__(
        self,
        message: str,
        conflicts: Sequence[str] = (),
        constraints: Sequence[ConstraintRef] = (),
    ) -> None:
        super().__init__(message)
        self.conflicts: tuple[str, ...] = tuple(conflicts)
        self.constraints: tuple[ConstraintRef, ...] = tuple(constraints)


@dataclass(frozen=True, eq=False)
class SelectionProblem:
    """One call's selection, as arrays aligned on ``ids`` (n applications, F funders).

    ``requests[i, f]`` is what application ``i`` asks funder ``f``; its total request
    is the row sum. Money is in one unit (euros) throughout.
    """

    ids: IntArray
    scores: FloatArray
    regions: StrArray
    requests: FloatArray
    eligible: BoolArray
    budget: float
    envelopes: FloatArray
    funders: tuple[str, ...] = ()
    objective: Objective = Objective.MERIT_MONEY
    score_scale: ScoreScale = ScoreScale.RAW
    min_score: float | None = None
    region_floor: int = 0
    region_floor_score: float | None = None
    region_cap_count: int | None = None
    region_cap_share: float | None = None
    forced_in: frozenset[int] = frozenset()
    forced_out: frozenset[int] = frozenset()
    partial_min: float | None = None

    def __post_init__(self) -> None:
        ids = np.asarray(self.ids, dtype=np.int64).reshape(-1)
        n = ids.shape[0]
        scores = np.asarray(self.scores, dtype=np.float64).reshape(-1)
        regions = np.asarray(self.regions, dtype=np.str_).reshape(-1)
        requests = np.asarray(self.requests, dtype=np.float64)
        if requests.ndim == 1:
            requests = requests.reshape(n, 1 if n else 0)
        eligible = np.asarray(self.eligible, dtype=np.bool_).reshape(-1)
        envelopes = np.asarray(self.envelopes, dtype=np.float64).reshape(-1)
        n_funders = envelopes.shape[0]
        if n_funders == 0:
            raise ValueError("at least one funder envelope is required")
        if requests.shape != (n, n_funders):
            raise ValueError(f"requests must have shape (n, F) = ({n}, {n_funders})")
        if scores.shape != (n,) or regions.shape != (n,) or eligible.shape != (n,):
            raise ValueError("ids, scores, regions and eligible must have the same length")
        if len(np.unique(ids)) != n:
            raise ValueError("application ids must be unique")
        if not np.all(np.isfinite(scores)) or not np.all(np.isfinite(requests)):
            raise ValueError("scores and requests must be finite")
        if np.any(requests < 0) or np.any(envelopes < 0) or self.budget < 0:
            raise ValueError("requests, envelopes and budget must be non-negative")
        funders = self.funders or tuple(f"funder {f + 1}" for f in range(n_funders))
        if len(funders) != n_funders:
            raise ValueError("one funder name per envelope")
        if self.region_floor < 0:
            raise ValueError("region_floor must be >= 0")
        if self.region_cap_count is not None and self.region_cap_count < 0:
            raise ValueError("region_cap_count must be >= 0")
        if self.region_cap_share is not None and not 0 <= self.region_cap_share <= 1:
            raise ValueError("region_cap_share must be in [0, 1]")
        if self.partial_min is not None and not 0 < self.partial_min <= 1:
            raise ValueError("partial_min must be in (0, 1]")
        known = set(ids.tolist())
        unknown = (set(self.forced_in) | set(self.forced_out)) - known
        if unknown:
            raise ValueError(f"forced ids not among the applications: {sorted(unknown)}")
        for name, value in (
            ("ids", ids),
            ("scores", scores),
            ("regions", regions),
            ("requests", requests),
            ("eligible", eligible),
            ("envelopes", envelopes),
        ):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "funders", tuple(funders))
        object.__setattr__(self, "budget", float(self.budget))
        object.__setattr__(self, "objective", Objective(self.objective))
        object.__setattr__(self, "score_scale", ScoreScale(self.score_scale))
        object.__setattr__(self, "forced_in", frozenset(int(i) for i in self.forced_in))
        object.__setattr__(self, "forced_out", frozenset(int(i) for i in self.forced_out))

    @property
    def n(self) -> int:
        return int(self.ids.shape[0])


class Explanation(NamedTuple):
    """Why an application is in or out. ``message`` is English; the interface may
    render its own from the fields (``code`` and the numbers). A named tuple: a large
    call builds 100k of them."""

    code: ExplanationCode
    rank: int  # 1 = best, in canonical order (score desc, request asc, id asc)
    of: int
    score: float
    needed_score: float | None = None  # BUDGET / REGION_CAP: see the module docstring
    needed_computed: bool = False  # False: not computed (large call; ask needed_score())
    award: float = 0.0  # selected: total awarded
    fraction: float = 0.0  # selected: share of its request
    blocked_by: tuple[str, ...] = ()  # BUDGET: "call budget", "envelope of <funder>"
    left: tuple[float, ...] = ()  # BUDGET: money left in each of ``blocked_by``
    asked: float = 0.0  # BUDGET: what adding it would cost (its minimal share)
    region: str = ""
    min_score: float | None = None

    @property
    def message(self) -> str:
        where = f"rank {self.rank}/{self.of}"
        code = self.code
        if code in (ExplanationCode.SELECTED, ExplanationCode.FORCED_IN):
            head = "Selected" if code is ExplanationCode.SELECTED else "Selected: forced in"
            share = "" if self.fraction >= 1 else f" ({self.fraction:.0%} of its request)"
            return f"{head}; {where}; awarded {_money(self.award)}{share}."
        if code is ExplanationCode.FORCED_OUT:
            return "Not selected: forced out by the committee."
        if code is ExplanationCode.INELIGIBLE:
            return "Not selected: ineligible."
        if code is ExplanationCode.BELOW_MIN_SCORE:
            return (
                f"Not selected: score {self.score:g} is below the minimum score {self.min_score:g}."
            )
        if self.needed_score is not None:
            tail = f" It would have needed a score of {self.needed_score:.2f} (has {self.score:g})."
        elif self.needed_computed:
            tail = " It cannot be selected at any score."
        else:
            tail = ""
        if code is ExplanationCode.BUDGET:
            parts = " and ".join(
                f"the {name} ({_money(left)} left)"
                for name, left in zip(self.blocked_by, self.left, strict=True)
            )
            asked = _money(self.asked)
            return f"Out for budget: {where}; adding it ({asked}) would exceed {parts}.{tail}"
        return f"Out for the region cap: {where}; region {self.region} is at its cap.{tail}"


@dataclass(frozen=True)
class Violation:
    constraint: str
    message: str


@dataclass(frozen=True)
class RegionTotal:
    count: int
    amount: float
    floor_required: int
    cap_count: int | None
    cap_amount: float | None


@dataclass(frozen=True, eq=False)
class Baseline:
    """A selection made by a simple rule, to compare with the optimiser's.

    ``fraction`` and ``awards`` are aligned on ``problem.ids`` (input order).
    """

    kind: str
    selected_ids: tuple[int, ...]
    fraction: FloatArray
    awards: FloatArray
    objective: float
    totals_per_funder: dict[str, float]
    totals_per_region: dict[str, RegionTotal]
    violations: tuple[Violation, ...]


@dataclass(frozen=True)
class SelectionDiff:
    """What the optimiser changes compared with the ranking cut-off."""

    entered: tuple[int, ...]
    left: tuple[int, ...]
    score_gained: float  # sum of scores of the laureates, optimiser minus baseline
    objective_gained: float
    regions_covered: int
    baseline_regions_covered: int
    regions_gained: tuple[str, ...]
    regions_lost: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class SelectionResult:
    """The proposed selection; arrays are aligned on ``problem.ids`` (input order)."""

    selected_ids: tuple[int, ...]  # in canonical (rank) order
    fraction: FloatArray  # share of its requests each application receives (0 if out)
    awards: FloatArray  # (n, F): amount awarded per application and funder
    totals_per_funder: dict[str, float]
    totals_per_region: dict[str, RegionTotal]
    objective: float
    bound: float
    gap: float
    status: SolveStatus
    explanations: dict[int, Explanation]
    baseline: Baseline
    diff: SelectionDiff
    seconds: float
    objective_kind: Objective = Objective.MERIT_MONEY
    score_scale: ScoreScale = ScoreScale.RAW
    solver_gap: float = field(default=0.0)  # the gap HiGHS reported on its own objective


# --------------------------------------------------------------------------- preparation


@dataclass(eq=False)
class _Prepared:
    problem: SelectionProblem
    order: IntArray  # canonical order: order[r] is the input index of rank r
    rank: IntArray  # input index -> rank (0 = best)
    total_request: FloatArray
    region_codes: tuple[str, ...]
    region_idx: IntArray
    forced_in: BoolArray
    forced_out: BoolArray
    selectable: BoolArray
    weight: FloatArray
    score_low: float
    score_span: float
    floor_req: IntArray
    share_cap: float | None
    p: float  # minimal fraction (1.0 when partial funding is off)
    tol: float  # money tolerance
    # Plain-Python copies for the greedy loops (numpy scalar access is slow there).
    total_l: list[float]
    requests_l: list[list[float]]
    region_l: list[int]
    envelopes_l: list[float]

    @property
    def partial(self) -> bool:
        return self.p < 1.0


def _prepare(problem: SelectionProblem) -> _Prepared:
    n = problem.n
    total = problem.requests.sum(axis=1) if n else np.zeros(0)
    order = np.lexsort((problem.ids, total, -problem.scores)).astype(np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    codes, inverse = np.unique(problem.regions, return_inverse=True)
    region_idx = inverse.astype(np.int64).reshape(-1)
    forced_in = np.isin(problem.ids, np.asarray(sorted(problem.forced_in), dtype=np.int64))
    forced_out = np.isin(problem.ids, np.asarray(sorted(problem.forced_out), dtype=np.int64))
    if problem.min_score is None:
        above_min = np.ones(n, dtype=np.bool_)
    else:
        above_min = problem.scores >= problem.min_score
    selectable = problem.eligible & (above_min | forced_in)
    if problem.score_scale is ScoreScale.NORMALISED and selectable.any():
        low = float(problem.scores[selectable].min())
        span = float(problem.scores[selectable].max()) - low
        span = span if span > 0 else 1.0
    else:
        low, span = 0.0, 1.0
    weight = (problem.scores - low) / span
    floor_req = np.zeros(len(codes), dtype=np.int64)
    if problem.region_floor > 0:
        threshold = problem.region_floor_score
        if threshold is None:
            threshold = problem.min_score if problem.min_score is not None else -_INF
        qualifies = np.zeros(len(codes), dtype=np.bool_)
        qualifies[region_idx[problem.eligible & (problem.scores >= threshold)]] = True
        selectable_count = np.bincount(region_idx[selectable], minlength=len(codes))
        floor_req = np.where(
            qualifies, np.minimum(problem.region_floor, selectable_count), 0
        ).astype(np.int64)
    share_cap = (
        None if problem.region_cap_share is None else problem.region_cap_share * problem.budget
    )
    p = 1.0 if problem.partial_min is None else float(problem.partial_min)
    return _Prepared(
        problem=problem,
        order=order,
        rank=rank,
        total_request=total.astype(np.float64),
        region_codes=tuple(str(c) for c in codes),
        region_idx=region_idx,
        forced_in=forced_in,
        forced_out=forced_out,
        selectable=selectable,
        weight=weight.astype(np.float64),
        score_low=low,
        score_span=span,
        floor_req=floor_req,
        share_cap=share_cap,
        p=p,
        tol=1e-9 * max(1.0, problem.budget) + 1e-6,
        total_l=total.astype(np.float64).tolist(),
        requests_l=problem.requests.tolist(),
        region_l=region_idx.tolist(),
        envelopes_l=problem.envelopes.tolist(),
    )


def _prechecks(prep: _Prepared) -> None:
    problem = prep.problem
    both = problem.forced_in & problem.forced_out
    if both:
        labels = [f"forced in and forced out: application {i}" for i in sorted(both)]
        raise SelectionInfeasible(
            "Some applications are both forced in and forced out: " + "; ".join(labels) + ".",
            labels,
            [ConstraintRef(k, int(i)) for i in sorted(both) for k in ("forced_in", "forced_out")],
        )
    bad = sorted(int(i) for i in problem.ids[prep.forced_in & ~problem.eligible])
    if bad:
        labels = [f"forced in: application {i} (ineligible)" for i in bad]
        raise SelectionInfeasible(
            "Ineligible applications cannot be forced in: " + "; ".join(labels) + ".",
            labels,
            [ConstraintRef("forced_in_ineligible", i) for i in bad],
        )


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class _Group:
    """A constraint (or a forced choice) that the infeasibility diagnosis may relax."""

    kind: str
    label: str
    row: int = -1
    col: int = -1
    subject: str | int | None = None
    bound: float = 0.0


@dataclass(eq=False)
class _Matrix:
    """The MILP, column-wise. Columns ``[0, k)`` are the ``x_j`` in canonical order,
    ``[k, 2k)`` the ``z_j`` when partial funding is on. Money rows are in ``unit``s."""

    k: int
    ncol: int
    nrow: int
    start: IntArray
    index: IntArray
    value: FloatArray
    nz_col: IntArray
    row_lower: FloatArray
    row_upper: FloatArray
    cost: FloatArray  # unperturbed objective
    perturbed: FloatArray  # with the tie-break bonus
    col_lower: FloatArray
    col_upper: FloatArray
    integer: BoolArray
    money: FloatArray  # budget-row coefficient of each column
    cols: IntArray  # input index of column j (x part)
    col_of: IntArray  # input index -> column (-1 if none)
    groups: list[_Group]
    floor_members: dict[int, IntArray]  # floor row -> its columns

    @property
    def row_lower_rows(self) -> IntArray:
        return np.flatnonzero(np.isfinite(self.row_lower))

    obj_scale: float  # HiGHS objective * obj_scale = objective in the problem's units
    c_ref: float  # median positive objective coefficient of a full selection (HiGHS units)


def _money(amount: float) -> str:
    return f"{amount:,.0f}"


def _assemble(prep: _Prepared) -> _Matrix:
    problem = prep.problem
    cols = prep.order[prep.selectable[prep.order]]
    k = int(cols.shape[0])
    col_of = np.full(problem.n, -1, dtype=np.int64)
    col_of[cols] = np.arange(k, dtype=np.int64)
    partial = prep.partial
    ncol = 2 * k if partial else k
    jx = np.arange(k, dtype=np.int64)
    mult = prep.p
    total = prep.total_request[cols]
    reg = prep.region_idx[cols]
    positive = prep.total_request[prep.total_request > 0]
    unit = 10.0 ** math.floor(math.log10(float(np.median(positive)))) if positive.size else 1.0

    rows_r: list[IntArray] = []
    rows_c: list[IntArray] = []
    rows_v: list[FloatArray] = []
    row_lower: list[float] = []
    row_upper: list[float] = []
    groups: list[_Group] = []
    floor_members: dict[int, IntArray] = {}

    def add_row(
        idx: IntArray,
        coef: FloatArray,
        lower: float,
        upper: float,
        kind: str,
        label: str,
        subject: str | None = None,
    ) -> int:
        r = len(row_lower)
        bound = upper if lower == -_INF else lower  # in euros or laureates, before scaling
        keep = coef != 0
        idx, coef = idx[keep], coef[keep]
        money = kind in ("budget", "envelope", "region_cap_share")
        if money:  # money rows in ``unit``s keep the model well scaled for HiGHS
            coef, lower, upper = coef / unit, lower / unit, upper / unit
        rows_r.append(np.full(idx.shape[0], r, dtype=np.int64))
        rows_c.append(idx)
        rows_v.append(coef * mult if money else coef)
        if money and partial:
            rows_r.append(np.full(idx.shape[0], r, dtype=np.int64))
            rows_c.append(idx + k)
            rows_v.append(coef)
        row_lower.append(lower)
        row_upper.append(upper)
        groups.append(_Group(kind, label, row=r, subject=subject, bound=float(bound)))
        return r

    add_row(
        jx, total, -_INF, problem.budget, "budget",
        f"call budget (at most {_money(problem.budget)})",
    )  # fmt: skip
    for f, name in enumerate(problem.funders):
        envelope = float(problem.envelopes[f])
        add_row(
            jx, problem.requests[cols, f], -_INF, envelope, "envelope",
            f"envelope of {name} (at most {_money(envelope)})", name,
        )  # fmt: skip
    by_region = np.argsort(reg, kind="stable")
    bounds = np.searchsorted(reg[by_region], np.arange(len(prep.region_codes) + 1))
    for r, code in enumerate(prep.region_codes):
        members = jx[by_region[bounds[r] : bounds[r + 1]]]
        ones = np.ones(members.shape[0], dtype=np.float64)
        req = int(prep.floor_req[r])
        if req > 0:
            row = add_row(
                members, ones, float(req), _INF, "region_floor",
                f"region floor {code} (at least {req} laureate(s))", str(code),
            )  # fmt: skip
            floor_members[row] = members
        cap = problem.region_cap_count
        if cap is not None and members.shape[0] > cap:
            add_row(
                members, ones, -_INF, float(cap), "region_cap_count",
                f"region cap {code} (at most {cap} laureate(s))", str(code),
            )  # fmt: skip
        if prep.share_cap is not None and total[members].sum() > prep.share_cap:
            add_row(
                members, total[members], -_INF, prep.share_cap, "region_cap_share",
                f"region cap {code} (at most {_money(prep.share_cap)}"
                f" = {problem.region_cap_share:.0%} of the budget)", str(code),
            )  # fmt: skip
    n_rows = len(row_lower)
    if partial and k:
        # z_j - (1 - p) x_j <= 0: the extra fraction exists only when selected.
        link = np.arange(n_rows, n_rows + k, dtype=np.int64)
        rows_r += [link, link]
        rows_c += [jx + k, jx]
        rows_v += [np.ones(k), np.full(k, -(1.0 - prep.p))]
        row_lower += [-_INF] * k
        row_upper += [0.0] * k
        n_rows += k

    r_all = np.concatenate(rows_r) if rows_r else np.zeros(0, dtype=np.int64)
    c_all = np.concatenate(rows_c) if rows_c else np.zeros(0, dtype=np.int64)
    v_all = np.concatenate(rows_v) if rows_v else np.zeros(0, dtype=np.float64)
    by_col = np.lexsort((r_all, c_all))
    nz_col = c_all[by_col]
    start = np.searchsorted(nz_col, np.arange(ncol + 1)).astype(np.int64)

    weight = prep.weight[cols]
    if problem.objective is Objective.MERIT_MONEY:
        full = weight * total / unit
        cost_x, cost_z = full * mult, full
    else:
        full = weight.copy()
        cost_x, cost_z = full, np.zeros(k)
    cost = np.concatenate([cost_x, cost_z]) if partial else cost_x.copy()
    positive_cost = full[full > 0]
    c_ref = float(np.median(positive_cost)) if positive_cost.size else 1.0
    perturbed = cost.copy()
    perturbed[:k] += TIE_BREAK_WEIGHT * c_ref * (k - jx) / max(k, 1)

    col_lower = np.zeros(ncol)
    col_upper = np.ones(ncol)
    col_lower[:k] = prep.forced_in[cols].astype(np.float64)
    col_upper[:k] = (~prep.forced_out[cols]).astype(np.float64)
    if partial:
        col_upper[k:] = 1.0 - prep.p
    for j in np.flatnonzero(prep.forced_in[cols]).tolist():
        app = int(problem.ids[cols[j]])
        groups.append(_Group("forced_in", f"forced in: application {app}", col=j, subject=app))
    for j in np.flatnonzero(prep.forced_out[cols]).tolist():
        app = int(problem.ids[cols[j]])
        groups.append(_Group("forced_out", f"forced out: application {app}", col=j, subject=app))
    integer = np.zeros(ncol, dtype=np.bool_)
    integer[:k] = True
    money = np.zeros(ncol)
    money[:k] = total * mult / unit
    if partial:
        money[k:] = total / unit
    return _Matrix(
        k=k,
        ncol=ncol,
        nrow=n_rows,
        start=start,
        index=r_all[by_col],
        value=v_all[by_col],
        nz_col=nz_col,
        row_lower=np.asarray(row_lower, dtype=np.float64),
        row_upper=np.asarray(row_upper, dtype=np.float64),
        cost=cost,
        perturbed=perturbed,
        col_lower=col_lower,
        col_upper=col_upper,
        integer=integer,
        money=money,
        cols=cols,
        col_of=col_of,
        groups=groups,
        floor_members=floor_members,
        obj_scale=unit if problem.objective is Objective.MERIT_MONEY else 1.0,
        c_ref=c_ref,
    )


def _highs(
    mat: _Matrix,
    cost: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    row_lower: FloatArray,
    row_upper: FloatArray,
    *,
    subset: IntArray | None = None,
    relax: bool = False,
    offset: float = 0.0,
) -> highspy.Highs:
    """A HiGHS model of ``mat`` (or of its columns ``subset``), built in one call."""
    start, index, value, integer = mat.start, mat.index, mat.value, mat.integer
    if subset is not None:
        lengths = mat.start[subset + 1] - mat.start[subset]
        start = np.zeros(subset.shape[0] + 1, dtype=np.int64)
        np.cumsum(lengths, out=start[1:])
        pos = np.arange(start[-1], dtype=np.int64) - np.repeat(
            start[:-1] - mat.start[subset], lengths
        )
        index, value, integer = mat.index[pos], mat.value[pos], mat.integer[subset]
        cost, lower, upper = cost[subset], lower[subset], upper[subset]
    ncol = int(cost.shape[0])
    integrality = np.zeros(ncol, dtype=np.int32)
    if not relax:
        integrality[integer] = int(highspy.HighsVarType.kInteger)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    if ncol <= SMALL_PROBLEM:  # restarts cost more than they save on small models
        h.setOptionValue("mip_allow_restart", False)
    h.passModel(
        ncol, mat.nrow, int(value.shape[0]), int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize), offset, np.ascontiguousarray(cost, dtype=np.float64),
        np.ascontiguousarray(lower, dtype=np.float64),
        np.ascontiguousarray(upper, dtype=np.float64),
        np.ascontiguousarray(row_lower, dtype=np.float64),
        np.ascontiguousarray(row_upper, dtype=np.float64),
        start.astype(np.int32), index.astype(np.int32),
        np.ascontiguousarray(value, dtype=np.float64), integrality,
    )  # fmt: skip
    return h


def _run(h: highspy.Highs, *, gap: float, time_limit: float) -> highspy.HighsModelStatus:
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("time_limit", max(time_limit, 0.01))
    if h.run() == highspy.HighsStatus.kError and (
        h.getModelStatus() == highspy.HighsModelStatus.kNotset
    ):
        # HiGHS refuses to run with ``threads=1`` when something else in this process
        # (another solver call with the default threads) started its global thread
        # scheduler with more threads: reset the scheduler, then run again.
        highspy.Highs.resetGlobalScheduler(True)
        h.run()
    return h.getModelStatus()


def _activity(mat: _Matrix, x: FloatArray) -> FloatArray:
    weights = mat.value * x[mat.nz_col]
    return np.bincount(mat.index, weights=weights, minlength=mat.nrow).astype(np.float64)


def _reduced_costs(mat: _Matrix, cost: FloatArray, y: FloatArray) -> FloatArray:
    return cost - np.bincount(mat.nz_col, weights=mat.value * y[mat.index], minlength=mat.ncol)


def _row_tolerance(mat: _Matrix) -> FloatArray:
    scale = np.where(np.isfinite(mat.row_upper), np.abs(mat.row_upper), np.abs(mat.row_lower))
    return 1e-9 * (1.0 + np.where(np.isfinite(scale), scale, 0.0))


def _feasible_point(mat: _Matrix, x: FloatArray, lower: FloatArray, upper: FloatArray) -> bool:
    if np.any(x < lower - 1e-9) or np.any(x > upper + 1e-9):
        return False
    act = _activity(mat, x)
    tol = _row_tolerance(mat)
    return bool(np.all(act <= mat.row_upper + tol) and np.all(act >= mat.row_lower - tol))


@dataclass(eq=False)
class _Outcome:
    x: FloatArray
    objective: float  # in HiGHS units, with the costs solved for
    bound: float
    status: SolveStatus
    solver_gap: float


def _direct(
    mat: _Matrix,
    cost: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    start: FloatArray | None,
    *,
    gap: float,
    time_limit: float,
    presolve: bool = True,
) -> _Outcome | None:
    """The whole MILP in HiGHS (partial funding, and the fallback)."""
    h = _highs(mat, cost, lower, upper, mat.row_lower, mat.row_upper)
    if not presolve:
        h.setOptionValue("presolve", "off")
    if start is not None:
        h.setSolution(mat.ncol, np.arange(mat.ncol, dtype=np.int32), start)
    status = _run(h, gap=gap, time_limit=time_limit)
    if status == highspy.HighsModelStatus.kInfeasible:
        return None
    info = h.getInfo()
    if info.primal_solution_status < 2:  # no feasible solution
        raise SelectionError(f"no selection found within {time_limit:g} s")
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    x[mat.integer] = np.round(x[mat.integer])
    objective = float(cost @ x)
    bound = float(info.mip_dual_bound)
    return _Outcome(
        x=x,
        objective=objective,
        bound=bound if math.isfinite(bound) else objective,
        status=SolveStatus.OPTIMAL
        if status == highspy.HighsModelStatus.kOptimal
        else SolveStatus.TIME_LIMIT,
        solver_gap=float(info.mip_gap),
    )


def _greedy(
    mat: _Matrix, x: FloatArray, cost: FloatArray, lower: FloatArray, upper: FloatArray
) -> FloatArray | None:
    """Complete a 0/1 point that satisfies the <= rows: meet the floors, then add by
    objective density whatever fits. None if a floor cannot be met this way."""
    x = x.copy()
    act = _activity(mat, x)
    tol = _row_tolerance(mat)
    room = mat.row_upper + tol - act
    density = cost / np.maximum(mat.money, 1e-12)
    free = (lower < upper) & mat.integer

    def fits(j: int) -> bool:
        rows = mat.index[mat.start[j] : mat.start[j + 1]]
        vals = mat.value[mat.start[j] : mat.start[j + 1]]
        return bool(np.all(vals <= room[rows]))

    def take(j: int) -> None:
        rows = mat.index[mat.start[j] : mat.start[j + 1]]
        vals = mat.value[mat.start[j] : mat.start[j + 1]]
        room[rows] -= vals
        act[rows] += vals
        x[j] = 1.0

    for row, members in mat.floor_members.items():
        if act[row] >= mat.row_lower[row] - tol[row]:
            continue
        pool = members[free[members] & (x[members] == 0)]
        for j in pool[np.argsort(-density[pool], kind="stable")].tolist():
            if fits(j):
                take(j)
                if act[row] >= mat.row_lower[row] - tol[row]:
                    break
        if act[row] < mat.row_lower[row] - tol[row]:
            return None

    def fitting(pool: IntArray) -> IntArray:
        """The columns of ``pool`` that fit alone (vectorised over their nonzeros)."""
        mask = np.zeros(mat.ncol, dtype=np.bool_)
        mask[pool] = True
        nz = mask[mat.nz_col]
        over = np.bincount(
            mat.nz_col[nz], weights=mat.value[nz] > room[mat.index[nz]], minlength=mat.ncol
        )
        return pool[over[pool] == 0]

    pool = fitting(np.flatnonzero(free & (x == 0) & (cost > 0)))
    pool = pool[np.argsort(-density[pool], kind="stable")]
    misses = 0
    while pool.size:
        j = int(pool[0])
        pool = pool[1:]
        if fits(j):
            take(j)
            misses = 0
        else:
            misses += 1
            if misses >= 32:  # the room has shrunk: filter the rest at once
                pool = fitting(pool)
                misses = 0
    return x


def _restricted_lp(
    mat: _Matrix,
    cost: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    held: FloatArray,
    subset: IntArray,
    *,
    scale: float,
    penalty: float,
    time_limit: float,
) -> tuple[FloatArray, FloatArray, float, float]:
    """The LP over ``subset`` with the other columns held at ``held`` (row bounds times
    ``scale``), plus one penalised artificial column per row so that it is always
    feasible. Returns the row duals, the subset's values, the objective without the
    penalties and the artificial total."""
    act = _activity(mat, held)
    row_lower = (mat.row_lower - act) * scale
    row_upper = (mat.row_upper - act) * scale
    h = _highs(mat, cost, lower, upper, row_lower, row_upper, subset=subset, relax=True)
    rows = np.concatenate([np.flatnonzero(np.isfinite(mat.row_upper)), mat.row_lower_rows])
    signs = np.concatenate(
        [-np.ones(int(np.isfinite(mat.row_upper).sum())), np.ones(mat.row_lower_rows.shape[0])]
    )
    n_art = int(rows.shape[0])
    h.addCols(
        n_art,
        np.full(n_art, -penalty),
        np.zeros(n_art),
        np.full(n_art, _INF),
        n_art,
        np.arange(n_art, dtype=np.int32),
        rows.astype(np.int32),
        signs,
    )
    status = _run(h, gap=0.0, time_limit=time_limit)
    if status != highspy.HighsModelStatus.kOptimal:
        raise SelectionError(f"the LP relaxation stopped with status {status}")
    solution = h.getSolution()
    values = np.asarray(solution.col_value, dtype=np.float64)
    x_sub, artificial = values[: subset.shape[0]], values[subset.shape[0] :]
    return (
        np.asarray(solution.row_dual, dtype=np.float64),
        x_sub,
        float(cost[subset] @ x_sub),
        float(artificial.sum()),
    )


def _sifted(
    mat: _Matrix,
    cost: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    start: FloatArray | None,
    *,
    gap: float,
    time_limit: float,
) -> _Outcome | None:
    """The binary MILP (no partial funding) in three steps.

    1. The LP relaxation by sifting. Duals estimated on a stratified sample of the
       columns (every s-th in canonical order, row bounds scaled down) say which columns
       are surely in or out; those are held at that bound and the rest form a working
       set. The restricted LP (always feasible thanks to penalised artificial columns)
       prices every column (numpy); attractive held columns join, until none is and no
       artificial is used. (HiGHS's simplex on the whole LP is slow here: each of its
       few iterations flips bounds across tens of thousands of boxed columns.)
    2. An incumbent: the best of ``start`` and the rounded LP completed greedily.
    3. Reduced-cost fixing: a column at a bound whose reduced cost exceeds
       ``LP bound - incumbent`` keeps that bound in every better solution, so HiGHS only
       branches on the rest; its bound is then valid for the whole problem.
    """
    deadline = time.perf_counter() + time_limit
    free = lower < upper
    free_idx = np.flatnonzero(free)
    if free_idx.size == 0:  # everything is forced: feasible or not
        if not _feasible_point(mat, lower, lower, upper):
            return None
        value = float(cost @ lower)
        return _Outcome(lower.copy(), value, value, SolveStatus.OPTIMAL, 0.0)
    density = cost / np.maximum(mat.money, 1e-12)
    ratios = np.abs(cost[mat.nz_col]) / np.maximum(np.abs(mat.value), 1e-12)
    penalty = 10.0 * (1.0 + float(ratios.max(initial=0.0)))
    d_tol = 1e-9 * (1.0 + float(np.abs(cost).max(initial=0.0)))
    base = np.where(free, 0.0, lower)
    work = np.zeros(mat.ncol, dtype=np.bool_)
    if free_idx.size <= 4 * SIFT_WINDOW:
        work[free_idx] = True
        u = base.copy()
    else:
        sample = free_idx[:: max(1, free_idx.size // SIFT_SAMPLE)]
        y, _, _, _ = _restricted_lp(
            mat, cost, lower, upper, base, sample,
            scale=sample.size / free_idx.size, penalty=penalty,
            time_limit=max(deadline - time.perf_counter(), 0.01),
        )  # fmt: skip
        d = _reduced_costs(mat, cost, y)
        u = np.where(free, (d > 0).astype(np.float64), lower)
        near = free_idx[np.argsort(np.abs(d[free_idx]), kind="stable")[: 2 * SIFT_WINDOW]]
        work[near] = True
        for members in mat.floor_members.values():
            pool = members[free[members]]
            work[pool[np.argsort(-density[pool], kind="stable")[: SIFT_WINDOW // 10 + 1]]] = True
    while True:
        sub = np.flatnonzero(work)
        held = np.where(work, 0.0, u)
        y, x_sub, z_sub, artificial = _restricted_lp(
            mat, cost, lower, upper, held, sub, scale=1.0, penalty=penalty,
            time_limit=max(deadline - time.perf_counter(), 0.01),
        )  # fmt: skip
        d = _reduced_costs(mat, cost, y)
        enter = ~work & free & (((u < 0.5) & (d > d_tol)) | ((u > 0.5) & (d < -d_tol)))
        if not enter.any():
            if artificial > 1e-7:
                if work[free_idx].all():
                    return None  # even the LP relaxation is infeasible
                work[free_idx] = True
                continue
            lp_x = held.copy()
            lp_x[sub] = x_sub
            z_lp = z_sub + float(cost @ held)
            break
        pool = np.flatnonzero(enter)
        if pool.size > SIFT_ADD:
            pool = pool[np.argsort(-np.abs(d[pool]), kind="stable")[:SIFT_ADD]]
        work[pool] = True

    incumbents: list[FloatArray] = []
    if start is not None and _feasible_point(mat, start, lower, upper):
        incumbents.append(start)
    # Rounding the LP down keeps every <= row (their coefficients are >= 0).
    rounded = np.where(free, np.floor(lp_x + 1e-6), lower)
    completed = _greedy(mat, rounded, cost, lower, upper)
    if completed is not None and _feasible_point(mat, completed, lower, upper):
        incumbents.append(completed)
    if not incumbents:
        return _direct(mat, cost, lower, upper, None, gap=gap, time_limit=time_limit)
    best = max(incumbents, key=lambda x: float(cost @ x))
    z_inc = float(cost @ best)

    def done(x: FloatArray, bound: float, status: SolveStatus) -> _Outcome:
        value = float(cost @ x)
        bound = max(bound, value)
        return _Outcome(x, value, bound, status, (bound - value) / abs(bound) if bound else 0.0)

    def within(value: float) -> bool:
        return z_lp - value <= gap * abs(z_lp)

    if within(z_inc):  # the LP bound already proves the incumbent
        return done(best, z_lp, SolveStatus.OPTIMAL)

    def solve_part(part: BoolArray, held: FloatArray) -> tuple[FloatArray, float, bool]:
        """HiGHS on the columns ``part``, the others held; from ``best``."""
        sub = np.flatnonzero(part)
        act = _activity(mat, np.where(part, 0.0, held))
        h = _highs(
            mat, cost, lower, upper, mat.row_lower - act, mat.row_upper - act,
            subset=sub, offset=float(cost @ np.where(part, 0.0, held)),
        )  # fmt: skip
        h.setSolution(int(sub.shape[0]), np.arange(sub.shape[0], dtype=np.int32), best[sub])
        status = _run(h, gap=gap, time_limit=max(deadline - time.perf_counter(), 0.01))
        info = h.getInfo()
        x = best
        if status != highspy.HighsModelStatus.kInfeasible and info.primal_solution_status >= 2:
            found = np.where(part, 0.0, held)
            found[sub] = np.round(np.asarray(h.getSolution().col_value, dtype=np.float64))
            if float(cost @ found) >= z_inc and _feasible_point(mat, found, lower, upper):
                x = found
        part_bound = float(info.mip_dual_bound)
        if not math.isfinite(part_bound):
            part_bound = z_lp
        solved = status in (
            highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible
        )  # fmt: skip
        return x, min(part_bound, z_lp), solved

    # A core problem first (a neighbourhood of the incumbent: the columns of smallest
    # reduced cost and those where the incumbent and the LP disagree), to get an
    # incumbent close enough to the LP bound for reduced-cost fixing to bite.
    rank_d = np.abs(d)
    core = free & (np.abs(best - np.round(lp_x)) > 0.5)
    free_idx_sorted = free_idx[np.argsort(rank_d[free_idx], kind="stable")]
    core[free_idx_sorted[:CORE_SIZE]] = True
    tau = float(rank_d[free_idx_sorted[min(CORE_SIZE, free_idx_sorted.size) - 1]])
    if not core[free_idx].all():
        best, core_bound, core_solved = solve_part(core, best)
        z_inc = float(cost @ best)
        if within(z_inc):
            return done(best, z_lp, SolveStatus.OPTIMAL)
    else:
        core_bound, core_solved = z_lp, False
    # Reduced-cost fixing: away from its LP bound, column j costs at least |d_j|.
    margin = max(z_lp - z_inc, 0.0) + 1e-9 * (1.0 + abs(z_lp))
    at_bound = (lp_x <= lower + 1e-9) | (lp_x >= upper - 1e-9)
    keep = free & ~(at_bound & (rank_d > margin))
    keep |= free & (np.abs(best - np.round(lp_x)) > 0.5)  # never cut the incumbent off
    if core_solved and margin <= tau and not (keep & ~core).any():
        # Every better selection lies in the core problem: its bound is global.
        return done(best, core_bound, SolveStatus.OPTIMAL)
    held = np.where(keep, 0.0, np.where(free, np.round(lp_x), lower))
    x, bound, solved = solve_part(keep, held)
    return done(x, bound, SolveStatus.OPTIMAL if solved else SolveStatus.TIME_LIMIT)


def _optimise(
    prep: _Prepared,
    mat: _Matrix,
    cost: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    start: FloatArray | None,
    *,
    gap: float,
    time_limit: float,
) -> _Outcome | None:
    if prep.partial:
        # Measured: HiGHS's presolve spends seconds on the link rows with the money
        # objective (10k: 5.2 s with it, 0.8 s without) but helps with total score.
        presolve = prep.problem.objective is not Objective.MERIT_MONEY
        return _direct(
            mat, cost, lower, upper, start, gap=gap, time_limit=time_limit, presolve=presolve
        )
    return _sifted(mat, cost, lower, upper, start, gap=gap, time_limit=time_limit)


# --------------------------------------------------------------------------- diagnosis


def _diagnose(mat: _Matrix, *, time_limit: float = 10.0) -> SelectionInfeasible:
    """Deletion filter over constraint groups: a minimal set that cannot all hold.

    Each group (the budget, an envelope, a region floor or cap, a forced choice) is
    relaxed in turn; if the rest is still infeasible it is cleared, otherwise it is part
    of the conflict. Whole kinds are tried first, to save solves on large calls.
    """
    h = _highs(mat, np.zeros(mat.ncol), mat.col_lower, mat.col_upper, mat.row_lower, mat.row_upper)

    def relax(group: _Group, relaxed: bool) -> None:
        if group.kind in ("forced_in", "forced_out"):
            lower = 0.0 if relaxed else float(mat.col_lower[group.col])
            upper = 1.0 if relaxed else float(mat.col_upper[group.col])
            h.changeColBounds(group.col, lower, upper)
        elif relaxed:
            h.changeRowBounds(group.row, -_INF, _INF)
        else:
            h.changeRowBounds(
                group.row, float(mat.row_lower[group.row]), float(mat.row_upper[group.row])
            )

    def feasible() -> bool:
        # A time out without a verdict counts as feasible: the group stays a suspect.
        status = _run(h, gap=1.0, time_limit=time_limit)
        return status != highspy.HighsModelStatus.kInfeasible

    active = list(mat.groups)
    kinds = (
        "forced_out", "region_cap_count", "region_cap_share", "envelope", "forced_in",
        "region_floor", "budget",
    )  # fmt: skip
    for kind in kinds:
        members = [g for g in active if g.kind == kind]
        if not members:
            continue
        for g in members:
            relax(g, True)
        if feasible():
            for g in members:
                relax(g, False)
        else:
            active = [g for g in active if g.kind != kind]
    for g in list(active):
        relax(g, True)
        if feasible():
            relax(g, False)
        else:
            active.remove(g)
    labels = [g.label for g in active]
    return SelectionInfeasible(
        "No selection satisfies every constraint. These constraints conflict "
        "(relax at least one of them): " + "; ".join(labels) + ".",
        labels,
        [ConstraintRef(g.kind, g.subject, g.bound) for g in active],
    )


# --------------------------------------------------------------------------- accounting


@dataclass(eq=False)
class _State:
    """Money and counts used by a selection, kept incrementally (plain Python)."""

    prep: _Prepared
    spent: float
    spent_f: list[float]
    count_r: list[int]
    spent_r: list[float]

    @classmethod
    def of(cls, prep: _Prepared, fraction: FloatArray) -> _State:
        problem = prep.problem
        n_regions = len(prep.region_codes)
        money = prep.total_request * fraction
        return cls(
            prep=prep,
            spent=float(money.sum()),
            spent_f=(problem.requests * fraction[:, None]).sum(axis=0).tolist(),
            count_r=np.bincount(prep.region_idx[fraction > 0], minlength=n_regions).tolist(),
            spent_r=np.bincount(prep.region_idx, weights=money, minlength=n_regions).tolist(),
        )

    def copy(self) -> _State:
        return _State(
            self.prep, self.spent, list(self.spent_f), list(self.count_r), list(self.spent_r)
        )

    def room(self, i: int, *, region: bool = True, exact: bool = False) -> float:
        """Largest extra fraction of ``i``'s requests that fits the budget, the envelopes
        and (``region``) its region's share cap; within the money tolerance unless
        ``exact`` (used to size partial awards, which must not eat the tolerance)."""
        prep = self.prep
        tol = 0.0 if exact else prep.tol
        room = _INF
        total = prep.total_l[i]
        if total > 0:
            room = (prep.problem.budget - self.spent + tol) / total
            if region and prep.share_cap is not None:
                left = prep.share_cap - self.spent_r[prep.region_l[i]] + tol
                room = min(room, left / total)
        for ask, envelope, spent in zip(
            prep.requests_l[i], prep.envelopes_l, self.spent_f, strict=True
        ):
            if ask > 0:
                room = min(room, (envelope - spent + tol) / ask)
        return room

    def count_full(self, i: int) -> bool:
        cap = self.prep.problem.region_cap_count
        return cap is not None and self.count_r[self.prep.region_l[i]] >= cap

    def add(self, i: int, delta: float, count: int) -> None:
        prep = self.prep
        money = prep.total_l[i] * delta
        self.spent += money
        for f, ask in enumerate(prep.requests_l[i]):
            self.spent_f[f] += ask * delta
        r = prep.region_l[i]
        self.spent_r[r] += money
        self.count_r[r] += count


def _fill(prep: _Prepared, fraction: FloatArray) -> None:
    """Add, in canonical order, whatever still fits; then top up partial awards."""
    problem = prep.problem
    state = _State.of(prep, fraction)
    out = prep.selectable & ~prep.forced_out & (fraction == 0)
    # Cheap vectorised pre-filter (money left only decreases while filling).
    minimum = prep.p
    left_f = np.asarray(problem.envelopes) - np.asarray(state.spent_f) + prep.tol
    fits = out & (prep.total_request * minimum <= problem.budget - state.spent + prep.tol)
    fits &= np.all(problem.requests * minimum <= left_f[None, :], axis=1)
    for i in prep.order[fits[prep.order]].tolist():
        if state.count_full(i):
            continue
        if state.room(i) >= minimum:
            take = 1.0 if not prep.partial else min(1.0, max(minimum, state.room(i, exact=True)))
            fraction[i] = take
            state.add(i, take, 1)
    if prep.partial:
        short = (fraction > 0) & (fraction < 1.0)
        for i in prep.order[short[prep.order]].tolist():
            extra = min(1.0 - fraction[i], state.room(i, exact=True))
            if extra > 1e-12:
                fraction[i] += extra
                state.add(i, extra, 0)


def _repair(prep: _Prepared, fraction: FloatArray) -> None:
    """Undo solver-tolerance excesses on money constraints (a safety net, rarely used).

    Reduces partial fractions, then removes the lowest-ranked laureate that is neither
    forced in nor needed for its region's floor, from the constraint that is exceeded.
    """
    problem = prep.problem
    for _ in range(problem.n + 1):
        state = _State.of(prep, fraction)
        tol = prep.tol
        involved: BoolArray | None = None
        excess = 0.0
        if state.spent > problem.budget + tol:
            involved, excess = prep.total_request > 0, state.spent - problem.budget
        else:
            for f in range(len(problem.funders)):
                if state.spent_f[f] > prep.envelopes_l[f] + tol:
                    involved = problem.requests[:, f] > 0
                    excess = state.spent_f[f] - prep.envelopes_l[f]
                    break
            if involved is None and prep.share_cap is not None:
                over = [r for r, s in enumerate(state.spent_r) if s > prep.share_cap + tol]
                if over:
                    involved = (prep.region_idx == over[0]) & (prep.total_request > 0)
                    excess = state.spent_r[over[0]] - prep.share_cap
        if involved is None:
            return
        chosen = (fraction > 0) & involved
        ranked = prep.order[chosen[prep.order]][::-1].tolist()
        if prep.partial:
            reduced = False
            for i in ranked:
                give = min(fraction[i] - prep.p, excess / prep.total_l[i] + 1e-12)
                if give > 0:
                    fraction[i] -= give
                    excess -= give * prep.total_l[i]
                    reduced = True
                if excess <= 0:
                    break
            if reduced:
                continue
        for i in ranked:
            r = prep.region_l[i]
            if prep.forced_in[i] or state.count_r[r] <= prep.floor_req[r]:
                continue
            fraction[i] = 0.0
            break
        else:
            return  # nothing removable: check_selection will report the violation


def _objective(prep: _Prepared, fraction: FloatArray) -> float:
    if prep.problem.objective is Objective.MERIT_MONEY:
        return float(np.dot(prep.weight, prep.total_request * fraction))
    return float(prep.weight[fraction > 0].sum())


def _totals(
    prep: _Prepared, fraction: FloatArray
) -> tuple[FloatArray, dict[str, float], dict[str, RegionTotal]]:
    problem = prep.problem
    awards = problem.requests * fraction[:, None]
    state = _State.of(prep, fraction)
    per_funder = {name: state.spent_f[f] for f, name in enumerate(problem.funders)}
    per_region = {
        code: RegionTotal(
            count=state.count_r[r],
            amount=state.spent_r[r],
            floor_required=int(prep.floor_req[r]),
            cap_count=problem.region_cap_count,
            cap_amount=prep.share_cap,
        )
        for r, code in enumerate(prep.region_codes)
    }
    return awards, per_funder, per_region


def _selected_ids(prep: _Prepared, fraction: FloatArray) -> tuple[int, ...]:
    chosen = prep.order[(fraction > 0)[prep.order]]
    return tuple(prep.problem.ids[chosen].tolist())


def _baseline(prep: _Prepared, kind: str, fraction: FloatArray) -> Baseline:
    awards, per_funder, per_region = _totals(prep, fraction)
    return Baseline(
        kind=kind,
        selected_ids=_selected_ids(prep, fraction),
        fraction=fraction,
        awards=awards,
        objective=_objective(prep, fraction),
        totals_per_funder=per_funder,
        totals_per_region=per_region,
        violations=tuple(_violations(prep, fraction)),
    )


# --------------------------------------------------------------------------- baselines


def _take_by_rank(
    prep: _Prepared, fraction: FloatArray, ranked: IntArray, *, caps: bool, stop: bool
) -> None:
    """Fund ``ranked`` (input indices, best first) in full while they fit the budget and
    the envelopes (and, with ``caps``, the region caps): skip those that do not fit, or
    (``stop``) stop at the first. Vectorised: each step takes the longest prefix of a
    chunk that fits at once, and drops what no longer fits alone (money only shrinks)."""
    problem = prep.problem
    tol = prep.tol
    total = prep.total_request
    requests = problem.requests
    region = prep.region_idx
    n_regions = len(prep.region_codes)
    money = total * fraction
    budget_left = problem.budget - float(money.sum())
    env_left = problem.envelopes - (requests * fraction[:, None]).sum(axis=0)
    count_left: IntArray | None = None
    share_left: FloatArray | None = None
    if caps and problem.region_cap_count is not None:
        used = np.bincount(region[fraction > 0], minlength=n_regions)
        count_left = (problem.region_cap_count - used).astype(np.int64)
    if caps and prep.share_cap is not None:
        spent = np.bincount(region, weights=money, minlength=n_regions)
        share_left = (prep.share_cap - spent).astype(np.float64)
    rest = ranked
    while rest.size:
        chunk = rest[:2048]
        t, q, g = total[chunk], requests[chunk], region[chunk]
        alone = (t <= budget_left + tol) & np.all(q <= env_left + tol, axis=1)
        if count_left is not None:
            alone &= count_left[g] >= 1
        if share_left is not None:
            alone &= t <= share_left[g] + tol
        if not stop:
            chunk, t, q, g = chunk[alone], t[alone], q[alone], g[alone]
        bad = ~alone if stop else np.zeros(chunk.shape[0], dtype=np.bool_)
        bad |= np.cumsum(t) > budget_left + tol
        bad |= np.any(np.cumsum(q, axis=0) > env_left + tol, axis=1)
        if chunk.size and (count_left is not None or share_left is not None):
            by = np.argsort(g, kind="stable")
            gs, ts = g[by], t[by]
            first = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
            group_start = np.repeat(first, np.diff(np.r_[first, gs.shape[0]]))
            if count_left is not None:
                count = np.arange(gs.shape[0]) - group_start + 1
                bad[by] |= count > count_left[gs]
            if share_left is not None:
                cumulative = np.cumsum(ts)
                within = cumulative - (cumulative[group_start] - ts[group_start])
                bad[by] |= within > share_left[gs] + tol
        p = int(np.argmax(bad)) if bad.any() else int(chunk.shape[0])
        take = chunk[:p]
        fraction[take] = 1.0
        budget_left -= float(t[:p].sum())
        env_left = env_left - q[:p].sum(axis=0)
        if count_left is not None:
            count_left = count_left - np.bincount(g[:p], minlength=n_regions)
        if share_left is not None:
            share_left = share_left - np.bincount(g[:p], weights=t[:p], minlength=n_regions)
        if stop and p < chunk.shape[0]:
            return
        # The item at p no longer fits alone: skip it and look again at the others.
        rest = np.concatenate((chunk[p + 1 :], rest[2048:]))


def _ranking_cutoff(prep: _Prepared) -> FloatArray:
    problem = prep.problem
    fraction = np.zeros(problem.n)
    fraction[prep.forced_in & problem.eligible] = 1.0
    pool = prep.selectable & ~prep.forced_in & ~prep.forced_out
    _take_by_rank(prep, fraction, prep.order[pool[prep.order]], caps=False, stop=True)
    return fraction


def ranking_cutoff(problem: SelectionProblem) -> Baseline:
    """The plain ranking cut-off: forced-in applications, then by rank while the budget
    and the funders' envelopes last (stops at the first that does not fit; regions are
    ignored, so floors and caps may be violated: see ``violations``). Full requests."""
    prep = _prepare(problem)
    return _baseline(prep, "ranking_cutoff", _ranking_cutoff(prep))


def _merit_order(prep: _Prepared) -> FloatArray:
    problem = prep.problem
    fraction = np.zeros(problem.n)
    fraction[prep.forced_in & problem.eligible] = 1.0
    pool = prep.selectable & ~prep.forced_in & ~prep.forced_out
    ranked_array = prep.order[pool[prep.order]]
    _take_by_rank(prep, fraction, ranked_array, caps=True, stop=False)
    state = _State.of(prep, fraction)
    ranked = ranked_array.tolist()
    # Region floors: take each short region's best remaining applications, making room
    # by dropping the lowest-ranked laureates of regions above their floor.
    fixed = _State.of(prep, np.where(prep.forced_in & problem.eligible, 1.0, 0.0))
    floor = prep.floor_req.tolist()
    for r in [r for r, need in enumerate(floor) if state.count_r[r] < need]:
        tries = 0
        for i in ranked:
            if state.count_r[r] >= floor[r] or state.count_full(i) or tries >= 20:
                break
            if prep.region_l[i] != r or fraction[i] > 0 or fixed.room(i) < 1.0:
                continue
            tries += 1
            trial = state.copy()
            dropped: list[int] = []
            for j in reversed(ranked):
                if trial.room(i) >= 1.0:
                    break
                rj = prep.region_l[j]
                if fraction[j] > 0 and rj != r and trial.count_r[rj] > floor[rj]:
                    trial.add(j, -1.0, -1)
                    dropped.append(j)
            if trial.room(i) >= 1.0:
                fraction[dropped] = 0.0
                fraction[i] = 1.0
                trial.add(i, 1.0, 1)
                state = trial
    # Spend what the swaps freed.
    _take_by_rank(prep, fraction, ranked_array[fraction[ranked_array] == 0], caps=True, stop=False)
    return fraction


def merit_order(problem: SelectionProblem) -> Baseline:
    """Merit order under constraints: forced-in applications, then by rank while the
    budget, envelopes and region caps allow (skipping what does not fit), then fill the
    region floors with each short region's best applications, dropping the
    lowest-ranked laureates of other regions to make room. Full requests. A heuristic:
    it may fail a floor (see ``violations``)."""
    prep = _prepare(problem)
    return _baseline(prep, "merit_order", _merit_order(prep))


# --------------------------------------------------------------------------- the optimiser


def _columns_of(prep: _Prepared, mat: _Matrix, fraction: FloatArray) -> FloatArray:
    values = np.zeros(mat.ncol)
    chosen = fraction[mat.cols] > 0
    values[: mat.k] = chosen
    if prep.partial:
        values[mat.k :] = np.where(chosen, np.clip(fraction[mat.cols] - prep.p, 0.0, None), 0.0)
    return values


def _fraction_of(prep: _Prepared, mat: _Matrix, values: FloatArray) -> FloatArray:
    fraction = np.zeros(prep.problem.n)
    x = values[: mat.k] > 0.5
    if prep.partial:
        z = np.clip(values[mat.k :], 0.0, 1.0 - prep.p)
        fraction[mat.cols] = np.where(x, np.minimum(prep.p + z, 1.0), 0.0)
    else:
        fraction[mat.cols[x]] = 1.0
    return fraction


def _needed_weight(
    prep: _Prepared,
    mat: _Matrix,
    i: int,
    target: float,
    start: FloatArray,
    *,
    time_limit: float,
) -> float | None:
    """Lowest weight at which forcing ``i`` in reaches ``target`` (None: it never can)."""
    j = int(mat.col_of[i])
    k = mat.k
    cost = mat.cost.copy()
    cost[j] = 0.0
    if prep.partial:
        cost[k + j] = 0.0
    lower = mat.col_lower.copy()
    lower[j] = 1.0
    forced = start.copy()
    forced[j] = 1.0

    def best(c: FloatArray) -> float | None:
        out = _optimise(
            prep, mat, c, lower, mat.col_upper, forced, gap=EXACT_GAP, time_limit=time_limit
        )
        return None if out is None else out.objective * mat.obj_scale

    rest = best(cost)
    if rest is None:
        return None
    need = target - rest
    total = prep.total_l[i]
    if prep.problem.objective is Objective.TOTAL_SCORE:
        return need
    if total <= 0:
        return None if need > 0 else 0.0
    if not prep.partial:
        return need / total
    # Partial funding: the award of ``i`` moves with its weight; bisect.
    low, high = need / total, need / (prep.p * total)
    for _ in range(14):
        mid = 0.5 * (low + high)
        trial = cost.copy()
        trial[j] = mid * total * prep.p / mat.obj_scale
        trial[k + j] = mid * total / mat.obj_scale
        value = best(trial)
        if value is not None and value >= target - 1e-9 * max(1.0, abs(target)):
            high = mid
        else:
            low = mid
    return high


def _score_of_weight(prep: _Prepared, weight: float) -> float:
    return prep.score_low + weight * prep.score_span


def _explain(
    prep: _Prepared, fraction: FloatArray, needed: dict[int, float | None]
) -> dict[int, Explanation]:
    problem = prep.problem
    state = _State.of(prep, fraction)
    n = problem.n
    minimum = prep.p
    budget_left = problem.budget - state.spent
    env_left = np.asarray(problem.envelopes) - np.asarray(state.spent_f)
    over_budget = prep.total_request * minimum > budget_left + prep.tol
    over_f = problem.requests * minimum > (env_left + prep.tol)[None, :]
    # One code per application, vectorised; objects are built in one pass after.
    code = np.full(n, 6, dtype=np.int8)  # 6: region cap
    code[over_budget | over_f.any(axis=1)] = 5  # budget
    code[~prep.selectable] = 4  # below the minimum score
    code[~problem.eligible] = 3
    code[prep.forced_out] = 2
    code[fraction > 0] = 0
    code[(fraction > 0) & prep.forced_in] = 1
    codes = (
        ExplanationCode.SELECTED, ExplanationCode.FORCED_IN, ExplanationCode.FORCED_OUT,
        ExplanationCode.INELIGIBLE, ExplanationCode.BELOW_MIN_SCORE, ExplanationCode.BUDGET,
        ExplanationCode.REGION_CAP,
    )  # fmt: skip
    names = ("call budget", *(f"envelope of {name}" for name in problem.funders))
    lefts = (budget_left, *env_left.tolist())
    blocked_key = over_budget.astype(np.int64)
    for f in range(len(problem.funders)):
        blocked_key |= over_f[:, f].astype(np.int64) << (f + 1)
    blocked: dict[int, tuple[tuple[str, ...], tuple[float, ...]]] = {}
    for key in np.unique(blocked_key[code == 5]).tolist():
        which = [b for b in range(len(names)) if key >> b & 1]
        blocked[key] = (tuple(names[b] for b in which), tuple(lefts[b] for b in which))
    ids = problem.ids.tolist()
    rank = (prep.rank + 1).tolist()
    scores = problem.scores.tolist()
    shares = fraction.tolist()
    region = prep.region_l
    keys = blocked_key.tolist()
    out: dict[int, Explanation] = {}
    for i, (app_id, c) in enumerate(zip(ids, code.tolist(), strict=True)):
        kind = codes[c]
        if c <= 1:
            share = shares[i]
            out[app_id] = Explanation(
                kind, rank[i], n, scores[i], award=prep.total_l[i] * share, fraction=share
            )
        elif c <= 3:
            out[app_id] = Explanation(kind, rank[i], n, scores[i])
        elif c == 4:
            out[app_id] = Explanation(kind, rank[i], n, scores[i], min_score=problem.min_score)
        else:
            need: float | None = None
            if i in needed:
                weight = needed[i]
                if weight is not None:
                    need = max(scores[i], _score_of_weight(prep, weight))
            by, left = blocked[keys[i]] if c == 5 else ((), ())
            out[app_id] = Explanation(
                kind,
                rank[i],
                n,
                scores[i],
                needed_score=need,
                needed_computed=i in needed,
                blocked_by=by,
                left=left,
                asked=prep.total_l[i] * minimum,
                region=prep.region_codes[region[i]],
            )
    return out


def _diff(prep: _Prepared, fraction: FloatArray, base: Baseline) -> SelectionDiff:
    problem = prep.problem
    chosen = fraction > 0
    base_chosen = base.fraction > 0
    entered = prep.order[(chosen & ~base_chosen)[prep.order]]
    left = prep.order[(~chosen & base_chosen)[prep.order]]
    regions = {prep.region_codes[r] for r in np.unique(prep.region_idx[chosen]).tolist()}
    base_regions = {prep.region_codes[r] for r in np.unique(prep.region_idx[base_chosen]).tolist()}
    return SelectionDiff(
        entered=tuple(problem.ids[entered].tolist()),
        left=tuple(problem.ids[left].tolist()),
        score_gained=float(problem.scores[chosen].sum() - problem.scores[base_chosen].sum()),
        objective_gained=_objective(prep, fraction) - base.objective,
        regions_covered=len(regions),
        baseline_regions_covered=len(base_regions),
        regions_gained=tuple(sorted(regions - base_regions)),
        regions_lost=tuple(sorted(base_regions - regions)),
    )


def solve_selection(
    problem: SelectionProblem,
    *,
    gap: float = DEFAULT_GAP,
    time_limit: float = DEFAULT_TIME_LIMIT,
    needed_scores: int | None = None,
) -> SelectionResult:
    """Propose the laureates of ``problem`` (see the module docstring for the model).

    ``gap``: the relative optimality gap to prove (problems of at most
    ``SMALL_PROBLEM`` columns are solved to ``EXACT_GAP``). ``needed_scores``: for how
    many waiting applications (in rank order) to compute the score they would have
    needed; ``None`` means all of them when there are at most
    ``NEEDED_SCORE_AUTO_LIMIT`` selectable applications, none otherwise.

    Raises :class:`SelectionInfeasible` naming the conflicting constraints, or
    :class:`SelectionError` when the time limit passes before any selection is found.
    """
    started = time.perf_counter()
    prep = _prepare(problem)
    _prechecks(prep)
    mat = _assemble(prep)
    fraction = np.zeros(problem.n)
    bound = 0.0
    solver_gap = 0.0
    status = SolveStatus.OPTIMAL
    x = np.zeros(mat.ncol)
    if mat.k:
        warm = _merit_order(prep)
        start = None if _violations(prep, warm) else _columns_of(prep, mat, warm)
        tolerance = EXACT_GAP if mat.k <= SMALL_PROBLEM else gap
        outcome = _optimise(
            prep, mat, mat.perturbed, mat.col_lower, mat.col_upper, start,
            gap=tolerance, time_limit=time_limit,
        )  # fmt: skip
        if outcome is None:
            raise _diagnose(mat)
        x = outcome.x
        fraction = _fraction_of(prep, mat, x)
        # The solver's bound is on the perturbed objective; the trivial bound (every
        # positive coefficient at its upper bound) keeps degenerate calls honest.
        trivial = float(np.maximum(mat.cost, 0.0) @ mat.col_upper) * mat.obj_scale
        bound = min(outcome.bound * mat.obj_scale, trivial)
        solver_gap = outcome.solver_gap
        status = outcome.status
    _repair(prep, fraction)
    _fill(prep, fraction)
    objective = _objective(prep, fraction)
    bound = max(bound, objective)
    # Relative to the bound, or to one typical application's worth when the whole
    # objective is smaller than that (degenerate calls: the tie-break bonus is all).
    scale = max(abs(bound), mat.c_ref * mat.obj_scale)
    gap_value = (bound - objective) / scale if scale else 0.0

    waiting = prep.selectable & ~prep.forced_out & (fraction == 0)
    waiting_ranked = prep.order[waiting[prep.order]].tolist()
    count = needed_scores
    if count is None:
        count = len(waiting_ranked) if mat.k <= NEEDED_SCORE_AUTO_LIMIT else 0
    needed: dict[int, float | None] = {}
    if count:
        current = _columns_of(prep, mat, fraction)
        for i in waiting_ranked[:count]:
            needed[i] = _needed_weight(prep, mat, i, objective, current, time_limit=time_limit)
    explanations = _explain(prep, fraction, needed)
    base = _baseline(prep, "ranking_cutoff", _ranking_cutoff(prep))
    awards, per_funder, per_region = _totals(prep, fraction)
    return SelectionResult(
        selected_ids=_selected_ids(prep, fraction),
        fraction=fraction,
        awards=awards,
        totals_per_funder=per_funder,
        totals_per_region=per_region,
        objective=objective,
        bound=bound,
        gap=gap_value,
        status=status,
        explanations=explanations,
        baseline=base,
        diff=_diff(prep, fraction, base),
        seconds=time.perf_counter() - started,
        objective_kind=problem.objective,
        score_scale=problem.score_scale,
        solver_gap=solver_gap,
    )


def needed_score(
    problem: SelectionProblem,
    result: SelectionResult,
    app_id: int,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> float | None:
    """On demand: the lowest score at which ``app_id`` (waiting, selectable) would be
    selected with an objective at least ``result.objective``; ``None`` if no score can
    get it in (its request alone breaks a constraint). One MIP solve (more with partial
    funding and the money objective)."""
    prep = _prepare(problem)
    index = np.flatnonzero(problem.ids == app_id)
    if index.size == 0:
        raise ValueError(f"unknown application {app_id}")
    i = int(index[0])
    if not prep.selectable[i] or prep.forced_out[i] or result.fraction[i] > 0:
        raise ValueError(f"application {app_id} is not on the waiting list")
    mat = _assemble(prep)
    current = _columns_of(prep, mat, np.asarray(result.fraction, dtype=np.float64))
    weight = _needed_weight(prep, mat, i, result.objective, current, time_limit=time_limit)
    if weight is None:
        return None
    return max(float(problem.scores[i]), _score_of_weight(prep, weight))


def lp_relaxation_bound(
    problem: SelectionProblem, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> float:
    """The LP relaxation's optimum, by HiGHS on the whole LP (independent of the sifting
    the optimiser uses): an upper bound on any selection's objective."""
    prep = _prepare(problem)
    _prechecks(prep)
    mat = _assemble(prep)
    if not mat.k:
        return 0.0
    h = _highs(
        mat, mat.cost, mat.col_lower, mat.col_upper, mat.row_lower, mat.row_upper, relax=True
    )
    if mat.ncol > 20_000:  # HiGHS's simplex is slow on many boxed columns; IPM is not
        h.setOptionValue("solver", "ipm")
    status = _run(h, gap=0.0, time_limit=time_limit)
    if status == highspy.HighsModelStatus.kInfeasible:
        raise _diagnose(mat)
    return float(h.getInfo().objective_function_value) * mat.obj_scale


# --------------------------------------------------------------------------- checking


def _violations(prep: _Prepared, fraction: FloatArray) -> list[Violation]:
    problem = prep.problem
    chosen = fraction > 0
    ids = problem.ids
    out: list[Violation] = []
    tol = prep.tol

    def each(mask: BoolArray, constraint: str, text: str) -> None:
        for app_id in ids[mask].tolist():
            out.append(Violation(constraint, text.format(id=app_id)))

    each(chosen & ~problem.eligible, "eligibility", "application {id} is ineligible")
    each(
        chosen & ~prep.selectable & problem.eligible,
        "min_score",
        "application {id} is below the minimum score",
    )
    each(prep.forced_in & ~chosen, "forced_in", "application {id} is forced in but not selected")
    each(prep.forced_out & chosen, "forced_out", "application {id} is forced out but selected")
    each(fraction > 1 + 1e-9, "partial_funding", "application {id} gets more than it asked")
    each(
        chosen & (fraction < prep.p - 1e-9),
        "partial_funding",
        "application {id} gets less than the minimal share",
    )
    state = _State.of(prep, fraction)
    if state.spent > problem.budget + tol:
        out.append(
            Violation("budget", f"{_money(state.spent)} awarded > budget {_money(problem.budget)}")
        )
    for f, name in enumerate(problem.funders):
        if state.spent_f[f] > prep.envelopes_l[f] + tol:
            out.append(
                Violation(
                    "envelope",
                    f"{name}: {_money(state.spent_f[f])} > {_money(prep.envelopes_l[f])}",
                )
            )
    for r, code in enumerate(prep.region_codes):
        if state.count_r[r] < prep.floor_req[r]:
            out.append(
                Violation(
                    "region_floor", f"{code}: {state.count_r[r]} laureate(s) < {prep.floor_req[r]}"
                )
            )
        cap = problem.region_cap_count
        if cap is not None and state.count_r[r] > cap:
            out.append(Violation("region_cap_count", f"{code}: {state.count_r[r]} > {cap}"))
        if prep.share_cap is not None and state.spent_r[r] > prep.share_cap + tol:
            out.append(
                Violation(
                    "region_cap_share",
                    f"{code}: {_money(state.spent_r[r])} > {_money(prep.share_cap)}",
                )
            )
    return out


def check_selection(
    problem: SelectionProblem, result: SelectionResult | Baseline
) -> tuple[Violation, ...]:
    """Every constraint a selection breaks (empty when it respects them all), and, for a
    :class:`SelectionResult`, every explanation the selection contradicts."""
    prep = _prepare(problem)
    fraction = np.asarray(result.fraction, dtype=np.float64)
    out: list[Violation] = []
    if set(result.selected_ids) != set(problem.ids[fraction > 0].tolist()):
        out.append(Violation("consistency", "selected_ids disagree with the fractions"))
    expected = problem.requests * fraction[:, None]
    if not np.allclose(result.awards, expected, rtol=1e-9, atol=1e-6):
        out.append(Violation("consistency", "awards are not the requests times the fraction"))
    out.extend(_violations(prep, fraction))
    if isinstance(result, SelectionResult):
        out.extend(_check_explanations(prep, result))
    return tuple(out)


def _check_explanations(prep: _Prepared, result: SelectionResult) -> list[Violation]:
    problem = prep.problem
    state = _State.of(prep, np.asarray(result.fraction, dtype=np.float64))
    out: list[Violation] = []
    if set(result.explanations) != set(problem.ids.tolist()):
        return [Violation("explanation", "not every application has one explanation")]
    for i, app_id in enumerate(problem.ids.tolist()):
        code = result.explanations[app_id].code
        selected = result.fraction[i] > 0
        wrong = False
        if code in (ExplanationCode.SELECTED, ExplanationCode.FORCED_IN):
            wrong = not selected or (code is ExplanationCode.FORCED_IN) != bool(prep.forced_in[i])
        elif selected:
            wrong = True
        elif code is ExplanationCode.FORCED_OUT:
            wrong = not prep.forced_out[i]
        elif code is ExplanationCode.INELIGIBLE:
            wrong = bool(problem.eligible[i])
        elif code is ExplanationCode.BELOW_MIN_SCORE:
            wrong = bool(prep.selectable[i]) or not problem.eligible[i]
        elif code is ExplanationCode.BUDGET:
            # Out for budget: at its minimal share it would break the budget or an envelope.
            wrong = state.room(i, region=False) >= prep.p
        elif code is ExplanationCode.REGION_CAP:
            over_share = prep.share_cap is not None and (
                prep.total_l[i] * prep.p
                > prep.share_cap - state.spent_r[prep.region_l[i]] + prep.tol
            )
            wrong = not (state.count_full(i) or over_share)
        if wrong:
            out.append(Violation("explanation", f"application {app_id}: {code} is not true"))
    return out
