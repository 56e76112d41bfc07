"""Reviewer assignment: which reviewers read which application. Pure: arrays in, arrays out.

Nothing here knows the ORM. The domain layer numbers applications ``0..n_applications-1``
and reviewers ``0..n_reviewers-1``, computes affinities with the helpers below, builds an
:class:`AssignmentProblem`, calls :func:`solve_assignment` and saves the pairs it returns.

The model
---------
Maximise the total affinity of the assigned (application, reviewer) pairs such that

* every application gets exactly ``k[i]`` distinct reviewers (when it can: see below);
* every reviewer's load lies between ``min_load[j]`` and ``max_load[j]``;
* a declared conflict of interest is never assigned (a hard exclusion);
* a forced pair is always assigned (it uses one of the ``k`` places and one unit of load);
* only candidate edges are assigned (the caller's candidate list, e.g. each application's
  top-200 reviewers by affinity, or every pair), plus the forced pairs.

It is solved exactly as a min-cost flow (OR-Tools ``SimpleMinCostFlow``)::

    source --k[i]--> application i --1, cost -round(a_ij * AFFINITY_SCALE)--> reviewer j
    reviewer j --[min_load[j], max_load[j]]--> sink

The constraint matrix of this network is totally unimodular, so the integral flow it
returns is also optimal for the linear relaxation: no rounding, no gap.

Precision. Affinities are floats in [0, 1], scaled to integers with
``AFFINITY_SCALE = 10**6`` (each one rounded to the nearest 1e-6). The returned
assignment is optimal for the rounded affinities, hence within ``P * 1e-6`` of the true
optimum in absolute terms, where ``P`` is the number of assigned pairs (each pair's
rounding error is at most 5e-7, counted once for our solution and once for the true
optimum). Relative to an objective of ``P * mean_affinity`` that is at most
``1e-6 / mean_affinity``: 1e-5 when the mean assigned affinity is 0.1.
``AssignmentResult.objective`` is the sum of the original float affinities.

Minimum loads. They are lower bounds on the reviewer -> sink arcs, removed by the standard
transformation (reviewer ``j`` demands ``min_load[j]`` units, the sink supplies as many),
and solved exactly. If that problem is infeasible (an application cannot get ``k``
reviewers, or the minimum loads cannot all be met), the solver falls back to a
lexicographic objective, still one exact min-cost flow:

1. assign as many pairs as possible (a maximum flow: ``solve_max_flow_with_min_cost``);
2. among those, cover as many units of minimum load as possible (each reviewer's first
   ``min_load`` units carry a bonus ``BIG`` larger than any affinity change a single
   augmenting cycle can make: ``BIG = AFFINITY_SCALE * (2 * min(apps, reviewers) + 2)``);
3. among those, maximise the affinity.

Putting the number of pairs first does not cost any minimum load: the reachable reviewer
load vectors of this bipartite network form a polymatroid, so any load vector meeting the
minimums extends to a maximum flow that still meets them.

Infeasibility is reported, never hidden. ``AssignmentResult.shortfalls`` lists every
application that got fewer than ``k`` reviewers, with its reason: too few candidates
without a conflict, or reviewer loads exhausted (in a maximum flow every non-assigned
candidate of a short application is at its maximum load, so this reason is exact).
``AssignmentResult.underloaded`` lists the reviewers left under their minimum load.

Errors. Malformed input (indices out of range, an affinity outside [0, 1], an edge listed
twice) raises ``ValueError``. A forced pair that is a declared conflict, or more forced
pairs than an application's ``k`` or a reviewer's ``max_load``, raises
:class:`AssignmentError` (a :class:`~laureat.core.errors.DomainError`: its message is
meant for the programme manager).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from laureat.core.errors import DomainError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Affinities are multiplied by this and rounded to integers for the min-cost flow.
AFFINITY_SCALE = 1_000_000


class AssignmentError(DomainError):
    """The forced pairs contradict the other constraints; the message says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="assignment")


# --------------------------------------------------------------------------------------
# Affinity
# --------------------------------------------------------------------------------------


