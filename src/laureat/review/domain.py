"""Writes for the review: settings, the reviewer pool, conflicts of interest, assignment.

The optimiser itself is pure (``review/assignment.py``); ``assignment_run`` loads the
call from the database, builds the problem, solves it and saves the proposal.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.core.links import absolute_url
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
from laureat.review.invitations import INVITATION_MAX_AGE, invitation_token
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


def _assignment_problem(call: Call, *, keep_all: bool) -> tuple[AssignmentProblem, "_Ids"]:
    """The call's assignment problem, from the database.

    Conflicts and declined pairs are excluded. Existing assignments that stay whatever
    the run are fixed (forced): those the manager forced, those the reviewer confirmed,
    those with a review begun, and, when ``keep_all`` (a refill), every live one. The
    others (proposed, untouched) are free: the run may keep or replace them. An
    application or a reviewer already holding more fixed pairs than ``k`` or the maximum
    load keeps them (the limits are raised to fit), and a refill asks no minimum load.
    """
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
    excluded = {(app_index[a], rev_index[r]) for a, r in conflict_pairs}
    fixed: set[tuple[int, int]] = set()
    for a, r, state, forced, reviewed in Assignment.objects.filter(reviewer__call=call).values_list(
        "application_id", "reviewer_id", "state", "forced", "review"
    ):
        if a not in app_index or r not in rev_index:
            continue
        pair = (app_index[a], rev_index[r])
        if state == AssignmentState.DECLINED:
            excluded.add(pair)
        elif keep_all or forced or state == AssignmentState.CONFIRMED or reviewed is not None:
            fixed.add(pair)
    fixed -= excluded
    k = review_settings.reviewers_per_application
    fixed_count = [0] * len(applications)
    fixed_load = [0] * len(reviewers)
    for i, j in fixed:
        fixed_count[i] += 1
        fixed_load[j] += 1
    max_loads = [
        max(r.max_load if r.max_load is not None else review_settings.max_load, fixed_load[j])
        for j, r in enumerate(reviewers)
    ]
    candidates = np.ones(affinities.shape, dtype=bool)
    for i, j in excluded:
        candidates[i, j] = False
    edge_application, edge_reviewer = np.nonzero(candidates)
    problem = AssignmentProblem.create(
        n_applications=len(applications),
        n_reviewers=len(reviewers),
        edge_application=edge_application,
        edge_reviewer=edge_reviewer,
        edge_affinity=affinities[edge_application, edge_reviewer],
        k=[max(k, c) for c in fixed_count],
        max_load=max_loads,
        min_load=0 if keep_all else [min(review_settings.min_load, m) for m in max_loads],
        conflicts=sorted(excluded),
        forced=sorted(fixed),
    )
    ids = _Ids(
        k=k,
        applications=[a.pk for a in applications],
        reviewers=[r.pk for r in reviewers],
        max_loads=max_loads,
        conflicts=conflict_pairs,
    )
    return problem, ids


@dataclass(frozen=True)
class _Ids:
    """The database side of an assignment problem: ids behind the optimiser's indices."""

    k: int
    applications: list[int]
    reviewers: list[int]
    max_loads: list[int]
    conflicts: list[tuple[int, int]]  # declared and computed, as (application, reviewer)


def _solve(call: Call, *, keep_all: bool) -> AssignmentRun:
    problem, ids = _assignment_problem(call, keep_all=keep_all)
    result = solve_assignment(problem)
    shortfall = [
        {
            "application": ids.applications[s.application],
            "required": s.required,
            "assigned": s.assigned,
            "reason": str(s.reason),
            "message": s.message,
        }
        for s in result.shortfalls
    ]
    return AssignmentRun(
        call=call,
        k=ids.k,
        application_ids=ids.applications,
        reviewer_ids=ids.reviewers,
        max_loads=ids.max_loads,
        conflicts=ids.conflicts,
        problem=problem,
        result=result,
        shortfall=shortfall,
    )


def assignment_build(*, call: Call) -> AssignmentRun:
    """Load the call's applications, active reviewers, conflicts and assignments, and
    solve (see ``_assignment_problem`` for what is kept, excluded or free). Saves
    nothing: ``assignment_save`` does."""
    return _solve(call, keep_all=False)


