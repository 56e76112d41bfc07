"""Reviewer side of the review: invitations, profile, no-conflict confirmation, declines
and the refill that gives the freed places to other reviewers."""

from decimal import Decimal
from typing import Any

import pytest

from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.review.domain import (
    ScoreInput,
    assignment_accept,
    assignment_declare_conflict,
    assignment_decline,
    assignment_refill,
    review_save,
    review_submit,
    reviewer_add,
    reviewer_profile_update,
    reviewer_respond,
)
from laureat.review.enums import AssignmentState, ConflictSource, Recommendation, ReviewerState
from laureat.review.models import Assignment, Conflict, Reviewer
from laureat.territories.models import Region
from tests.factories import ThemeFactory, UserFactory
from tests.review.factories import ReviewSetup, make_review_setup

pytestmark = pytest.mark.django_db


def _live_counts(setup: ReviewSetup) -> dict[int, int]:
    counts = {a.pk: 0 for a in setup.applications}
    for application_id in (
        Assignment.objects.filter(application__in=setup.applications)
        .exclude(state=AssignmentState.DECLINED)
        .values_list("application_id", flat=True)
    ):
        counts[application_id] += 1
    return counts


def _first_assignment(setup: ReviewSetup) -> Assignment:
    return (
        Assignment.objects.filter(application=setup.applications[0])
        .select_related("reviewer__user", "application")
        .order_by("pk")
        .first()
    )  # type: ignore[return-value]


# --- invitations -----------------------------------------------------------------------


def test_reviewer_respond_accept_activates_and_logs() -> None:
    setup = make_review_setup(applications=1, reviewers=1, k=1)
    user = UserFactory()
    reviewer = reviewer_add(
        call=setup.call, user=user, by=setup.manager, state=ReviewerState.INVITED
    )

    reviewer_respond(reviewer=reviewer, accept=True, by=user)

    reviewer.refresh_from_db()
    assert reviewer.state == ReviewerState.ACTIVE
    assert AuditLog.objects.filter(action="review.reviewer_accept").count() == 1


def test_reviewer_respond_decline_sets_declined() -> None:
    setup = make_review_setup(applications=1, reviewers=1, k=1)
    user = UserFactory()
    reviewer = reviewer_add(
        call=setup.call, user=user, by=setup.manager, state=ReviewerState.INVITED
    )

    reviewer_respond(reviewer=reviewer, accept=False, by=user)

    reviewer.refresh_from_db()
    assert reviewer.state == ReviewerState.DECLINED
    assert AuditLog.objects.filter(action="review.reviewer_decline").count() == 1


def test_reviewer_respond_twice_refused_with_message() -> None:
    setup = make_review_setup(applications=1, reviewers=1, k=1)
    user = UserFactory()
    reviewer = reviewer_add(
        call=setup.call, user=user, by=setup.manager, state=ReviewerState.INVITED
    )
    reviewer_respond(reviewer=reviewer, accept=True, by=user)

    with pytest.raises(DomainError, match="déjà accepté"):
        reviewer_respond(reviewer=reviewer, accept=False, by=user)
    reviewer.refresh_from_db()
    assert reviewer.state == ReviewerState.ACTIVE


def test_reviewer_respond_by_someone_else_refused() -> None:
    setup = make_review_setup(applications=1, reviewers=1, k=1)
    reviewer = reviewer_add(
        call=setup.call, user=UserFactory(), by=setup.manager, state=ReviewerState.INVITED
    )

    with pytest.raises(DomainError):
        reviewer_respond(reviewer=reviewer, accept=True, by=UserFactory())
    reviewer.refresh_from_db()
    assert reviewer.state == ReviewerState.INVITED


# --- profile ---------------------------------------------------------------------------


def test_reviewer_profile_update_saves_expertise() -> None:
    setup = make_review_setup(applications=1, reviewers=1, k=1, assign=False)
    reviewer = setup.reviewers[0]
    region = Region.objects.order_by("code").first()

    reviewer_profile_update(
        reviewer=reviewer,
        by=reviewer.user,
        themes=[setup.open_call.theme],
        technologies=[],
        expertise="  Robotique collaborative  ",
        region=region,
    )

    reviewer = Reviewer.objects.get(pk=reviewer.pk)
    assert reviewer.expertise == "Robotique collaborative"
    assert reviewer.region == region
    assert list(reviewer.themes.all()) == [setup.open_call.theme]
    assert AuditLog.objects.filter(action="review.reviewer_profile").count() == 1


def test_reviewer_profile_update_theme_outside_call_refused() -> None:
    setup = make_review_setup(applications=1, reviewers=1, k=1, assign=False)
    reviewer = setup.reviewers[0]

    with pytest.raises(DomainError, match="thèmes"):
        reviewer_profile_update(
            reviewer=reviewer,
            by=reviewer.user,
            themes=[ThemeFactory()],
            technologies=[],
            expertise="",
            region=None,
        )


# --- accepting an assignment -----------------------------------------------------------


def test_assignment_accept_confirms_and_logs() -> None:
    setup = make_review_setup(applications=2, reviewers=2, k=1)
    assignment = _first_assignment(setup)

    assignment_accept(assignment=assignment, by=assignment.reviewer.user)

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.CONFIRMED
    assert AuditLog.objects.filter(action="review.assignment_accept").count() == 1


def test_assignment_accept_by_another_reviewer_refused() -> None:
    setup = make_review_setup(applications=2, reviewers=2, k=1)
    assignment = _first_assignment(setup)

    with pytest.raises(DomainError):
        assignment_accept(assignment=assignment, by=UserFactory())
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.PROPOSED