def jaccard(a: AbstractSet[object], b: AbstractSet[object]) -> float:
    """``|a ∩ b| / |a ∪ b|``; 0.0 when both sets are empty."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def overlap_coefficient(a: AbstractSet[object], b: AbstractSet[object]) -> float:
    """``|a ∩ b| / min(|a|, |b|)``; 0.0 when either set is empty.

    Kinder than Jaccard to a specialist application (one theme) read by a broad reviewer
    (ten themes): it scores 1.0 when the smaller set is covered.
    """
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0


def cosine_similarity(u: npt.ArrayLike, v: npt.ArrayLike) -> float:
    """Cosine of two vectors (e.g. TF-IDF or embeddings computed elsewhere); 0.0 if one is 0."""
    x = np.asarray(u, dtype=np.float64).ravel()
    y = np.asarray(v, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"vectors of different lengths: {x.size} and {y.size}")
    norms = float(np.linalg.norm(x)) * float(np.linalg.norm(y))
    return float(np.dot(x, y)) / norms if norms > 0.0 else 0.0


SetMeasure = Literal["jaccard", "overlap"]


@dataclass(frozen=True)
class AffinityWeights:
    """How much each term counts; the result is their weighted mean, in [0, 1]."""

    themes: float = 0.5
    technologies: float = 0.3
    text: float = 0.2
    measure: SetMeasure = "jaccard"

    def __post_init__(self) -> None:
        if min(self.themes, self.technologies, self.text) < 0:
            raise ValueError("affinity weights must be non-negative")
        if self.themes + self.technologies <= 0:
            raise ValueError("the themes and technologies weights must not both be zero")


@dataclass(frozen=True, eq=False)
class ExpertiseProfile:
    """What an application is about, or what a reviewer knows.

    ``text_vector`` is a precomputed text representation (TF-IDF, an embedding...): this
    module never downloads or runs a language model.
    """

    themes: frozenset[str] = frozenset()
    technologies: frozenset[str] = frozenset()
    text_vector: FloatArray | None = None
    text: str = ""


#: A text similarity supplied by the caller, e.g. one backed by a search index. Its result
#: is clipped to [0, 1].
TextSimilarity = Callable[[ExpertiseProfile, ExpertiseProfile], float]


def affinity(
    application: ExpertiseProfile,
    reviewer: ExpertiseProfile,
    *,
    weights: AffinityWeights | None = None,
    text_similarity: TextSimilarity | None = None,
) -> float:
    """Affinity in [0, 1] of a reviewer for an application.

    The weighted mean of the themes and technologies similarities (Jaccard or overlap
    coefficient, per ``weights.measure``) and a text term: ``text_similarity(application,
    reviewer)`` when given, else the cosine of the two ``text_vector``s when both exist.
    When neither is available the text term is left out and the other weights renormalised.
    Negative text similarities count as 0.
    """
    w = weights or AffinityWeights()
    measure = jaccard if w.measure == "jaccard" else overlap_coefficient
    total = w.themes * measure(application.themes, reviewer.themes)
    total += w.technologies * measure(application.technologies, reviewer.technologies)
    weight = w.themes + w.technologies
    text: float | None = None
    if text_similarity is not None:
        text = text_similarity(application, reviewer)
    elif application.text_vector is not None and reviewer.text_vector is not None:
        text = cosine_similarity(application.text_vector, reviewer.text_vector)
    if text is not None and w.text > 0:
        total += w.text * min(max(text, 0.0), 1.0)
        weight += w.text
    return min(max(total / weight, 0.0), 1.0)


def set_similarity_matrix(
    a: npt.ArrayLike, b: npt.ArrayLike, measure: SetMeasure = "jaccard"
) -> FloatArray:
    """Vectorised :func:`jaccard` or :func:`overlap_coefficient` between sets.

    ``a`` (n x m) and ``b`` (p x m) are 0/1 incidence matrices (row = a set, column = an
    element: a theme, a technology); the result is n x p.
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    inter = x @ y.T
    size_a = x.sum(axis=1)[:, None]
    size_b = y.sum(axis=1)[None, :]
    denom = size_a + size_b - inter if measure == "jaccard" else np.minimum(size_a, size_b)
    out = np.zeros_like(inter)
    np.divide(inter, denom, out=out, where=denom > 0)
    return out


