"""Reviews: marks per criterion, submission lock, manager unlock, ranking of a call."""

from decimal import Decimal

import pytest

from laureat.accounts.models import User
from laureat.applications.domain import application_submit
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.programmes.models import Call
from laureat.review.domain import (
    ScoreInput,
    conflict_declare,
    review_save,
    review_settings_update,
    review_submit,
    review_unlock,
    reviewer_add,
)
from laureat.review.enums import Recommendation
from laureat.review.models import Assignment, Review
from laureat.review.queries import call_ranking
from tests.factories import UserFactory, make_complete_draft, make_open_call_with_envelopes

pytestmark = pytest.mark.django_db


def _assignment(call: Call | None = None) -> Assignment:
    call = call or make_open_call_with_envelopes().call
    applicant = UserFactory()
    application = application_submit(application=make_complete_draft(call, applicant), by=applicant)
    reviewer = reviewer_add(call=call, user=UserFactory(), by=None)
    return Assignment.objects.create(application=application, reviewer=reviewer)


def _full_marks(call: Call, value: int) -> list[ScoreInput]:
    return [ScoreInput(c.pk, Decimal(min(value, c.scale_max))) for c in call.criteria.all()]


def _submit_review(assignment: Assignment, value: int) -> Review:
    user: User = assignment.reviewer.user
    call = assignment.application.call
    review = review_save(
        assignment=assignment,
        by=user,
        scores=_full_marks(call, value),
        recommendation=Recommendation.FUND,
    )
    return review_submit(review=review, by=user)


def test_review_save_refuses_a_mark_above_the_scale() -> None:
    assignment = _assignment()
    criterion = assignment.application.call.criteria.first()
    assert criterion is not None
    with pytest.raises(DomainError, match="entre 0 et"):
        review_save(
            assignment=assignment,
            by=assignment.reviewer.user,
            scores=[ScoreInput(criterion.pk, Decimal(criterion.scale_max + 1))],
        )


def test_review_save_by_another_person_refused() -> None:
    assignment = _assignment()
    with pytest.raises(DomainError):
        review_save(assignment=assignment, by=UserFactory(), scores=[])


def test_review_save_refused_when_conflicted() -> None:
    assignment = _assignment()
    conflict_declare(
        reviewer=assignment.reviewer,
        application=assignment.application,
        reason="Associé",
        by=assignment.reviewer.user,
    )
    assignment.pk = None  # the row was removed by the declaration; recreate it
    assignment.save()
    with pytest.raises(DomainError, match="conflit"):
        review_save(assignment=assignment, by=assignment.reviewer.user, scores=[])


def test_review_submit_needs_every_criterion_and_a_recommendation() -> None:
    assignment = _assignment()
    review = review_save(assignment=assignment, by=assignment.reviewer.user, scores=[])
    with pytest.raises(DomainError, match="Notez chaque critère"):
        review_submit(review=review, by=assignment.reviewer.user)


def test_review_submitted_is_locked_until_a_manager_unlocks_it() -> None:
    assignment = _assignment()
    review = _submit_review(assignment, 4)
    with pytest.raises(DomainError, match="rendue"):
        review_save(assignment=assignment, by=assignment.reviewer.user, scores=[])

    manager = UserFactory()
    with pytest.raises(DomainError):
        review_unlock(review=review, by=manager, reason="  ")
    review_unlock(review=review, by=manager, reason="Erreur de saisie signalée")

    assert Review.objects.get(pk=review.pk).submitted_at is None
    entry = AuditLog.objects.get(action="review.unlock")
    assert (entry.actor, entry.data["reason"]) == (manager, "Erreur de saisie signalée")


def test_call_ranking_orders_by_score_and_counts_reviews() -> None:
    call = make_open_call_with_envelopes().call
    review_settings_update(call=call, by=None, normalise_scores=False)
    weak, strong = _assignment(call), _assignment(call)
    _submit_review(strong, 5)
    _submit_review(weak, 2)

    ranking = call_ranking(call)

    assert [r.application_id for r in ranking] == [
        strong.application_id,
        weak.application_id,
    ]
    assert [r.aggregate.count for r in ranking] == [1, 1]
    assert ranking[0].score == ranking[0].aggregate.mean == pytest.approx(20.0)
    assert ranking[1].score < ranking[0].score
