"""Scores: weighted score per review, reviewer-severity normalisation, aggregation.

Pure functions over plain values, no ORM. Scores are expressed on 20 (the
French convention) whatever each criterion's own scale.

Normalisation (z-score per reviewer). A severe reviewer gives low marks to
everything; a lenient one high marks. For each reviewer with at least two
reviews and a non-zero spread, each of their weighted scores ``s`` becomes
``z = (s - mean_r) / std_r``, then is rescaled to the pool's distribution:
``mean + z * std`` (population statistics over all reviews of the call),
clipped to [0, 20]. A reviewer with a single review, or who gave the same
score to everything, cannot be calibrated: their scores are shifted by
``mean - mean_r`` only (their offset from the pool), still clipped.
"""

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import fmean, median, pstdev
from typing import TypeVar

SCALE = 20.0
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class CriterionWeight:
    weight: Decimal
    scale_max: int


def weighted_score(
    values: Mapping[K, Decimal | float], criteria: Mapping[K, CriterionWeight]
) -> float:
    """The review's score on 20: each criterion's mark on its own scale, weighted.

    Every criterion of the call must be marked (``KeyError`` names the first missing one).
    """
    total_weight = float(sum(c.weight for c in criteria.values()))
    if total_weight <= 0:
        raise ValueError("the criteria weights must add up to more than 0")
    acc = 0.0
    for key, criterion in criteria.items():
        value = float(values[key])
        acc += float(criterion.weight) * value / criterion.scale_max
    return SCALE * acc / total_weight


@dataclass(frozen=True)
class ReviewScore:
    application: Hashable
    reviewer: Hashable
    score: float  # weighted, on 20


def normalise(reviews: Sequence[ReviewScore]) -> dict[tuple[Hashable, Hashable], float]:
    """Severity-normalised score of each (application, reviewer) pair (see the module doc)."""
    if not reviews:
        return {}
    all_scores = [r.score for r in reviews]
    pool_mean = fmean(all_scores)
    pool_std = pstdev(all_scores)
    by_reviewer: dict[Hashable, list[float]] = defaultdict(list)
    for review in reviews:
        by_reviewer[review.reviewer].append(review.score)
    out: dict[tuple[Hashable, Hashable], float] = {}
    for review in reviews:
        own = by_reviewer[review.reviewer]
        own_mean = fmean(own)
        own_std = pstdev(own)
        if len(own) >= 2 and own_std > 0:
            value = pool_mean + (review.score - own_mean) / own_std * pool_std
        else:
            value = review.score + (pool_mean - own_mean)
        out[(review.application, review.reviewer)] = min(max(value, 0.0), SCALE)
    return out


@dataclass(frozen=True)
class ApplicationAggregate:
    application: Hashable
    count: int
    mean: float
    median: float
    std: float
    normalised_mean: float
    disagreement: bool


def aggregate(
    reviews: Sequence[ReviewScore], *, disagreement_threshold: float
) -> dict[Hashable, ApplicationAggregate]:
    """Per application: mean, median and spread of the raw scores, the mean of the
    normalised scores, and whether reviewers disagree (spread above the threshold)."""
    normalised = normalise(reviews)
    raw: dict[Hashable, list[float]] = defaultdict(list)
    norm: dict[Hashable, list[float]] = defaultdict(list)
    for review in reviews:
        raw[review.application].append(review.score)
        norm[review.application].append(normalised[(review.application, review.reviewer)])
    out = {}
    for application, scores in raw.items():
        spread = pstdev(scores) if len(scores) > 1 else 0.0
        out[application] = ApplicationAggregate(
            application=application,
            count=len(scores),
            mean=fmean(scores),
            median=median(scores),
            std=spread,
            normalised_mean=fmean(norm[application]),
            disagreement=spread > disagreement_threshold,
        )
    return out
