"""The demo's review: a pool of reviewers with expertise and affiliations, computed
conflicts, and the optimal assignment of the TI 4.0 call — through the domain functions."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.programmes.models import Call, Technology, Theme
from laureat.review.domain import (
    ScoreInput,
    assignment_accept,
    assignment_build,
    assignment_save,
    conflicts_compute,
    review_save,
    review_settings_update,
    review_submit,
    reviewer_add,
)
from laureat.review.enums import Recommendation
from laureat.review.models import Assignment
from laureat.territories.models import Region

REVIEWER_NAMES = (
    "Alix", "Basile", "Chloé", "Dominique", "Élise", "Fabien", "Gaëlle", "Hugo", "Inès",
    "Jules", "Karima", "Léon", "Maëlys", "Nathan", "Océane", "Paul", "Quitterie", "Romain",
)  # fmt: skip


def build_review(*, call: Call, reviewers: list[User], rng: random.Random, by: User) -> int:
    """Add ``reviewers`` to the call's pool, compute conflicts, assign (k = 3), and have
    every reviewer mark and submit.

    Two reviewers are affiliated with applicant organisations, so the computed
    conflicts are visible in the demo. Returns the number of assignments saved.
    """
    review_settings_update(
        call=call,
        by=by,
        reviewers_per_application=3,
        min_load=6,
        max_load=12,
        conflict_same_department=False,
        # The review phase: a week after the close, ten weeks long (well before results).
        opens_at=call.closes_at + timedelta(days=7),
        closes_at=call.closes_at + timedelta(days=77),
    )
    themes = list(Theme.objects.filter(calls=call))
    technologies = list(Technology.objects.all())
    regions = list(Region.objects.all())
    applicants = list(Organisation.objects.filter(applications__call=call).order_by("pk"))
    for index, user in enumerate(reviewers):
        affiliations = [applicants[index]] if index < 2 else []
        reviewer_add(
            call=call,
            user=user,
            by=by,
            themes=rng.sample(themes, rng.randint(1, 2)),
            technologies=rng.sample(technologies, rng.randint(3, 6)),
            expertise="Expertise fictive générée pour la démonstration.",
            affiliations=affiliations,
            region=rng.choice(regions),
        )
    conflicts_compute(call=call, by=by)
    run = assignment_save(run=assignment_build(call=call), by=by)
    _fill_reviews(call=call, rng=rng, when=call.closes_at + timedelta(days=30))
    return len(run.result.pair_application)


def _fill_reviews(*, call: Call, rng: random.Random, when: datetime) -> None:
    """Every assigned reviewer confirms having no conflict, marks and submits, through
    the domain functions.

    Each application has a latent quality (the three projects the article names
    are among the strongest); each reviewer a severity; each mark adds noise.
    """
    criteria = list(call.criteria.all())
    applications = list(call.applications.order_by("pk"))
    quality = {a.pk: rng.uniform(0.35, 0.9) for a in applications}
    for application in applications:
        if not application.is_fictional:
            quality[application.pk] = rng.uniform(0.8, 0.95)
    severity: dict[int, float] = {}
    assignments = Assignment.objects.filter(application__call=call).select_related(
        "reviewer__user", "application"
    )
    for assignment in assignments.order_by("pk"):
        bias = severity.setdefault(assignment.reviewer_id, rng.gauss(0.0, 0.08))
        level = quality[assignment.application_id] + bias
        scores = []
        for criterion in criteria:
            mark = round(min(max(level + rng.gauss(0.0, 0.1), 0.0), 1.0) * criterion.scale_max)
            scores.append(ScoreInput(criterion.pk, Decimal(mark)))
        recommendation = (
            Recommendation.FUND
            if level >= 0.68
            else Recommendation.FUND_IF
            if level >= 0.55
            else Recommendation.REJECT
        )
        user = assignment.reviewer.user
        assignment = assignment_accept(assignment=assignment, by=user)
        review = review_save(
            assignment=assignment,
            by=user,
            scores=scores,
            overall_comment=_COMMENTS[recommendation],
            recommendation=recommendation,
        )
        review_submit(review=review, by=user, now=when + timedelta(hours=rng.randint(0, 500)))


_COMMENTS = {
    Recommendation.FUND: "Projet solide, bien ancré dans les besoins des industriels "
    "du territoire.",
    Recommendation.FUND_IF: "Projet intéressant ; le plan de financement et les partenariats sont "
    "à consolider.",
    Recommendation.REJECT: "Le projet répond mal aux attendus de l'appel ; budget peu justifié.",
}