def cosine_similarity_matrix(u: npt.ArrayLike, v: npt.ArrayLike) -> FloatArray:
    """Cosine similarities between the rows of ``u`` (n x d) and of ``v`` (p x d)."""
    x = np.asarray(u, dtype=np.float64)
    y = np.asarray(v, dtype=np.float64)
    nx = np.linalg.norm(x, axis=1)[:, None]
    ny = np.linalg.norm(y, axis=1)[:, None]
    xs = np.zeros_like(x)
    ys = np.zeros_like(y)
    np.divide(x, nx, out=xs, where=nx > 0)
    np.divide(y, ny, out=ys, where=ny > 0)
    return xs @ ys.T


def affinity_matrix(
    application_themes: npt.ArrayLike,
    reviewer_themes: npt.ArrayLike,
    application_technologies: npt.ArrayLike,
    reviewer_technologies: npt.ArrayLike,
    *,
    weights: AffinityWeights | None = None,
    application_vectors: npt.ArrayLike | None = None,
    reviewer_vectors: npt.ArrayLike | None = None,
) -> FloatArray:
    """Vectorised :func:`affinity` for a block of applications against reviewers.

    Themes and technologies are 0/1 incidence matrices; text vectors, if given, are one row
    per application and per reviewer. For large instances call it on blocks of
    applications and keep each block's best candidates (:func:`top_candidate_edges`).
    """
    w = weights or AffinityWeights()
    total = w.themes * set_similarity_matrix(application_themes, reviewer_themes, w.measure)
    total += w.technologies * set_similarity_matrix(
        application_technologies, reviewer_technologies, w.measure
    )
    weight = w.themes + w.technologies
    if application_vectors is not None and reviewer_vectors is not None and w.text > 0:
        text = cosine_similarity_matrix(application_vectors, reviewer_vectors)
        total += w.text * np.clip(text, 0.0, 1.0)
        weight += w.text
    return np.clip(total / weight, 0.0, 1.0)


def top_candidate_edges(
    affinities: npt.ArrayLike, top: int, *, first_application: int = 0
) -> tuple[IntArray, IntArray, FloatArray]:
    """Each row's ``top`` highest-affinity columns, as edge arrays (application, reviewer,
    affinity); row ``r`` is application ``first_application + r``. All columns if ``top``
    is at least their number. Which of equal affinities at the cut-off is kept is
    deterministic but unspecified."""
    matrix = np.asarray(affinities, dtype=np.float64)
    n_rows, n_cols = matrix.shape
    if top >= n_cols:
        cols = np.broadcast_to(np.arange(n_cols, dtype=np.int64), (n_rows, n_cols))
    else:
        cols = np.argpartition(-matrix, top - 1, axis=1)[:, :top].astype(np.int64)
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), cols.shape[1]) + first_application
    flat_cols = np.ascontiguousarray(cols).ravel()
    return rows, flat_cols, matrix[rows - first_application, flat_cols]


# --------------------------------------------------------------------------------------
# Problem, result, violations
# --------------------------------------------------------------------------------------


def _int_vector(value: int | npt.ArrayLike, size: int, name: str) -> IntArray:
    array = np.asarray(value)
    if array.ndim == 0:
        return np.full(size, int(array), dtype=np.int64)
    if array.shape != (size,):
        raise ValueError(f"{name} must be an int or have shape ({size},), not {array.shape}")
    return array.astype(np.int64)


def _pairs(value: Iterable[tuple[int, int]] | npt.NDArray[np.integer], name: str) -> IntArray:
    array = np.asarray(value if isinstance(value, np.ndarray) else list(value))
    if array.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"{name} must be (application, reviewer) pairs, shape (n, 2)")
    return array.astype(np.int64)