def _insert_new_pairs(run: AssignmentRun) -> list[Assignment]:
    """Create (PROPOSED) the run's pairs that do not exist yet."""
    existing = set(
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
        if pair not in existing:
            new.append(
                Assignment(
                    application_id=pair[0],
                    reviewer_id=pair[1],
                    affinity=min(max(float(affinity), 0.0), 1.0),
                )
            )
    return Assignment.objects.bulk_create(new)


@transaction.atomic
def assignment_save(*, run: AssignmentRun, by: User | None) -> AssignmentRun:
    """Replace the call's free assignments (proposed, not forced, no review begun) by the
    run's. A reviewer's work is never thrown away: a pair with a review stays.

    Side effects: Assignment rows; audit entry ``review.assignment_run``.
    """
    Assignment.objects.filter(
        reviewer__call=run.call,
        state=AssignmentState.PROPOSED,
        forced=False,
        review__isnull=True,
    ).delete()
    _insert_new_pairs(run)
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


def _own_reviewer_role(reviewer: Reviewer, by: User) -> None:
    if reviewer.user_id != by.pk:
        raise DomainError(_("Cette invitation est adressée à quelqu'un d'autre."))


@transaction.atomic
def reviewer_respond(*, reviewer: Reviewer, accept: bool, by: User) -> Reviewer:
    """The invited person accepts (state ACTIVE) or declines (state DECLINED) to review.

    Refused when the invitation is already answered or addressed to someone else.
    Side effects: audit entry ``review.reviewer_accept`` or ``review.reviewer_decline``.
    """
    reviewer = Reviewer.objects.select_for_update().select_related("call").get(pk=reviewer.pk)
    _own_reviewer_role(reviewer, by)
    if reviewer.state == ReviewerState.ACTIVE:
        raise DomainError(_("Vous avez déjà accepté cette invitation."))
    if reviewer.state == ReviewerState.DECLINED:
        raise DomainError(_("Vous avez déjà décliné cette invitation."))
    reviewer.state = ReviewerState.ACTIVE if accept else ReviewerState.DECLINED
    reviewer.save(update_fields=["state", "updated_at"])
    log_action(
        actor=by,
        action="review.reviewer_accept" if accept else "review.reviewer_decline",
        obj=reviewer.call,
        data={"reviewer": reviewer.pk, "user": by.email},
    )
    return reviewer


@transaction.atomic
def reviewer_profile_update(
    *,
    reviewer: Reviewer,
    by: User,
    themes: Iterable[Theme],
    technologies: Iterable[Technology],
    expertise: str,
    region: Region | None,
) -> Reviewer:
    """The reviewer describes their expertise for one call (themes of the call only).

    Affiliations are not changed here: they drive the computed conflicts of interest and
    stay in the managers' hands. Side effects: audit entry ``review.reviewer_profile``.
    """
    _own_reviewer_role(reviewer, by)
    if reviewer.state == ReviewerState.DECLINED:
        raise DomainError(
            _("Vous avez décliné cette invitation : le profil n'est plus modifiable.")
        )
    themes = list(themes)
    allowed = set(reviewer.call.themes.values_list("pk", flat=True))
    if any(t.pk not in allowed for t in themes):
        raise DomainError(_("Choisissez des thèmes parmi ceux de l'appel."))
    technologies = list(technologies)
    expertise = expertise.strip()
    if len(expertise) > 5000:
        raise DomainError(_("L'expertise tient en 5 000 caractères au plus."))
    reviewer.expertise = expertise
    reviewer.region = region
    reviewer.save(update_fields=["expertise", "region", "updated_at"])
    reviewer.themes.set(themes)
    reviewer.technologies.set(technologies)
    log_action(
        actor=by,
        action="review.reviewer_profile",
        obj=reviewer.call,
        data={
            "reviewer": reviewer.pk,
            "themes": sorted(t.slug for t in themes),
            "technologies": sorted(t.slug for t in technologies),
            "region": region.code if region else None,
        },
    )
    return reviewer


def _own_assignment(assignment: Assignment, by: User) -> Assignment:
    """The assignment, locked and reloaded, if ``by`` may answer it; else ``DomainError``."""
    locked = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("reviewer__call", "reviewer__user", "application")
        .get(pk=assignment.pk)
    )
    if locked.reviewer.user_id != by.pk:
        raise DomainError(_("Cette évaluation est confiée à quelqu'un d'autre."))
    if locked.reviewer.state != ReviewerState.ACTIVE:
        raise DomainError(_("Vous ne faites pas (ou plus) partie des évaluateurs de cet appel."))
    if locked.state == AssignmentState.DECLINED:
        raise DomainError(_("Vous avez décliné cette évaluation."))
    if Conflict.objects.filter(
        application_id=locked.application_id, reviewer_id=locked.reviewer_id
    ).exists():
        raise DomainError(_("Vous avez un conflit d'intérêts avec cette candidature."))
    return locked


