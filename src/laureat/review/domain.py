"""Writes for the review: settings, the reviewer pool, conflicts of interest, assignment.

The optimiser itself is pure (``review/assignment.py``); ``assignment_run`` loads the
call from the database, builds the problem, solves it and saves the proposal.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.programmes.models import Call, Technology, Theme
from laureat.review.assignment import (
    AssignmentProblem,
    AssignmentResult,
    affinity_matrix,
    solve_assignment,
)
from laureat.review.enums import (
    COMPUTED_SOURCES,
    AssignmentState,
    ConflictSource,
    Recommendation,
    ReviewerState,
)
from laureat.review.models import Assignment, Conflict, Review, Reviewer, ReviewSettings, Score
from laureat.territories.models import Region

# The applications that go to review: submitted, and not (yet) excluded.
REVIEWABLE_STATES = (
    ApplicationState.SUBMITTED,
    ApplicationState.ELIGIBLE,
    ApplicationState.IN_REVIEW,
)


def review_settings_for(call: Call) -> ReviewSettings:
    """The call's review settings, created with the defaults on first use."""
    review_settings, _created = ReviewSettings.objects.get_or_create(call=call)
    return review_settings


@transaction.atomic
def review_settings_update(*, call: Call, by: User | None, **values: Any) -> ReviewSettings:
    """Change the review settings of a call. Side effects: audit entry."""
    review_settings = review_settings_for(call)
    allowed = {
        f.name
        for f in ReviewSettings._meta.get_fields()
        if f.concrete and f.name not in {"id", "call", "created_at", "updated_at"}
    }
    unknown = set(values) - allowed
    if unknown:
        raise DomainError(_("Paramètres inconnus : %s.") % ", ".join(sorted(unknown)))
    for name, value in values.items():
        setattr(review_settings, name, value)
    if review_settings.max_load < review_settings.min_load:
        raise DomainError(_("La charge maximale doit être au moins égale à la charge minimale."))
    if review_settings.reviewers_per_application < 1:
        raise DomainError(_("Il faut au moins un évaluateur par candidature."))
    review_settings.save()
    log_action(
        actor=by,
        action="review.settings_update",
        obj=call,
        data={k: str(v) for k, v in values.items()},
    )
    return review_settings


@transaction.atomic
def reviewer_add(
    *,
    call: Call,
    user: User,
    by: User | None,
    themes: Iterable[Theme] = (),
    technologies: Iterable[Technology] = (),
    expertise: str = "",
    affiliations: Iterable[Organisation] = (),
    region: Region | None = None,
    max_load: int | None = None,
    state: ReviewerState = ReviewerState.ACTIVE,
) -> Reviewer:
    """Put ``user`` in the reviewer pool of ``call`` with their expertise and affiliations.

    Side effects: audit entry ``review.reviewer_add``.
    """
    if Reviewer.objects.filter(call=call, user=user).exists():
        raise DomainError(_("%s fait déjà partie du vivier de cet appel.") % user)
    reviewer = Reviewer.objects.create(
        call=call, user=user, expertise=expertise, region=region, max_load=max_load, state=state
    )
    reviewer.themes.set(themes)
    reviewer.technologies.set(technologies)
    reviewer.affiliations.set(affiliations)
    log_action(actor=by, action="review.reviewer_add", obj=call, data={"user": user.email})
    return reviewer


@transaction.atomic
def conflict_declare(
    *, reviewer: Reviewer, application: Application, reason: str, by: User
) -> Conflict:
    """A reviewer declares a conflict of interest (before seeing the content).

    Side effects: any assignment of this pair is removed; audit entry.
    """
    if application.call_id != reviewer.call_id:
        raise DomainError(_("Cette candidature n'appartient pas à l'appel de l'évaluateur."))
    if not reason.strip():
        raise DomainError(_("Indiquez la nature du conflit d'intérêts."))
    conflict, _created = Conflict.objects.get_or_create(
        application=application,
        reviewer=reviewer,
        source=ConflictSource.DECLARED,
        defaults={"reason": reason.strip()},
    )
    Assignment.objects.filter(application=application, reviewer=reviewer).delete()
    log_action(
        actor=by,
        action="review.conflict_declare",
        obj=application,
        data={"reviewer": reviewer.user.email, "reason": reason.strip()},
    )
    return conflict