@dataclass(frozen=True, eq=False)
class AssignmentProblem:
    """An instance; build it with :meth:`create`, which accepts lists and scalars.

    Edges are the candidate (application, reviewer) pairs with their affinity in [0, 1];
    each pair at most once. ``conflicts`` and ``forced`` are (n, 2) arrays of
    (application, reviewer) pairs. ``k`` has one entry per application, ``min_load`` and
    ``max_load`` one per reviewer.
    """

    n_applications: int
    n_reviewers: int
    edge_application: IntArray
    edge_reviewer: IntArray
    edge_affinity: FloatArray
    k: IntArray
    min_load: IntArray
    max_load: IntArray
    conflicts: IntArray
    forced: IntArray

    @classmethod
    def create(
        cls,
        *,
        n_applications: int,
        n_reviewers: int,
        edge_application: npt.ArrayLike,
        edge_reviewer: npt.ArrayLike,
        edge_affinity: npt.ArrayLike,
        k: int | npt.ArrayLike,
        max_load: int | npt.ArrayLike,
        min_load: int | npt.ArrayLike = 0,
        conflicts: Iterable[tuple[int, int]] | npt.NDArray[np.integer] = (),
        forced: Iterable[tuple[int, int]] | npt.NDArray[np.integer] = (),
    ) -> AssignmentProblem:
        return cls(
            n_applications=int(n_applications),
            n_reviewers=int(n_reviewers),
            edge_application=np.asarray(edge_application, dtype=np.int64).ravel(),
            edge_reviewer=np.asarray(edge_reviewer, dtype=np.int64).ravel(),
            edge_affinity=np.asarray(edge_affinity, dtype=np.float64).ravel(),
            k=_int_vector(k, n_applications, "k"),
            min_load=_int_vector(min_load, n_reviewers, "min_load"),
            max_load=_int_vector(max_load, n_reviewers, "max_load"),
            conflicts=_pairs(conflicts, "conflicts"),
            forced=_pairs(forced, "forced"),
        )

    def __post_init__(self) -> None:
        na, nr = self.n_applications, self.n_reviewers
        if na < 0 or nr < 0:
            raise ValueError("the numbers of applications and reviewers must be >= 0")
        for name in ("edge_application", "edge_reviewer", "k", "min_load", "max_load"):
            if not np.issubdtype(getattr(self, name).dtype, np.integer):
                raise ValueError(f"{name} must be an integer array")
        n_edges = self.edge_application.shape
        if self.edge_reviewer.shape != n_edges or self.edge_affinity.shape != n_edges:
            raise ValueError("edge_application, edge_reviewer, edge_affinity differ in length")
        _check_range(self.edge_application, na, "edge_application")
        _check_range(self.edge_reviewer, nr, "edge_reviewer")
        aff = self.edge_affinity
        if aff.size and not (np.isfinite(aff).all() and aff.min() >= 0.0 and aff.max() <= 1.0):
            raise ValueError("affinities must be finite and within [0, 1]")
        if self.k.shape != (na,) or self.min_load.shape != (nr,) or self.max_load.shape != (nr,):
            raise ValueError("k needs one entry per application, loads one per reviewer")
        if self.k.size and self.k.min() < 0:
            raise ValueError("k must be >= 0")
        if self.min_load.size and (
            self.min_load.min() < 0 or (self.min_load > self.max_load).any()
        ):
            raise ValueError("loads must satisfy 0 <= min_load <= max_load")
        for name, pairs in (("conflicts", self.conflicts), ("forced", self.forced)):
            if pairs.ndim != 2 or pairs.shape[1] != 2:
                raise ValueError(f"{name} must have shape (n, 2)")
            _check_range(pairs[:, 0], na, f"{name} application")
            _check_range(pairs[:, 1], nr, f"{name} reviewer")

    @property
    def n_edges(self) -> int:
        return int(self.edge_application.size)


def _check_range(values: IntArray, size: int, name: str) -> None:
    if values.size and (values.min() < 0 or values.max() >= size):
        raise ValueError(f"{name} index out of range [0, {size})")


class ShortfallReason(enum.StrEnum):
    TOO_FEW_CANDIDATES = "too_few_candidates"
    LOADS_EXHAUSTED = "loads_exhausted"


class UnderloadReason(enum.StrEnum):
    TOO_FEW_CANDIDATES = "too_few_candidates"
    APPLICATIONS_FULL = "applications_full"
    NOT_ENFORCED = "not_enforced"


@dataclass(frozen=True)
class Shortfall:
    """An application that got fewer reviewers than required, and why."""

    application: int
    required: int
    assigned: int
    reason: ShortfallReason
    message: str

    @property
    def missing(self) -> int:
        return self.required - self.assigned