@transaction.atomic
def assignment_accept(*, assignment: Assignment, by: User) -> Assignment:
    """The reviewer confirms they have no conflict of interest: PROPOSED → CONFIRMED.

    Only a confirmed assignment shows the application's content. Confirming twice changes
    nothing. Side effects: audit entry ``review.assignment_accept``.
    """
    locked = _own_assignment(assignment, by)
    if locked.state == AssignmentState.CONFIRMED:
        return locked
    locked.state = AssignmentState.CONFIRMED
    locked.save(update_fields=["state", "updated_at"])
    log_action(
        actor=by,
        action="review.assignment_accept",
        obj=locked.application,
        data={"reviewer": by.email, "no_conflict": True},
    )
    return locked


def _check_not_submitted(assignment: Assignment) -> None:
    if Review.objects.filter(assignment=assignment, submitted_at__isnull=False).exists():
        raise DomainError(
            _("Votre évaluation est déjà rendue : adressez-vous au gestionnaire du programme.")
        )


@transaction.atomic
def assignment_decline(
    *, assignment: Assignment, by: User, reason: str, base_url: str = ""
) -> AssignmentRun:
    """The reviewer declines an assigned application, with a reason; another reviewer
    takes the place (``assignment_refill``).

    Refused once the review is submitted. Side effects: the assignment becomes DECLINED;
    audit entry ``review.assignment_decline`` (with the reason); the refill's new
    assignments, audit entry and emails. Returns the refill run (its shortfall says
    whether the place could be filled).
    """
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Indiquez pourquoi vous déclinez cette évaluation."))
    locked = _own_assignment(assignment, by)
    _check_not_submitted(locked)
    locked.state = AssignmentState.DECLINED
    locked.save(update_fields=["state", "updated_at"])
    log_action(
        actor=by,
        action="review.assignment_decline",
        obj=locked.application,
        data={"reviewer": by.email, "reason": reason},
    )
    return _assignment_refill(call=locked.reviewer.call, by=by, base_url=base_url)


@transaction.atomic
def assignment_declare_conflict(
    *, assignment: Assignment, by: User, reason: str, base_url: str = ""
) -> AssignmentRun:
    """The reviewer declares a conflict of interest on an assigned application; the place
    goes to another reviewer (``assignment_refill``).

    Side effects: those of ``conflict_declare`` (the conflict; the assignment removed;
    audit entry), then those of the refill.
    """
    locked = _own_assignment(assignment, by)
    _check_not_submitted(locked)
    conflict_declare(reviewer=locked.reviewer, application=locked.application, reason=reason, by=by)
    return _assignment_refill(call=locked.reviewer.call, by=by, base_url=base_url)


def assignment_refill(*, call: Call, by: User | None) -> AssignmentRun:
    """Fill the places left by declined assignments and declared conflicts.

    Re-runs the optimiser with every existing non-declined assignment fixed (forced) and
    every declined pair and conflict excluded, then saves only the new pairs (PROPOSED).
    The returned run's ``shortfall`` lists the applications still short of reviewers.
    Side effects: Assignment rows; audit entry ``review.assignment_refill``; after commit,
    an email to each reviewer who got a new assignment.
    """
    return _assignment_refill(call=call, by=by, base_url="")