@transaction.atomic
def conflicts_compute(*, call: Call, by: User | None) -> int:
    """Record the conflicts the data shows: a reviewer affiliated with the applicant
    organisation, with the same company (SIREN), or (per call) in the same department.

    Recomputed from scratch: computed conflicts that no longer hold are removed.
    Returns the number of computed conflicts. Side effects: audit entry.
    """
    same_department = review_settings_for(call).conflict_same_department
    reviewers = list(Reviewer.objects.filter(call=call).prefetch_related("affiliations__commune"))
    applications = list(
        Application.objects.filter(call=call, state__in=REVIEWABLE_STATES).select_related(
            "organisation", "commune"
        )
    )
    wanted: set[tuple[int, int, str]] = set()
    for reviewer in reviewers:
        orgs = {o.pk for o in reviewer.affiliations.all()}
        sirens = {o.siren for o in reviewer.affiliations.all()}
        departments = {
            o.commune.department_id for o in reviewer.affiliations.all() if o.commune is not None
        }
        for application in applications:
            if application.organisation_id in orgs:
                wanted.add((application.pk, reviewer.pk, ConflictSource.SAME_ORGANISATION))
            elif application.organisation.siren in sirens:
                wanted.add((application.pk, reviewer.pk, ConflictSource.SAME_SIREN))
            if (
                same_department
                and application.commune is not None
                and application.commune.department_id in departments
            ):
                wanted.add((application.pk, reviewer.pk, ConflictSource.SAME_DEPARTMENT))
    existing = {
        (c.application_id, c.reviewer_id, c.source): c.pk
        for c in Conflict.objects.filter(reviewer__call=call, source__in=COMPUTED_SOURCES)
    }
    Conflict.objects.filter(
        pk__in=[pk for key, pk in existing.items() if key not in wanted]
    ).delete()
    Conflict.objects.bulk_create(
        Conflict(application_id=a, reviewer_id=r, source=s)
        for a, r, s in sorted(wanted - set(existing))
    )
    conflicted = {(a, r) for a, r, _s in wanted}
    assigned = Assignment.objects.filter(reviewer__call=call).values_list(
        "pk", "application_id", "reviewer_id"
    )
    Assignment.objects.filter(pk__in=[pk for pk, a, r in assigned if (a, r) in conflicted]).delete()
    log_action(actor=by, action="review.conflicts_compute", obj=call, data={"count": len(wanted)})
    return len(wanted)


@dataclass
class AssignmentRun:
    """A solved assignment, with the database ids behind the optimiser's indices."""

    call: Call
    k: int
    application_ids: list[int]
    reviewer_ids: list[int]
    max_loads: list[int]
    conflicts: list[tuple[int, int]]
    problem: AssignmentProblem
    result: AssignmentResult
    saved: bool = False
    shortfall: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        by_application = self.result.reviewers_by_application(len(self.application_ids))
        loads = self.result.loads.tolist()
        return {
            "call": self.call.slug,
            "k": self.k,
            "objective": round(float(self.result.objective), 6),
            "seconds": round(float(self.result.seconds), 4),
            "saved": self.saved,
            "applications": [
                {"id": app_id, "reviewers": [self.reviewer_ids[j] for j in by_application[i]]}
                for i, app_id in enumerate(self.application_ids)
            ],
            "reviewers": [
                {"id": rid, "load": int(loads[j]), "max_load": self.max_loads[j]}
                for j, rid in enumerate(self.reviewer_ids)
            ],
            "conflicts": [[a, r] for a, r in self.conflicts],
            "shortfall": self.shortfall,
        }


def _incidence(rows: list[set[int]], columns: list[int]) -> np.ndarray:
    index = {c: i for i, c in enumerate(columns)}
    matrix = np.zeros((len(rows), max(len(columns), 1)), dtype=np.float64)
    for r, values in enumerate(rows):
        for value in values:
            matrix[r, index[value]] = 1.0
    return matrix


