"""Reads for the review: the ranking of a call's applications."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laureat.accounts.models import User
from laureat.applications.models import Application
from laureat.programmes.models import Call, Criterion
from laureat.review.domain import REVIEWABLE_STATES, review_phase_late, review_settings_for
from laureat.review.enums import AssignmentState, ReviewerState
from laureat.review.exports import Cell, Table
from laureat.review.models import Assignment, Conflict, Review, Reviewer, ReviewSettings
from laureat.review.normalisation import (
    ApplicationAggregate,
    CriterionWeight,
    ReviewScore,
    aggregate,
    normalise,
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


@dataclass(frozen=True)
class WorkspaceRow:
    """One assigned application in the reviewer's workspace, with where the review stands."""

    assignment: Assignment
    status: str  # "to_confirm", "to_do", "draft" or "submitted"

    @property
    def status_label(self) -> str:
        return str(WORKSPACE_STATUS_LABELS[self.status])


WORKSPACE_STATUS_LABELS = {
    "to_confirm": gettext_lazy("Conflit d'intérêts à vérifier"),
    "to_do": gettext_lazy("À évaluer"),
    "draft": gettext_lazy("Brouillon"),
    "submitted": gettext_lazy("Rendue"),
}


@dataclass(frozen=True)
class WorkspaceCall:
    """A call where the user is an active reviewer, with their assignments."""

    reviewer: Reviewer
    settings: ReviewSettings | None
    rows: list[WorkspaceRow]

    @property
    def done(self) -> int:
        return sum(1 for r in self.rows if r.status == "submitted")

    @property
    def total(self) -> int:
        return len(self.rows)


def _workspace_status(assignment: Assignment) -> str:
    review = getattr(assignment, "review", None)
    if review is not None and review.submitted_at is not None:
        return "submitted"
    if assignment.state != AssignmentState.CONFIRMED:
        return "to_confirm"
    return "to_do" if review is None else "draft"


def reviewer_workspace(user: User) -> tuple[list[WorkspaceCall], list[Reviewer]]:
    """The calls where ``user`` is an active reviewer, with their live assignments (not
    declined, not conflicted), and their pending invitations. Two queries in all."""
    roles = list(
        Reviewer.objects.filter(user=user, state__in=(ReviewerState.ACTIVE, ReviewerState.INVITED))
        .select_related("call__programme", "call__review_settings")
        .order_by("call__closes_at", "call_id")
    )
    active = [r for r in roles if r.state == ReviewerState.ACTIVE]
    invitations = [r for r in roles if r.state == ReviewerState.INVITED]
    assignments: dict[int, list[WorkspaceRow]] = {r.pk: [] for r in active}
    if active:
        conflicted = Conflict.objects.filter(
            application=OuterRef("application"), reviewer=OuterRef("reviewer")
        )
        for assignment in (
            Assignment.objects.filter(reviewer__in=active)
            .exclude(state=AssignmentState.DECLINED)
            .exclude(Exists(conflicted))
            .select_related("application__organisation", "review")
            .order_by("application__reference", "pk")
        ):
            assignments[assignment.reviewer_id].append(
                WorkspaceRow(assignment=assignment, status=_workspace_status(assignment))
            )
    calls = [
        WorkspaceCall(
            reviewer=r,
            settings=getattr(r.call, "review_settings", None),
            rows=assignments[r.pk],
        )
        for r in active
    ]
    return calls, invitations


def is_reviewer(user: Any) -> bool:
    """Whether ``user`` is invited to, or active in, the reviewer pool of some call."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Reviewer.objects.filter(user=user).exclude(state=ReviewerState.DECLINED).exists()


def reviewer_assignment(user: Any, pk: int) -> Assignment | None:
    """``user``'s own assignment ``pk`` with what the reviewer's pages show, or ``None``."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Assignment.objects.filter(pk=pk, reviewer__user=user)
        .select_related(
            "reviewer__call__programme",
            "reviewer__call__review_settings",
            "application__organisation",
        )
        .first()
    )


def may_read_application(user: Any, application: Any) -> bool:
    """Whether ``user`` may read ``application``'s content as a reviewer: assigned, active,
    not conflicted (``review.review_application``) and having confirmed no conflict."""
    if application is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.has_perm("review.review_application", application)) and (
        Assignment.objects.filter(
            application=application,
            reviewer__user=user,
            reviewer__state=ReviewerState.ACTIVE,
            state=AssignmentState.CONFIRMED,
        ).exists()
    )


@dataclass(frozen=True)
class OtherScore:
    score: float  # weighted, on 20
    recommendation: str