@transaction.atomic
def _assignment_refill(*, call: Call, by: User | None, base_url: str) -> AssignmentRun:
    # One refill at a time per call: two declines at once must not fill one place twice.
    Call.objects.select_for_update().filter(pk=call.pk).first()
    run = _solve(call, keep_all=True)
    new = _insert_new_pairs(run)
    run.saved = True
    log_action(
        actor=by,
        action="review.assignment_refill",
        obj=call,
        data={
            "new": [[a.application_id, a.reviewer_id] for a in new],
            "shortfall": len(run.shortfall),
        },
    )
    counts: dict[int, int] = {}
    for a in new:
        counts[a.reviewer_id] = counts.get(a.reviewer_id, 0) + 1
    link = absolute_url(base_url, reverse("review:workspace"))
    for reviewer in Reviewer.objects.filter(pk__in=counts).select_related("user"):
        if not reviewer.user.email:
            continue
        subject = _("[Laureat] Nouvelle évaluation à réaliser — %s") % call.title
        body = _(
            "Bonjour,\n\n%(count)d nouvelle(s) candidature(s) de l'appel « %(call)s » "
            "vous sont confiées pour évaluation.\n\nAvant de lire chaque dossier, confirmez "
            "l'absence de conflit d'intérêts (ou déclarez-en un) depuis votre espace "
            "d'évaluation : %(link)s\n"
        ) % {"count": counts[reviewer.pk], "call": call.title, "link": link}
        transaction.on_commit(partial(send_mail, subject, body, None, [reviewer.user.email]))
    return run


# --- manager side: invitations, adjustments, progress, reminders (helper B appends below) ---

#: How close to the end of the review phase a reviewer with missing reviews counts as late.
LATE_WINDOW = timedelta(days=3)
#: A reviewer is reminded at most once in this period.
REMINDER_INTERVAL = timedelta(hours=24)


def _send_after_commit(subject: str, body: str, to: str) -> None:
    transaction.on_commit(lambda: send_mail(subject, body, None, [to], fail_silently=False))


def _send_invitation(reviewer: Reviewer, *, base_url: str, new_account: bool) -> None:
    call = reviewer.call
    link = absolute_url(
        base_url, reverse("review:invitation", kwargs={"token": invitation_token(reviewer)})
    )
    account = (
        _(
            "Un compte Laureat a été créé à votre adresse. Choisissez votre mot de passe "
            "avant de répondre : %(reset)s\n\n"
        )
        if new_account
        else _("Mot de passe oublié ? Choisissez-en un nouveau : %(reset)s\n\n")
    ) % {"reset": absolute_url(base_url, reverse("accounts:password_reset"))}
    subject = _("[Laureat] Invitation à évaluer les candidatures de « %s »") % call.title
    body = _(
        "Bonjour,\n\nVous êtes invité(e) à rejoindre le comité d'évaluation de l'appel "
        "« %(call)s ».\n\nAcceptez ou déclinez l'invitation (lien valable %(days)d jours) :\n"
        "%(link)s\n\n%(account)s"
    ) % {"call": call.title, "days": INVITATION_MAX_AGE.days, "link": link, "account": account}
    _send_after_commit(subject, body, reviewer.user.email)