def assignment_build(*, call: Call) -> AssignmentRun:
    """Load the call's applications, active reviewers and conflicts, and solve."""
    review_settings = review_settings_for(call)
    applications = list(
        Application.objects.filter(call=call, state__in=REVIEWABLE_STATES)
        .order_by("pk")
        .prefetch_related("themes", "technologies")
    )
    reviewers = list(
        Reviewer.objects.filter(call=call, state=ReviewerState.ACTIVE)
        .order_by("pk")
        .prefetch_related("themes", "technologies")
    )
    app_index = {a.pk: i for i, a in enumerate(applications)}
    rev_index = {r.pk: j for j, r in enumerate(reviewers)}
    theme_ids = sorted(Theme.objects.values_list("pk", flat=True))
    tech_ids = sorted(Technology.objects.values_list("pk", flat=True))
    affinities = affinity_matrix(
        _incidence([{t.pk for t in a.themes.all()} for a in applications], theme_ids),
        _incidence([{t.pk for t in r.themes.all()} for r in reviewers], theme_ids),
        _incidence([{t.pk for t in a.technologies.all()} for a in applications], tech_ids),
        _incidence([{t.pk for t in r.technologies.all()} for r in reviewers], tech_ids),
    )
    conflict_pairs = sorted(
        {
            (a, r)
            for a, r in Conflict.objects.filter(reviewer__call=call).values_list(
                "application_id", "reviewer_id"
            )
            if a in app_index and r in rev_index
        }
    )
    conflicted = {(app_index[a], rev_index[r]) for a, r in conflict_pairs}
    forced = [
        (app_index[a], rev_index[r])
        for a, r in Assignment.objects.filter(reviewer__call=call, forced=True).values_list(
            "application_id", "reviewer_id"
        )
        if a in app_index and r in rev_index
    ]
    candidates = np.ones(affinities.shape, dtype=bool)
    for i, j in conflicted:
        candidates[i, j] = False
    edge_application, edge_reviewer = np.nonzero(candidates)
    max_loads = [
        r.max_load if r.max_load is not None else review_settings.max_load for r in reviewers
    ]
    k = review_settings.reviewers_per_application
    problem = AssignmentProblem.create(
        n_applications=len(applications),
        n_reviewers=len(reviewers),
        edge_application=edge_application,
        edge_reviewer=edge_reviewer,
        edge_affinity=affinities[edge_application, edge_reviewer],
        k=k,
        max_load=max_loads,
        min_load=[min(review_settings.min_load, m) for m in max_loads],
        conflicts=sorted(conflicted),
        forced=forced,
    )
    result = solve_assignment(problem)
    shortfall = [
        {
            "application": applications[s.application].pk,
            "required": s.required,
            "assigned": s.assigned,
            "reason": str(s.reason),
            "message": s.message,
        }
        for s in result.shortfalls
    ]
    return AssignmentRun(
        call=call,
        k=k,
        application_ids=[a.pk for a in applications],
        reviewer_ids=[r.pk for r in reviewers],
        max_loads=max_loads,
        conflicts=conflict_pairs,
        problem=problem,
        result=result,
        shortfall=shortfall,
    )


@transaction.atomic
def assignment_save(*, run: AssignmentRun, by: User | None) -> AssignmentRun:
    """Replace the call's proposed (not confirmed, not forced) assignments by the run's.

    Side effects: Assignment rows; audit entry ``review.assignment_run``.
    """
    Assignment.objects.filter(
        reviewer__call=run.call, state=AssignmentState.PROPOSED, forced=False
    ).delete()
    kept = set(
        Assignment.objects.filter(reviewer__call=run.call).values_list(
            "application_id", "reviewer_id"
        )
    )
    new = []
    for i, j, affinity in zip(
        run.result.pair_application.tolist(),
        run.result.pair_reviewer.tolist(),
        run.result.pair_affinity.tolist(),
        strict=True,
    ):
        pair = (run.application_ids[i], run.reviewer_ids[j])
        if pair not in kept:
            new.append(
                Assignment(
                    application_id=pair[0],
                    reviewer_id=pair[1],
                    affinity=min(max(float(affinity), 0.0), 1.0),
                )
            )
    Assignment.objects.bulk_create(new)
    run.saved = True
    log_action(
        actor=by,
        action="review.assignment_run",
        obj=run.call,
        data={
            "pairs": len(run.result.pair_application),
            "objective": round(float(run.result.objective), 6),
            "shortfall": len(run.shortfall),
        },
    )
    return run