def other_submitted_scores(assignment: Assignment) -> list[OtherScore]:
    """The other reviewers' submitted weighted scores (on 20) for the same application,
    anonymous, best first. Three queries."""
    call = assignment.application.call
    criteria = {c.pk: CriterionWeight(c.weight, c.scale_max) for c in call.criteria.all()}
    reviews = (
        Review.objects.filter(
            assignment__application_id=assignment.application_id, submitted_at__isnull=False
        )
        .exclude(assignment=assignment)
        .prefetch_related("scores")
    )
    rows = []
    for review in reviews:
        values = {s.criterion_id: s.value for s in review.scores.all()}
        try:
            score = weighted_score(values, criteria)
        except (KeyError, ValueError):
            continue  # a criterion added after this review: no comparable score
        rows.append(
            OtherScore(score=round(score, 2), recommendation=review.get_recommendation_display())
        )
    return sorted(rows, key=lambda r: -r.score)


# --- manager side (helper B appends below) ---


@dataclass(frozen=True)
class ReviewNumbers:
    applications: int
    reviewers: int
    reviewers_invited: int
    reviewers_active: int
    assignments: int
    reviews_done: int
    conflicts: int


def call_review_numbers(call: Call) -> ReviewNumbers:
    """The headline figures of a call's review (a handful of counting queries)."""
    reviewer_states = dict(
        Reviewer.objects.filter(call=call)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return ReviewNumbers(
        applications=Application.objects.filter(call=call, state__in=REVIEWABLE_STATES).count(),
        reviewers=sum(reviewer_states.values()),
        reviewers_invited=reviewer_states.get(ReviewerState.INVITED, 0),
        reviewers_active=reviewer_states.get(ReviewerState.ACTIVE, 0),
        assignments=Assignment.objects.filter(reviewer__call=call)
        .exclude(state=AssignmentState.DECLINED)
        .count(),
        reviews_done=Review.objects.filter(
            assignment__reviewer__call=call, submitted_at__isnull=False
        ).count(),
        conflicts=Conflict.objects.filter(reviewer__call=call).count(),
    )


def call_reviewer_pool(call: Call) -> list[Reviewer]:
    """The call's reviewers with their expertise, affiliations, ``load`` (assignments not
    declined) and ``done`` (submitted reviews): a fixed number of queries."""
    active = ~Q(assignments__state=AssignmentState.DECLINED)
    return list(
        Reviewer.objects.filter(call=call)
        .select_related("user", "region")
        .prefetch_related("themes", "technologies", "affiliations")
        .annotate(
            load=Count("assignments", filter=active, distinct=True),
            done=Count(
                "assignments",
                filter=active & Q(assignments__review__submitted_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("user__last_name", "user__email")
    )


@dataclass(frozen=True)
class ReviewerProgress:
    reviewer: Reviewer
    expected: int
    done: int
    missing: list[Assignment]
    late: bool


@dataclass(frozen=True)
class ApplicationProgress:
    application: Application
    expected: int
    done: int


@dataclass(frozen=True)
class CallProgress:
    reviewers: list[ReviewerProgress]
    applications: list[ApplicationProgress]
    expected: int
    done: int
    phase_late: bool


def call_progress(call: Call, now: datetime | None = None) -> CallProgress:
    """Reviews done and expected, per reviewer and per application; who is late."""
    phase_late = review_phase_late(call, now)
    assignments = list(
        Assignment.objects.filter(reviewer__call=call)
        .exclude(state=AssignmentState.DECLINED)
        .select_related("reviewer__user", "application", "review")
        .order_by("application__reference", "reviewer_id")
    )
    per_reviewer: dict[int, list[Assignment]] = {}
    per_application: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        per_reviewer.setdefault(assignment.reviewer_id, []).append(assignment)
        per_application.setdefault(assignment.application_id, []).append(assignment)

    def submitted(assignment: Assignment) -> bool:
        review = getattr(assignment, "review", None)
        return review is not None and review.submitted_at is not None

    reviewers = []
    for items in per_reviewer.values():
        missing = [a for a in items if not submitted(a)]
        reviewer = items[0].reviewer
        reviewers.append(
            ReviewerProgress(
                reviewer=reviewer,
                expected=len(items),
                done=len(items) - len(missing),
                missing=missing,
                late=phase_late and bool(missing) and reviewer.state == ReviewerState.ACTIVE,
            )
        )
    reviewers.sort(key=lambda r: (-len(r.missing), r.reviewer.user.last_name, r.reviewer.pk))
    applications = [
        ApplicationProgress(
            application=items[0].application,
            expected=len(items),
            done=sum(1 for a in items if submitted(a)),
        )
        for items in per_application.values()
    ]
    return CallProgress(
        reviewers=reviewers,
        applications=applications,
        expected=len(assignments),
        done=sum(1 for a in assignments if submitted(a)),
        phase_late=phase_late,
    )


@dataclass(frozen=True)
class ReviewLine:
    review: Review
    reviewer: Reviewer
    score: float  # weighted, on 20
    normalised: float


@dataclass(frozen=True)
class RankingDetailRow:
    rank: int
    application: Application
    aggregate: ApplicationAggregate
    score: float
    reviews: list[ReviewLine]


def _submitted_reviews(call: Call) -> QuerySet[Review]:
    """Submitted reviews of the call, never one of a conflicted pair."""
    conflicted = Conflict.objects.filter(
        application_id=OuterRef("assignment__application_id"),
        reviewer_id=OuterRef("assignment__reviewer_id"),
    )
    return (
        Review.objects.filter(assignment__application__call=call, submitted_at__isnull=False)
        .exclude(Exists(conflicted))
        .select_related("assignment__reviewer__user", "assignment__application__organisation")
        .prefetch_related("scores__criterion")
        .order_by("assignment__application__reference", "assignment__reviewer__user__email")
    )


def call_ranking_detail(call: Call) -> list[RankingDetailRow]:
    """The ranking with, per application, each reviewer's weighted score raw and
    normalised, the mean, median, spread, disagreement flag and rank (fixed queries)."""
    review_settings = review_settings_for(call)
    criteria = {c.pk: CriterionWeight(c.weight, c.scale_max) for c in call.criteria.all()}
    reviews = list(_submitted_reviews(call))
    lines: dict[int, list[tuple[Review, float]]] = {}
    scores = []
    for review in reviews:
        values = {s.criterion_id: s.value for s in review.scores.all()}
        try:
            score = weighted_score(values, criteria)
        except (KeyError, ValueError):
            continue  # a criterion added after the review was submitted: left out
        scores.append(
            ReviewScore(
                application=review.assignment.application_id,
                reviewer=review.assignment.reviewer_id,
                score=score,
            )
        )
        lines.setdefault(review.assignment.application_id, []).append((review, score))
    normalised = normalise(scores)
    aggregates = aggregate(
        scores, disagreement_threshold=float(review_settings.disagreement_threshold)
    )
    rows = []
    for app_id, agg in aggregates.items():
        items = lines[int(str(app_id))]
        rows.append(
            RankingDetailRow(
                rank=0,
                application=items[0][0].assignment.application,
                aggregate=agg,
                score=agg.normalised_mean if review_settings.normalise_scores else agg.mean,
                reviews=[
                    ReviewLine(
                        review=review,
                        reviewer=review.assignment.reviewer,
                        score=score,
                        normalised=normalised[
                            (review.assignment.application_id, review.assignment.reviewer_id)
                        ],
                    )
                    for review, score in items
                ],
            )
        )
    rows.sort(key=lambda r: (-r.score, r.application.pk))
    return [replace(row, rank=index) for index, row in enumerate(rows, start=1)]


def call_reviews_for_export(call: Call) -> tuple[list[Criterion], list[Review]]:
    """The call's criteria and every submitted review, conflicted pairs excluded."""
    criteria = list(call.criteria.order_by("position", "pk"))
    return criteria, list(_submitted_reviews(call))


def call_review_export(call: Call) -> Table:
    """Every submitted review of the call as a table for the CSV and XLSX exports
    (for managers: applicants' names included even when the review is anonymised)."""
    criteria, reviews = call_reviews_for_export(call)
    weights = {c.pk: CriterionWeight(c.weight, c.scale_max) for c in criteria}
    headers = [
        _("Référence"),
        _("Candidature"),
        _("Porteur"),
        _("Évaluateur"),
        _("Adresse de l'évaluateur"),
    ]
    for criterion in criteria:
        headers += [
            _("%(name)s (sur %(max)d)") % {"name": criterion.name, "max": criterion.scale_max},
            _("%s — commentaire") % criterion.name,
        ]
    headers += [
        _("Note pondérée (sur 20)"),
        _("Appréciation générale"),
        _("Recommandation"),
        _("Rendue le"),
    ]
    rows: list[list[Cell]] = []
    for review in reviews:
        application = review.assignment.application
        user = review.assignment.reviewer.user
        scores = {s.criterion_id: s for s in review.scores.all()}
        row: list[Cell] = [
            application.reference,
            application.title,
            application.organisation.name,
            user.get_full_name() or user.email,
            user.email,
        ]
        for criterion in criteria:
            score = scores.get(criterion.pk)
            row += [score.value if score else None, score.comment if score else ""]
        try:
            weighted: float | None = round(
                weighted_score({k: s.value for k, s in scores.items()}, weights), 2
            )
        except (KeyError, ValueError):
            weighted = None
        submitted_at = review.submitted_at
        row += [
            weighted,
            review.overall_comment,
            review.get_recommendation_display() if review.recommendation else "",
            timezone.localtime(submitted_at) if submitted_at else None,
        ]
        rows.append(row)
    return Table(headers=headers, rows=rows)