@transaction.atomic
def reviewer_invite(
    *,
    call: Call,
    email: str,
    by: User | None,
    first_name: str = "",
    last_name: str = "",
    expertise: str = "",
    themes: Iterable[Theme] = (),
    max_load: int | None = None,
    base_url: str = "",
    now: datetime | None = None,
) -> Reviewer:
    """Invite ``email`` into the reviewer pool of ``call`` and email them a signed link.

    An unknown address gets an active account with a random password nobody knows: the
    person chooses theirs through the password reset page (linked in the email).
    Refused when the person is already in the pool. Side effects: maybe a User; a
    Reviewer in state INVITED; audit entries ``review.reviewer_invite`` (and
    ``user.create_for_review``); after commit, the invitation email.
    """
    now = now or timezone.now()
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError as error:
        raise DomainError(
            _("Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr.")
        ) from error
    user = User.objects.filter(email__iexact=address).first()
    new_account = user is None
    if user is None:
        user = User.objects.create_user(
            address,
            secrets.token_urlsafe(32),
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
        log_action(actor=by, action="user.create_for_review", obj=user, data={"email": address})
    existing = Reviewer.objects.filter(call=call, user=user).first()
    if existing is not None:
        raise DomainError(
            _("%(person)s fait déjà partie du vivier de cet appel (%(state)s).")
            % {"person": user, "state": existing.get_state_display()}
        )
    reviewer = Reviewer.objects.create(
        call=call,
        user=user,
        state=ReviewerState.INVITED,
        expertise=expertise.strip(),
        max_load=max_load,
        invited_at=now,
    )
    reviewer.themes.set(themes)
    log_action(
        actor=by,
        action="review.reviewer_invite",
        obj=call,
        data={"user": user.email, "new_account": new_account},
    )
    _send_invitation(reviewer, base_url=base_url, new_account=new_account)
    return reviewer


@transaction.atomic
def reviewer_invitation_resend(
    *, reviewer: Reviewer, by: User | None, base_url: str = "", now: datetime | None = None
) -> Reviewer:
    """Send the invitation link again to a reviewer who has not answered yet.

    Side effects: ``invited_at``; audit entry ``review.reviewer_invite_resend``; after
    commit, the invitation email.
    """
    reviewer = (
        Reviewer.objects.select_for_update().select_related("call", "user").get(pk=reviewer.pk)
    )
    if reviewer.state != ReviewerState.INVITED:
        raise DomainError(
            _("%(person)s a déjà répondu à l'invitation (%(state)s) : rien à renvoyer.")
            % {"person": reviewer.user, "state": reviewer.get_state_display()}
        )
    reviewer.invited_at = now or timezone.now()
    reviewer.save(update_fields=["invited_at", "updated_at"])
    log_action(
        actor=by,
        action="review.reviewer_invite_resend",
        obj=reviewer.call,
        data={"user": reviewer.user.email},
    )
    # Never signed in: most likely the account made for the invitation.
    _send_invitation(reviewer, base_url=base_url, new_account=reviewer.user.last_login is None)
    return reviewer


@transaction.atomic
def reviewer_remove(*, reviewer: Reviewer, by: User | None) -> None:
    """Take a reviewer out of the pool, with their assignments, conflicts and draft reviews.

    Refused once they have submitted a review (it counts in the ranking).
    Side effects: deletions; audit entry ``review.reviewer_remove``.
    """
    if Review.objects.filter(assignment__reviewer=reviewer, submitted_at__isnull=False).exists():
        raise DomainError(
            _(
                "%s a déjà rendu des évaluations : il ne peut plus être retiré du vivier "
                "(rouvrez ou conservez ses évaluations)."
            )
            % reviewer.user
        )
    email, call = reviewer.user.email, reviewer.call
    assignments = Assignment.objects.filter(reviewer=reviewer).count()
    reviewer.delete()
    log_action(
        actor=by,
        action="review.reviewer_remove",
        obj=call,
        data={"user": email, "assignments": assignments},
    )


@transaction.atomic
def conflict_add(
    *, reviewer: Reviewer, application: Application, reason: str, by: User
) -> Conflict:
    """A manager records a conflict of interest by hand, with its reason.

    Stored as a declared conflict (the audit log keeps who recorded it). Any assignment
    of the pair is removed, with its review even if submitted: a conflicted review must
    not count. Side effects: Conflict; deletions; audit entry ``review.conflict_add``.
    """
    if application.call_id != reviewer.call_id:
        raise DomainError(_("Cette candidature n'appartient pas à l'appel de l'évaluateur."))
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Indiquez la nature du conflit d'intérêts."))
    if Conflict.objects.filter(application=application, reviewer=reviewer).exists():
        raise DomainError(
            _("Un conflit d'intérêts est déjà enregistré entre %(person)s et %(ref)s.")
            % {"person": reviewer.user, "ref": application.reference}
        )
    conflict = Conflict.objects.create(
        application=application, reviewer=reviewer, source=ConflictSource.DECLARED, reason=reason
    )
    discarded = Review.objects.filter(
        assignment__application=application,
        assignment__reviewer=reviewer,
        submitted_at__isnull=False,
    ).exists()
    Assignment.objects.filter(application=application, reviewer=reviewer).delete()
    log_action(
        actor=by,
        action="review.conflict_add",
        obj=application,
        data={"reviewer": reviewer.user.email, "reason": reason, "review_discarded": discarded},
    )
    return conflict


def _max_load(reviewer: Reviewer, review_settings: ReviewSettings) -> int:
    return reviewer.max_load if reviewer.max_load is not None else review_settings.max_load


@transaction.atomic
def assignment_force(
    *, application: Application, reviewer: Reviewer, by: User, affinity: float = 0.0
) -> Assignment:
    """Impose a pair: the optimiser keeps it in every later proposal.

    Refused for a conflicted pair, an inactive reviewer, or when the forced pairs would
    exceed the application's number of reviewers or the reviewer's maximum load.
    An existing proposed pair becomes forced. Side effects: Assignment; audit entry
    ``review.assignment_force``.
    """
    if application.call_id != reviewer.call_id:
        raise DomainError(_("Cette candidature n'appartient pas à l'appel de l'évaluateur."))
    if application.state not in REVIEWABLE_STATES:
        raise DomainError(
            _("La candidature %s n'est pas à évaluer (elle n'est pas déposée ou a été écartée).")
            % application.reference
        )
    if reviewer.state != ReviewerState.ACTIVE:
        raise DomainError(
            _("%(person)s n'est pas un évaluateur actif (%(state)s) : affectation impossible.")
            % {"person": reviewer.user, "state": reviewer.get_state_display()}
        )
    if Conflict.objects.filter(application=application, reviewer=reviewer).exists():
        raise DomainError(
            _(
                "%(person)s a un conflit d'intérêts avec la candidature %(ref)s : "
                "cette affectation est impossible."
            )
            % {"person": reviewer.user, "ref": application.reference}
        )
    review_settings = review_settings_for(reviewer.call)
    assignment = (
        Assignment.objects.select_for_update()
        .filter(application=application, reviewer=reviewer)
        .first()
    )
    if assignment is not None and assignment.forced:
        raise DomainError(_("Cette affectation est déjà imposée."))
    forced = Assignment.objects.filter(forced=True)
    if forced.filter(application=application).count() >= review_settings.reviewers_per_application:
        raise DomainError(
            _("La candidature %(ref)s a déjà %(k)d évaluateurs imposés : retirez-en un d'abord.")
            % {"ref": application.reference, "k": review_settings.reviewers_per_application}
        )
    if forced.filter(reviewer=reviewer).count() >= _max_load(reviewer, review_settings):
        raise DomainError(
            _("%(person)s a déjà atteint sa charge maximale (%(max)d) en affectations imposées.")
            % {"person": reviewer.user, "max": _max_load(reviewer, review_settings)}
        )
    if assignment is None:
        assignment = Assignment.objects.create(
            application=application,
            reviewer=reviewer,
            forced=True,
            affinity=min(max(float(affinity), 0.0), 1.0),
        )
    else:
        assignment.forced = True
        assignment.save(update_fields=["forced", "updated_at"])
    log_action(
        actor=by,
        action="review.assignment_force",
        obj=application,
        data={"reviewer": reviewer.user.email},
    )
    return assignment


@transaction.atomic
def assignment_remove(*, assignment: Assignment, by: User) -> None:
    """Remove a pair (and its draft review). Refused once the review is submitted.

    Side effects: deletion; audit entry ``review.assignment_remove``.
    """
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("reviewer__user", "application")
        .get(pk=assignment.pk)
    )
    if Review.objects.filter(assignment=assignment, submitted_at__isnull=False).exists():
        raise DomainError(
            _(
                "%(person)s a déjà rendu son évaluation de %(ref)s : l'affectation ne peut plus "
                "être retirée."
            )
            % {"person": assignment.reviewer.user, "ref": assignment.application.reference}
        )
    application = assignment.application
    email = assignment.reviewer.user.email
    assignment.delete()
    log_action(
        actor=by,
        action="review.assignment_remove",
        obj=application,
        data={"reviewer": email},
    )