@dataclass(frozen=True)
class Underload:
    """A reviewer left under its minimum load, and why."""

    reviewer: int
    min_load: int
    load: int
    reason: UnderloadReason
    message: str


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """The assigned pairs, sorted by application then reviewer, and what could not be done.

    ``objective`` is the sum of the (float) affinities of all assigned pairs, forced ones
    included (a forced pair that is not a candidate edge counts 0). ``seconds`` is the wall
    time of the call, validation included.
    """

    pair_application: IntArray
    pair_reviewer: IntArray
    pair_affinity: FloatArray
    loads: IntArray
    objective: float
    shortfalls: tuple[Shortfall, ...]
    underloaded: tuple[Underload, ...]
    seconds: float
    method: str

    @property
    def complete(self) -> bool:
        """True when every application has its ``k`` and every reviewer its minimum load."""
        return not self.shortfalls and not self.underloaded

    def reviewers_by_application(self, n_applications: int) -> list[list[int]]:
        """The reviewers of each application, in increasing order."""
        out: list[list[int]] = [[] for _ in range(n_applications)]
        for app, rev in zip(
            self.pair_application.tolist(), self.pair_reviewer.tolist(), strict=True
        ):
            out[app].append(rev)
        return out

    def application_affinity(self, n_applications: int) -> FloatArray:
        """Total affinity of each application's reviewers."""
        return np.bincount(
            self.pair_application, weights=self.pair_affinity, minlength=n_applications
        ).astype(np.float64)


@dataclass(frozen=True)
class Violations:
    """What :func:`check_assignment` found wrong; every count must be 0."""

    conflicts_assigned: int = 0
    loads_exceeded: int = 0
    loads_under_min: int = 0  # under the minimum and not reported as such
    k_not_met: int = 0  # fewer than k and not reported as such
    k_exceeded: int = 0
    duplicate_pairs: int = 0
    not_candidates: int = 0  # neither a candidate edge nor a forced pair
    forced_missing: int = 0
    reports_wrong: int = 0  # a shortfall, an underload or a load that the pairs contradict

    @property
    def total(self) -> int:
        return sum(asdict(self).values())

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _keys(applications: IntArray, reviewers: IntArray, n_reviewers: int) -> IntArray:
    return applications.astype(np.int64) * max(n_reviewers, 1) + reviewers.astype(np.int64)


def check_assignment(problem: AssignmentProblem, result: AssignmentResult) -> Violations:
    """Check every constraint against the pairs themselves, trusting nothing else."""
    na, nr = problem.n_applications, problem.n_reviewers
    apps, revs = result.pair_application, result.pair_reviewer
    keys = _keys(apps, revs, nr)
    unique, counts = np.unique(keys, return_counts=True)
    conflict_keys = _keys(problem.conflicts[:, 0], problem.conflicts[:, 1], nr)
    forced_keys = np.unique(_keys(problem.forced[:, 0], problem.forced[:, 1], nr))
    allowed = np.concatenate(
        [_keys(problem.edge_application, problem.edge_reviewer, nr), forced_keys]
    )
    loads = np.bincount(revs, minlength=nr)
    per_app = np.bincount(apps, minlength=na)

    reported_short = {s.application: s for s in result.shortfalls}
    k_not_met = 0
    for app in np.flatnonzero(per_app < problem.k).tolist():
        s = reported_short.get(app)
        if s is None or s.assigned != per_app[app] or s.required != problem.k[app]:
            k_not_met += 1
    reported_under = {u.reviewer: u for u in result.underloaded}
    under_min = 0
    for rev in np.flatnonzero(loads < problem.min_load).tolist():
        u = reported_under.get(rev)
        if u is None or u.load != loads[rev] or u.min_load != problem.min_load[rev]:
            under_min += 1
    wrong = sum(1 for s in result.shortfalls if per_app[s.application] >= problem.k[s.application])
    wrong += sum(1 for u in result.underloaded if loads[u.reviewer] >= problem.min_load[u.reviewer])
    wrong += int((result.loads != loads).sum()) if result.loads.shape == loads.shape else nr

    return Violations(
        conflicts_assigned=int(np.isin(unique, conflict_keys).sum()),
        loads_exceeded=int((loads > problem.max_load).sum()),
        loads_under_min=under_min,
        k_not_met=k_not_met,
        k_exceeded=int((per_app > problem.k).sum()),
        duplicate_pairs=int((counts > 1).sum()),
        not_candidates=int((~np.isin(unique, allowed)).sum()),
        forced_missing=int((~np.isin(forced_keys, unique)).sum()),
        reports_wrong=wrong,
    )


