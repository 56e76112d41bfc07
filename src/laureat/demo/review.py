"""The demo's review: a pool of reviewers with expertise and affiliations, computed
conflicts, and the optimal assignment of the TI 4.0 call — through the domain functions."""

import random

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.programmes.models import Call, Technology, Theme
from laureat.review.domain import (
    assignment_build,
    assignment_save,
    conflicts_compute,
    review_settings_update,
    reviewer_add,
)
from laureat.territories.models import Region

REVIEWER_NAMES = (
    "Alix", "Basile", "Chloé", "Dominique", "Élise", "Fabien", "Gaëlle", "Hugo", "Inès",
    "Jules", "Karima", "Léon", "Maëlys", "Nathan", "Océane", "Paul", "Quitterie", "Romain",
)  # fmt: skip


def build_review(*, call: Call, reviewers: list[User], rng: random.Random, by: User) -> int:
    """Add ``reviewers`` to the call's pool, compute conflicts and assign (k = 3).

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
    return len(run.result.pair_application)