@dataclass(frozen=True)
class ConfirmOutcome:
    created: int
    skipped: int
    notified: int


def _notify_new_assignments(call: Call, *, base_url: str, now: datetime) -> int:
    """Email each reviewer the assignments not yet announced to them; returns the emails."""
    pending = list(
        Assignment.objects.filter(reviewer__call=call, notified_at__isnull=True)
        .exclude(state=AssignmentState.DECLINED)
        .select_related("reviewer__user", "application")
        .order_by("reviewer_id", "application__reference")
    )
    by_reviewer: dict[int, list[Assignment]] = {}
    for assignment in pending:
        by_reviewer.setdefault(assignment.reviewer_id, []).append(assignment)
    home = absolute_url(base_url, reverse("review:workspace"))
    for assignments in by_reviewer.values():
        reviewer = assignments[0].reviewer
        lines = "\n".join(
            f"- {a.application.reference} — {a.application.title}" for a in assignments
        )
        subject = _("[Laureat] %(count)d candidature(s) à évaluer pour « %(call)s »") % {
            "count": len(assignments),
            "call": call.title,
        }
        body = _(
            "Bonjour,\n\nDe nouvelles candidatures de l'appel « %(call)s » vous sont "
            "confiées :\n\n%(lines)s\n\nAvant de lire chaque dossier, confirmez que vous n'avez "
            "pas de conflit d'intérêts. Votre espace d'évaluation : %(link)s\n"
        ) % {"call": call.title, "lines": lines, "link": home}
        _send_after_commit(subject, body, reviewer.user.email)
    Assignment.objects.filter(pk__in=[a.pk for a in pending]).update(notified_at=now)
    return len(by_reviewer)