# --------------------------------------------------------------------------------------
# Preparation shared by the optimiser and the greedy baseline
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Prepared:
    # Free candidate edges: no conflict, not forced.
    app: IntArray
    rev: IntArray
    aff: FloatArray
    forced_app: IntArray
    forced_rev: IntArray
    forced_aff: FloatArray
    k_left: IntArray
    min_left: IntArray
    max_left: IntArray
    app_candidates: IntArray  # candidates without conflict (forced included), per application
    app_conflicts: IntArray  # candidate edges excluded for a conflict, per application
    rev_candidates: IntArray  # same, per reviewer


def _describe(pairs: IntArray, limit: int = 5) -> str:
    shown = ", ".join(f"(application {a}, reviewer {r})" for a, r in pairs[:limit].tolist())
    more = f" and {len(pairs) - limit} more" if len(pairs) > limit else ""
    return shown + more


def _prepare(problem: AssignmentProblem) -> _Prepared:
    na, nr = problem.n_applications, problem.n_reviewers
    app, rev, aff = problem.edge_application, problem.edge_reviewer, problem.edge_affinity
    keys = _keys(app, rev, nr)
    sorted_keys = np.sort(keys)
    repeated = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    if repeated.size:
        key = int(sorted_keys[repeated[0]])
        raise ValueError(
            f"{repeated.size} candidate edge(s) listed more than once, e.g. "
            f"(application {key // nr}, reviewer {key % nr})"
        )

    conflict_keys = np.unique(_keys(problem.conflicts[:, 0], problem.conflicts[:, 1], nr))
    conflicted = np.isin(keys, conflict_keys) if conflict_keys.size else np.zeros(keys.size, bool)

    forced_keys = np.unique(_keys(problem.forced[:, 0], problem.forced[:, 1], nr))
    forced_app, forced_rev = forced_keys // max(nr, 1), forced_keys % max(nr, 1)
    bad = np.isin(forced_keys, conflict_keys)
    if bad.any():
        pairs = np.stack([forced_app[bad], forced_rev[bad]], axis=1)
        raise AssignmentError(
            f"A forced pair is a declared conflict of interest: {_describe(pairs)}. "
            "Remove the conflict or the forced pair."
        )
    forced_per_app = np.bincount(forced_app, minlength=na)
    over = np.flatnonzero(forced_per_app > problem.k)
    if over.size:
        i = int(over[0])
        raise AssignmentError(
            f"Application {i} has {forced_per_app[i]} forced reviewers but needs only "
            f"k = {problem.k[i]}."
        )
    forced_per_rev = np.bincount(forced_rev, minlength=nr)
    over = np.flatnonzero(forced_per_rev > problem.max_load)
    if over.size:
        j = int(over[0])
        raise AssignmentError(
            f"Reviewer {j} has {forced_per_rev[j]} forced applications, more than its "
            f"maximum load of {problem.max_load[j]}."
        )

    forced_edge = np.isin(keys, forced_keys) if forced_keys.size else np.zeros(keys.size, bool)
    forced_aff = np.zeros(forced_keys.size, dtype=np.float64)
    found = np.zeros(forced_keys.size, dtype=bool)
    if forced_keys.size:
        idx = np.flatnonzero(forced_edge)
        pos = np.searchsorted(forced_keys, keys[idx])
        forced_aff[pos] = aff[idx]
        found[pos] = True

    free = ~conflicted & ~forced_edge
    clean = ~conflicted
    not_found_app, not_found_rev = forced_app[~found], forced_rev[~found]
    return _Prepared(
        app=app[free],
        rev=rev[free],
        aff=aff[free],
        forced_app=forced_app,
        forced_rev=forced_rev,
        forced_aff=forced_aff,
        k_left=problem.k - forced_per_app,
        min_left=np.maximum(problem.min_load - forced_per_rev, 0),
        max_left=problem.max_load - forced_per_rev,
        app_candidates=np.bincount(app[clean], minlength=na)
        + np.bincount(not_found_app, minlength=na),
        app_conflicts=np.bincount(app[conflicted], minlength=na),
        rev_candidates=np.bincount(rev[clean], minlength=nr)
        + np.bincount(not_found_rev, minlength=nr),
    )


