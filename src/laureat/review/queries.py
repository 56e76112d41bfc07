"""Reads for the review: the ranking of a call's applications."""

from dataclasses import dataclass

from laureat.programmes.models import Call
from laureat.review.domain import review_settings_for
from laureat.review.models import Review
from laureat.review.normalisation import (
    ApplicationAggregate,
    CriterionWeight,
    ReviewScore,
    aggregate,
    weighted_score,
)


@dataclass(frozen=True)
class RankingRow:
    application_id: int
    aggregate: ApplicationAggregate
    score: float  # the score the call uses: normalised or raw mean, on 20


def call_ranking(call: Call) -> list[RankingRow]:
    """Submitted reviews of the call, aggregated per application, best first.

    Three queries whatever the number of reviews. Ties are broken by application id.
    """
    settings = review_settings_for(call)
    criteria = {c.pk: CriterionWeight(c.weight, c.scale_max) for c in call.criteria.all()}
    reviews = (
        Review.objects.filter(assignment__application__call=call, submitted_at__isnull=False)
        .select_related("assignment")
        .prefetch_related("scores")
    )
    scores = [
        ReviewScore(
            application=r.assignment.application_id,
            reviewer=r.assignment.reviewer_id,
            score=weighted_score({s.criterion_id: s.value for s in r.scores.all()}, criteria),
        )
        for r in reviews
    ]
    aggregates = aggregate(scores, disagreement_threshold=float(settings.disagreement_threshold))
    rows = [
        RankingRow(
            application_id=int(str(app_id)),
            aggregate=agg,
            score=agg.normalised_mean if settings.normalise_scores else agg.mean,
        )
        for app_id, agg in aggregates.items()
    ]
    return sorted(rows, key=lambda r: (-r.score, r.application_id))


# --- reviewer side (helper A appends below) ---


# --- manager side (helper B appends below) ---