@transaction.atomic
def assignment_confirm(
    *,
    call: Call,
    pairs: Iterable[tuple[int, int, float]],
    by: User | None,
    base_url: str = "",
    now: datetime | None = None,
) -> ConfirmOutcome:
    """Save a previewed proposal (``(application_id, reviewer_id, affinity)`` triples) and
    announce their new assignments to the reviewers.

    Like ``assignment_save``: the call's proposed, not forced assignments are replaced;
    confirmed and forced ones, and any with a review (even a draft), stay. Pairs that
    became impossible since the preview (a conflict, a reviewer no longer active, an
    application no longer under review) and pairs beyond an application's ``k``
    reviewers (counting the assignments kept) are skipped and counted. New pairs stay
    PROPOSED until each reviewer confirms having no conflict. Side effects: Assignment
    rows; audit entry ``review.assignment_confirm``; after commit, one email per reviewer
    with new assignments.
    """
    now = now or timezone.now()
    wanted = {(int(a), int(r)): float(f) for a, r, f in pairs}
    applications = set(
        Application.objects.filter(call=call, state__in=REVIEWABLE_STATES).values_list(
            "pk", flat=True
        )
    )
    reviewers = set(
        Reviewer.objects.filter(call=call, state=ReviewerState.ACTIVE).values_list("pk", flat=True)
    )
    conflicted = set(
        Conflict.objects.filter(reviewer__call=call).values_list("application_id", "reviewer_id")
    )
    # A reviewer's work is never thrown away: a pair with a review (even a draft) stays.
    replaced = Assignment.objects.filter(
        reviewer__call=call, state=AssignmentState.PROPOSED, forced=False, review__isnull=True
    )
    announced = {
        (a, r): at
        for a, r, at in replaced.filter(notified_at__isnull=False).values_list(
            "application_id", "reviewer_id", "notified_at"
        )
    }
    replaced.delete()
    kept = set(
        Assignment.objects.filter(reviewer__call=call).values_list("application_id", "reviewer_id")
    )
    k = review_settings_for(call).reviewers_per_application
    places: dict[int, int] = {}
    for app_id in (
        Assignment.objects.filter(reviewer__call=call)
        .exclude(state=AssignmentState.DECLINED)
        .values_list("application_id", flat=True)
    ):
        places[app_id] = places.get(app_id, 0) + 1
    new, skipped = [], 0
    for (app_id, reviewer_id), affinity in sorted(wanted.items()):
        if (app_id, reviewer_id) in kept:
            continue
        if (
            app_id not in applications
            or reviewer_id not in reviewers
            or (app_id, reviewer_id) in conflicted
            or places.get(app_id, 0) >= k  # already enough confirmed reviewers
        ):
            skipped += 1
            continue
        places[app_id] = places.get(app_id, 0) + 1
        new.append(
            Assignment(
                application_id=app_id,
                reviewer_id=reviewer_id,
                affinity=min(max(affinity, 0.0), 1.0),
                notified_at=announced.get((app_id, reviewer_id)),  # announced already
            )
        )
    Assignment.objects.bulk_create(new)
    notified = _notify_new_assignments(call, base_url=base_url, now=now)
    log_action(
        actor=by,
        action="review.assignment_confirm",
        obj=call,
        data={"pairs": len(wanted), "created": len(new), "skipped": skipped},
    )
    return ConfirmOutcome(created=len(new), skipped=skipped, notified=notified)