@dataclass(frozen=True)
class ScoreInput:
    criterion_id: int
    value: Decimal
    comment: str = ""


def _check_can_review(assignment: Assignment, by: User) -> None:
    if assignment.reviewer.user_id != by.pk:
        raise DomainError(_("Cette évaluation est confiée à quelqu'un d'autre."))
    if Conflict.objects.filter(
        application_id=assignment.application_id, reviewer_id=assignment.reviewer_id
    ).exists():
        raise DomainError(_("Vous avez un conflit d'intérêts avec cette candidature."))
    if assignment.state == AssignmentState.DECLINED:
        raise DomainError(_("Vous avez décliné cette évaluation."))


@transaction.atomic
def review_save(
    *,
    assignment: Assignment,
    by: User,
    scores: Iterable[ScoreInput],
    overall_comment: str = "",
    recommendation: str = "",
) -> Review:
    """Save the reviewer's marks as a draft (each on its criterion's scale).

    Refused once the review is submitted (a manager may unlock it). Side effects: audit entry.
    """
    _check_can_review(assignment, by)
    review, _created = Review.objects.select_for_update().get_or_create(assignment=assignment)
    if review.submitted_at is not None:
        raise DomainError(_("L'évaluation est rendue : elle ne peut plus être modifiée."))
    if recommendation and recommendation not in Recommendation.values:
        raise DomainError(_("Choisissez une recommandation dans la liste."))
    criteria = {c.pk: c for c in assignment.application.call.criteria.all()}
    rows = []
    for score in scores:
        criterion = criteria.get(score.criterion_id)
        if criterion is None:
            raise DomainError(_("Ce critère n'appartient pas à l'appel."))
        if not Decimal(0) <= score.value <= criterion.scale_max:
            raise DomainError(
                _("La note du critère « %(name)s » doit être comprise entre 0 et %(max)s.")
                % {"name": criterion.name, "max": criterion.scale_max}
            )
        rows.append(
            Score(review=review, criterion=criterion, value=score.value, comment=score.comment)
        )
    review.scores.all().delete()
    Score.objects.bulk_create(rows)
    review.overall_comment = overall_comment
    review.recommendation = recommendation
    review.save(update_fields=["overall_comment", "recommendation", "updated_at"])
    log_action(
        actor=by,
        action="review.save",
        obj=assignment.application,
        data={"reviewer": by.email, "criteria": len(rows)},
    )
    return review


@transaction.atomic
def review_submit(*, review: Review, by: User, now: datetime | None = None) -> Review:
    """Submit a complete review; it is then locked. Side effects: audit entry."""
    review = (
        Review.objects.select_for_update().select_related("assignment__reviewer").get(pk=review.pk)
    )
    _check_can_review(review.assignment, by)
    if review.submitted_at is not None:
        return review
    call = review.assignment.application.call
    missing = [c.name for c in call.criteria.exclude(scores__review=review)]
    if missing:
        raise DomainError(
            _("Notez chaque critère avant de rendre l'évaluation : %s.") % ", ".join(missing)
        )
    if not review.recommendation:
        raise DomainError(_("Indiquez votre recommandation avant de rendre l'évaluation."))
    review.submitted_at = now or timezone.now()
    review.save(update_fields=["submitted_at", "updated_at"])
    log_action(
        actor=by,
        action="review.submit",
        obj=review.assignment.application,
        data={"reviewer": by.email},
    )
    return review


@transaction.atomic
def review_unlock(*, review: Review, by: User, reason: str) -> Review:
    """A manager reopens a submitted review, with a reason. Side effects: audit entry."""
    if not reason.strip():
        raise DomainError(_("Indiquez pourquoi l'évaluation est rouverte."))
    if review.submitted_at is None:
        raise DomainError(_("Cette évaluation n'est pas rendue."))
    review.submitted_at = None
    review.save(update_fields=["submitted_at", "updated_at"])
    log_action(
        actor=by,
        action="review.unlock",
        obj=review.assignment.application,
        data={"reviewer": review.assignment.reviewer.user.email, "reason": reason.strip()},
    )
    return review


# --- reviewer side: invitations, profile, declines (helper A appends below) ---


# --- manager side: invitations, adjustments, progress, reminders (helper B appends below) ---