def test_assignment_accept_when_conflicted_refused() -> None:
    setup = make_review_setup(applications=2, reviewers=2, k=1)
    assignment = _first_assignment(setup)
    Conflict.objects.create(
        application=assignment.application,
        reviewer=assignment.reviewer,
        source=ConflictSource.SAME_ORGANISATION,
    )

    with pytest.raises(DomainError, match="conflit"):
        assignment_accept(assignment=assignment, by=assignment.reviewer.user)


# --- declining and refilling -------------------------------------------------------------


def test_assignment_decline_refills_with_another_reviewer(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    setup = make_review_setup(applications=4, reviewers=4, k=2)
    assignment = _first_assignment(setup)
    before = _live_counts(setup)

    with django_capture_on_commit_callbacks(execute=True):
        run = assignment_decline(
            assignment=assignment, by=assignment.reviewer.user, reason="Trop de travail"
        )

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.DECLINED
    assert _live_counts(setup) == before
    assert run.shortfall == []
    newcomer = (
        Assignment.objects.filter(application=assignment.application)
        .exclude(pk=assignment.pk)
        .order_by("-pk")
        .first()
    )
    assert newcomer is not None
    assert newcomer.reviewer_id != assignment.reviewer_id
    assert newcomer.state == AssignmentState.PROPOSED
    entry = AuditLog.objects.get(action="review.assignment_decline")
    assert entry.data["reason"] == "Trop de travail"
    assert [m.to for m in mailoutbox] == [[newcomer.reviewer.user.email]]
    assert "/evaluation/" in mailoutbox[0].body


def test_assignment_decline_keeps_other_assignments() -> None:
    setup = make_review_setup(applications=4, reviewers=4, k=2)
    assignment = _first_assignment(setup)
    others = set(
        Assignment.objects.exclude(pk=assignment.pk).values_list("application_id", "reviewer_id")
    )

    assignment_decline(assignment=assignment, by=assignment.reviewer.user, reason="Absent")

    after = set(Assignment.objects.values_list("application_id", "reviewer_id"))
    assert others <= after
    assert len(after) == len(others) + 2  # the declined row stays, one new row


def test_assignment_decline_without_reason_refused() -> None:
    setup = make_review_setup(applications=2, reviewers=2, k=1)
    assignment = _first_assignment(setup)

    with pytest.raises(DomainError, match="pourquoi"):
        assignment_decline(assignment=assignment, by=assignment.reviewer.user, reason="  ")
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.PROPOSED


def test_assignment_decline_with_no_one_left_reports_shortfall() -> None:
    setup = make_review_setup(applications=1, reviewers=1, k=1)
    assignment = _first_assignment(setup)

    run = assignment_decline(assignment=assignment, by=assignment.reviewer.user, reason="Non")

    assert [s["application"] for s in run.shortfall] == [setup.applications[0].pk]
    assert Assignment.objects.exclude(state=AssignmentState.DECLINED).count() == 0


def test_assignment_declare_conflict_frees_the_place_and_refills() -> None:
    setup = make_review_setup(applications=4, reviewers=4, k=2)
    assignment = _first_assignment(setup)
    before = _live_counts(setup)

    assignment_declare_conflict(
        assignment=assignment, by=assignment.reviewer.user, reason="Ancien employeur"
    )

    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert Conflict.objects.filter(
        application=assignment.application,
        reviewer=assignment.reviewer,
        source=ConflictSource.DECLARED,
    ).exists()
    assert _live_counts(setup) == before
    assert not Assignment.objects.filter(
        application=assignment.application, reviewer=assignment.reviewer
    ).exists()


def test_assignment_refill_with_nothing_missing_adds_nothing() -> None:
    setup = make_review_setup(applications=3, reviewers=3, k=2)
    count = Assignment.objects.count()

    run = assignment_refill(call=setup.call, by=setup.manager)

    assert Assignment.objects.count() == count
    assert run.saved is True
    assert run.shortfall == []


def test_assignment_refill_never_reassigns_a_declined_pair() -> None:
    setup = make_review_setup(applications=1, reviewers=2, k=2)
    assignment = _first_assignment(setup)
    Assignment.objects.filter(pk=assignment.pk).update(state=AssignmentState.DECLINED)

    run = assignment_refill(call=setup.call, by=setup.manager)

    assert Assignment.objects.filter(state=AssignmentState.DECLINED).count() == 1
    assert len(run.shortfall) == 1
    assert run.shortfall[0]["assigned"] == 1


def test_assignment_accept_twice_changes_nothing() -> None:
    setup = make_review_setup(applications=2, reviewers=2, k=1)
    assignment = _first_assignment(setup)
    assignment_accept(assignment=assignment, by=assignment.reviewer.user)

    assignment_accept(assignment=assignment, by=assignment.reviewer.user)

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.CONFIRMED
    assert AuditLog.objects.filter(action="review.assignment_accept").count() == 1


def test_assignment_decline_after_submitting_refused() -> None:
    setup = make_review_setup(applications=2, reviewers=2, k=1)
    assignment = _first_assignment(setup)
    user = assignment.reviewer.user
    review = review_save(
        assignment=assignment,
        by=user,
        scores=[ScoreInput(criterion_id=c.pk, value=Decimal(1)) for c in setup.call.criteria.all()],
        recommendation=Recommendation.REJECT,
    )
    review_submit(review=review, by=user)

    with pytest.raises(DomainError, match="déjà rendue"):
        assignment_decline(assignment=assignment, by=user, reason="Trop tard")
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.PROPOSED