def _build_result(
    problem: AssignmentProblem,
    prep: _Prepared,
    chosen: BoolArray,
    started: float,
    method: str,
    *,
    min_load_enforced: bool,
) -> AssignmentResult:
    na, nr = problem.n_applications, problem.n_reviewers
    apps = np.concatenate([prep.app[chosen], prep.forced_app])
    revs = np.concatenate([prep.rev[chosen], prep.forced_rev])
    affs = np.concatenate([prep.aff[chosen], prep.forced_aff])
    order = np.lexsort((revs, apps))
    apps, revs, affs = apps[order], revs[order], affs[order]
    loads = np.bincount(revs, minlength=nr).astype(np.int64)
    per_app = np.bincount(apps, minlength=na)

    shortfalls: list[Shortfall] = []
    for i in np.flatnonzero(per_app < problem.k).tolist():
        need, got, cand = int(problem.k[i]), int(per_app[i]), int(prep.app_candidates[i])
        if cand < need:
            conflicts = int(prep.app_conflicts[i])
            excluded = f" ({conflicts} excluded for a conflict of interest)" if conflicts else ""
            reason = ShortfallReason.TOO_FEW_CANDIDATES
            message = (
                f"only {cand} candidate reviewer(s) without a conflict of interest{excluded}, "
                f"{need} required"
            )
        else:
            reason = ShortfallReason.LOADS_EXHAUSTED
            message = (
                f"reviewer loads exhausted: its {cand - got} other candidate reviewer(s) "
                "without a conflict are all at their maximum load"
            )
        shortfalls.append(Shortfall(i, need, got, reason, message))

    underloaded: list[Underload] = []
    for j in np.flatnonzero(loads < problem.min_load).tolist():
        low, load, cand = int(problem.min_load[j]), int(loads[j]), int(prep.rev_candidates[j])
        if not min_load_enforced:
            u_reason = UnderloadReason.NOT_ENFORCED
            message = f"load {load} under the minimum of {low}: this method ignores minimums"
        elif cand < low:
            u_reason = UnderloadReason.TOO_FEW_CANDIDATES
            message = (
                f"only {cand} application(s) have this reviewer as a candidate without a "
                f"conflict of interest, minimum load {low}"
            )
        else:
            u_reason = UnderloadReason.APPLICATIONS_FULL
            message = (
                f"load {load} under the minimum of {low}: its other candidate applications "
                "already have their k reviewers, and no reassignment raises its load "
                "without leaving another reviewer under its minimum or an application short"
            )
        underloaded.append(Underload(j, low, load, u_reason, message))

    return AssignmentResult(
        pair_application=apps,
        pair_reviewer=revs,
        pair_affinity=affs,
        loads=loads,
        objective=float(affs.sum()),
        shortfalls=tuple(shortfalls),
        underloaded=tuple(underloaded),
        seconds=time.perf_counter() - started,
        method=method,
    )


# --------------------------------------------------------------------------------------
# The optimiser
# --------------------------------------------------------------------------------------

_STATUS = min_cost_flow.SimpleMinCostFlow