@transaction.atomic
def assignment_complete(
    *, call: Call, by: User | None, now: datetime | None = None
) -> AssignmentRun:
    """Fill the places left by declines and conflicts (``assignment_refill``, which emails
    the reviewers concerned), then mark those new pairs as announced.

    Side effects: those of ``assignment_refill``; ``Assignment.notified_at``.
    """
    before = set(Assignment.objects.filter(reviewer__call=call).values_list("pk", flat=True))
    run = assignment_refill(call=call, by=by)
    Assignment.objects.filter(reviewer__call=call, notified_at__isnull=True).exclude(
        pk__in=before
    ).update(notified_at=now or timezone.now())
    return run


def missing_reviews(call: Call) -> dict[int, list[Assignment]]:
    """Per active reviewer id, their assignments (not declined) without a submitted review."""
    out: dict[int, list[Assignment]] = {}
    assignments = (
        Assignment.objects.filter(reviewer__call=call, reviewer__state=ReviewerState.ACTIVE)
        .exclude(state=AssignmentState.DECLINED)
        .exclude(review__submitted_at__isnull=False)
        .select_related("reviewer__user", "application")
        .order_by("reviewer_id", "application__reference")
    )
    for assignment in assignments:
        out.setdefault(assignment.reviewer_id, []).append(assignment)
    return out


def review_phase_late(call: Call, now: datetime | None = None) -> bool:
    """Whether the review phase has ended or ends within ``LATE_WINDOW``."""
    closes_at = review_settings_for(call).closes_at
    return closes_at is not None and closes_at - LATE_WINDOW <= (now or timezone.now())


@transaction.atomic
def reviewers_remind(
    *,
    call: Call,
    by: User | None,
    reviewers: Iterable[Reviewer] | None = None,
    base_url: str = "",
    now: datetime | None = None,
) -> int:
    """Email each reviewer with missing reviews the list of what they still have to do.

    ``reviewers`` None means every late reviewer: the phase has ended or ends within
    ``LATE_WINDOW`` (nobody is late without an end date). A reviewer reminded less than
    ``REMINDER_INTERVAL`` ago is skipped. Returns the number of reminders sent.
    Side effects: ``Reviewer.reminded_at``; one audit entry ``review.remind`` per
    reminder; after commit, one email per reviewer.
    """
    now = now or timezone.now()
    missing = missing_reviews(call)
    if reviewers is None:
        if not review_phase_late(call, now):
            return 0
        chosen = set(missing)
    else:
        chosen = {r.pk for r in reviewers if r.call_id == call.pk} & set(missing)
    closes_at = review_settings_for(call).closes_at
    home = absolute_url(base_url, reverse("review:workspace"))
    sent = 0
    for reviewer_id in sorted(chosen):
        assignments = missing[reviewer_id]
        reviewer = assignments[0].reviewer
        if reviewer.reminded_at is not None and now - reviewer.reminded_at < REMINDER_INTERVAL:
            continue
        lines = "\n".join(
            f"- {a.application.reference} — {a.application.title}" for a in assignments
        )
        deadline = (
            _("La phase d'évaluation se termine le %s.\n\n")
            % timezone.localtime(closes_at).strftime("%d/%m/%Y %H:%M")
            if closes_at is not None
            else ""
        )
        subject = _("[Laureat] Rappel : %(count)d évaluation(s) à rendre pour « %(call)s »") % {
            "count": len(assignments),
            "call": call.title,
        }
        body = _(
            "Bonjour,\n\nIl vous reste %(count)d évaluation(s) à rendre pour l'appel "
            "« %(call)s » :\n\n%(lines)s\n\n%(deadline)sVotre espace d'évaluation : %(link)s\n"
        ) % {
            "count": len(assignments),
            "call": call.title,
            "lines": lines,
            "deadline": deadline,
            "link": home,
        }
        _send_after_commit(subject, body, reviewer.user.email)
        Reviewer.objects.filter(pk=reviewer_id).update(reminded_at=now)
        log_action(
            actor=by,
            action="review.remind",
            obj=call,
            data={"reviewer": reviewer.user.email, "missing": len(assignments)},
        )
        sent += 1
    return sent