def _flow(
    prep: _Prepared, active: BoolArray, scale: int, mode: Literal["exact", "lexicographic"]
) -> BoolArray | None:
    """Solve the flow on the ``active`` free edges; the chosen ones, or None if infeasible."""
    na, nr = prep.k_left.size, prep.max_left.size
    source, sink = na + nr, na + nr + 1
    app, rev = prep.app[active], prep.rev[active]
    cost = -np.rint(prep.aff[active] * scale).astype(np.int64)
    apps = np.flatnonzero(prep.k_left > 0)
    revs = np.flatnonzero(prep.max_left > 0)
    upper = prep.max_left[revs] - prep.min_left[revs]
    lower = prep.min_left[revs]
    if mode == "exact":
        tier_tail, tier_cap, tier_cost = revs, upper, np.zeros(revs.size, np.int64)
    else:
        big = scale * (2 * min(apps.size, revs.size) + 2)
        tier_tail = np.concatenate([revs, revs])
        tier_cap = np.concatenate([lower, upper])
        tier_cost = np.concatenate([np.full(revs.size, -big), np.zeros(revs.size, np.int64)])
    keep = tier_cap > 0
    tier_tail, tier_cap, tier_cost = tier_tail[keep], tier_cap[keep], tier_cost[keep]

    smcf = min_cost_flow.SimpleMinCostFlow()
    n_fixed = apps.size
    tails = np.concatenate([np.full(apps.size, source), app, na + tier_tail]).astype(np.int32)
    heads = np.concatenate([apps, na + rev, np.full(tier_tail.size, sink)]).astype(np.int32)
    caps = np.concatenate([prep.k_left[apps], np.ones(app.size, np.int64), tier_cap])
    costs = np.concatenate([np.zeros(apps.size, np.int64), cost, tier_cost])
    arcs = np.asarray(smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs))
    total = int(prep.k_left[apps].sum())
    smcf.set_node_supply(source, total)
    if mode == "exact":
        lower_total = int(lower.sum())
        smcf.set_node_supply(sink, -total + lower_total)
        has_lower = lower > 0
        nodes = (na + revs[has_lower]).astype(np.int32)
        smcf.set_nodes_supplies(nodes, -lower[has_lower].astype(np.int64))
        status = smcf.solve()
    else:
        smcf.set_node_supply(sink, -total)
        status = smcf.solve_max_flow_with_min_cost()
    if status == _STATUS.INFEASIBLE and mode == "exact":
        return None
    if status != _STATUS.OPTIMAL:
        raise RuntimeError(f"the min-cost flow solver returned {status.name}")
    flows = np.asarray(smcf.flows(arcs[n_fixed : n_fixed + app.size].astype(np.int32)))
    chosen = np.zeros(active.size, dtype=bool)
    chosen[np.flatnonzero(active)[flows > 0]] = True
    return chosen


def solve_assignment(
    problem: AssignmentProblem, *, scale: int = AFFINITY_SCALE
) -> AssignmentResult:
    """The optimal assignment (see the module docstring for the model and its guarantees).

    Deterministic: the same problem gives the same pairs. Raises :class:`AssignmentError`
    when the forced pairs contradict the conflicts, ``k`` or the maximum loads.
    """
    started = time.perf_counter()
    prep = _prepare(problem)
    active = (prep.k_left[prep.app] > 0) & (prep.max_left[prep.rev] > 0)
    chosen: BoolArray | None = None
    method = "min_cost_flow"
    if active.any() and prep.min_left.any():
        # Lower bounds: try the exact transformation first (the usual, feasible case).
        method = "min_cost_flow:lower_bounds"
        chosen = _flow(prep, active, scale, "exact")
    if active.any() and chosen is None:
        # No minimum loads (max flow then affinity), or the exact problem was infeasible.
        method += ":lexicographic" if prep.min_left.any() else ""
        chosen = _flow(prep, active, scale, "lexicographic")
    if chosen is None:
        chosen = np.zeros(prep.app.size, dtype=bool)
    return _build_result(problem, prep, chosen, started, method, min_load_enforced=True)


def greedy_assignment(problem: AssignmentProblem, *, seed: int = 0) -> AssignmentResult:
    """The baseline: forced pairs first, then each application in a random order takes its
    best available reviewers (no conflict, under maximum load). Ignores minimum loads."""
    started = time.perf_counter()
    prep = _prepare(problem)
    order = np.lexsort((prep.rev, -prep.aff, prep.app))
    sorted_app = prep.app[order]
    revs = prep.rev[order].tolist()
    bounds = np.searchsorted(sorted_app, np.arange(problem.n_applications + 1)).tolist()
    capacity = prep.max_left.tolist()
    need = prep.k_left.tolist()
    taken = np.zeros(order.size, dtype=bool)
    rng = np.random.default_rng(seed)
    for i in rng.permutation(problem.n_applications).tolist():
        left = need[i]
        t, end = bounds[i], bounds[i + 1]
        while left > 0 and t < end:
            j = revs[t]
            if capacity[j] > 0:
                capacity[j] -= 1
                left -= 1
                taken[t] = True
            t += 1
    chosen = np.zeros(order.size, dtype=bool)
    chosen[order[taken]] = True
    return _build_result(problem, prep, chosen, started, "greedy", min_load_enforced=False)
