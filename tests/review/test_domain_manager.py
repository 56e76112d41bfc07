"""Manager-side review domain: invitations, pool, conflicts, adjustments, confirmation,
reminders."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from laureat.accounts.models import User
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.review.domain import (
    ScoreInput,
    assignment_build,
    assignment_confirm,
    assignment_force,
    assignment_remove,
    conflict_add,
    review_save,
    review_settings_update,
    review_submit,
    reviewer_invitation_resend,
    reviewer_invite,
    reviewer_remove,
    reviewers_remind,
)
from laureat.review.enums import AssignmentState, ReviewerState
from laureat.review.invitations import reviewer_from_token
from laureat.review.models import Assignment, Conflict, Review, Reviewer
from tests.factories import UserFactory
from tests.review.factories import make_review_setup

pytestmark = pytest.mark.django_db


def submit_review(assignment: Assignment, value: int = 4, comment: str = "") -> Review:
    """Mark every criterion ``value`` (capped to its scale) and submit, as the reviewer."""
    user = assignment.reviewer.user
    criteria = assignment.application.call.criteria.all()
    review = review_save(
        assignment=assignment,
        by=user,
        scores=[ScoreInput(c.pk, Decimal(min(value, c.scale_max)), comment) for c in criteria],
        overall_comment=comment,
        recommendation="fund",
    )
    return review_submit(review=review, by=user)


def _pairs(run: Any) -> list[tuple[int, int, float]]:
    return [
        (run.application_ids[i], run.reviewer_ids[j], float(f))
        for i, j, f in zip(
            run.result.pair_application.tolist(),
            run.result.pair_reviewer.tolist(),
            run.result.pair_affinity.tolist(),
            strict=True,
        )
    ]


def test_reviewer_invite_unknown_address_creates_account_and_emails_link(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    setup = make_review_setup(assign=False)
    with django_capture_on_commit_callbacks(execute=True):
        reviewer = reviewer_invite(
            call=setup.call,
            email="  Nouvelle.Experte@Exemple.fr ",
            first_name="Nina",
            last_name="Expert",
            by=setup.manager,
            base_url="https://laureat.test",
        )
    user = User.objects.get(email="nouvelle.experte@exemple.fr")
    assert (reviewer.user, reviewer.state, user.is_active) == (user, ReviewerState.INVITED, True)
    assert reviewer.invited_at is not None
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert mailoutbox[0].to == ["nouvelle.experte@exemple.fr"]
    assert "https://laureat.test/" in body
    token = body.split("/evaluation/invitation/")[1].split("/")[0]
    assert reviewer_from_token(token) == reviewer
    assert "mot-de-passe" in body  # the password reset page
    assert AuditLog.objects.filter(action="review.reviewer_invite").count() == 1


def test_reviewer_invite_twice_refused_with_message() -> None:
    setup = make_review_setup(assign=False)
    reviewer_invite(call=setup.call, email="a@exemple.fr", by=setup.manager)
    with pytest.raises(DomainError, match="fait déjà partie du vivier"):
        reviewer_invite(call=setup.call, email="A@exemple.fr", by=setup.manager)
    assert Reviewer.objects.filter(call=setup.call, user__email="a@exemple.fr").count() == 1


def test_reviewer_invite_invalid_address_refused() -> None:
    setup = make_review_setup(assign=False)
    with pytest.raises(DomainError, match="adresse électronique valide"):
        reviewer_invite(call=setup.call, email="pas-une-adresse", by=setup.manager)


def test_reviewer_invitation_resend_only_while_invited(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    setup = make_review_setup(assign=False)
    reviewer = reviewer_invite(call=setup.call, email="b@exemple.fr", by=setup.manager)
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_invitation_resend(reviewer=reviewer, by=setup.manager)
    assert len(mailoutbox) == 1
    with pytest.raises(DomainError, match="déjà répondu"):
        reviewer_invitation_resend(reviewer=setup.reviewers[0], by=setup.manager)


def test_reviewer_remove_refused_after_a_submitted_review() -> None:
    setup = make_review_setup()
    assignment = Assignment.objects.filter(reviewer=setup.reviewers[0]).first()
    assert assignment is not None
    submit_review(assignment)
    with pytest.raises(DomainError, match="déjà rendu"):
        reviewer_remove(reviewer=setup.reviewers[0], by=setup.manager)
    reviewer_remove(reviewer=setup.reviewers[1], by=setup.manager)
    assert not Reviewer.objects.filter(pk=setup.reviewers[1].pk).exists()


def test_conflict_add_removes_the_assignment_and_needs_a_reason() -> None:
    setup = make_review_setup()
    assignment = Assignment.objects.filter(reviewer__call=setup.call).first()
    assert assignment is not None
    with pytest.raises(DomainError, match="nature du conflit"):
        conflict_add(
            reviewer=assignment.reviewer,
            application=assignment.application,
            reason=" ",
            by=setup.manager,
        )
    conflict_add(
        reviewer=assignment.reviewer,
        application=assignment.application,
        reason="Ancien associé",
        by=setup.manager,
    )
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert Conflict.objects.get(reviewer=assignment.reviewer).reason == "Ancien associé"


def test_assignment_force_refuses_a_conflicted_pair() -> None:
    setup = make_review_setup(assign=False)
    application, reviewer = setup.applications[0], setup.reviewers[0]
    conflict_add(reviewer=reviewer, application=application, reason="Parent", by=setup.manager)
    with pytest.raises(DomainError, match="conflit d'intérêts"):
        assignment_force(application=application, reviewer=reviewer, by=setup.manager)
    assert not Assignment.objects.filter(application=application, reviewer=reviewer).exists()


def test_assignment_force_is_kept_by_the_next_proposal() -> None:
    setup = make_review_setup(assign=False)
    application, reviewer = setup.applications[0], setup.reviewers[3]
    forced = assignment_force(application=application, reviewer=reviewer, by=setup.manager)
    assert forced.forced is True
    run = assignment_build(call=setup.call)
    assert (application.pk, reviewer.pk) in {(a, r) for a, r, _f in _pairs(run)}
    with pytest.raises(DomainError, match="déjà imposée"):
        assignment_force(application=application, reviewer=reviewer, by=setup.manager)


def test_assignment_force_refused_beyond_k_forced_reviewers() -> None:
    setup = make_review_setup(assign=False, k=1)
    application = setup.applications[0]
    assignment_force(application=application, reviewer=setup.reviewers[0], by=setup.manager)
    with pytest.raises(DomainError, match="évaluateurs imposés"):
        assignment_force(application=application, reviewer=setup.reviewers[1], by=setup.manager)


def test_assignment_remove_refused_once_the_review_is_submitted() -> None:
    setup = make_review_setup()
    first, second = Assignment.objects.filter(reviewer__call=setup.call)[:2]
    submit_review(first)
    with pytest.raises(DomainError, match="déjà rendu son évaluation"):
        assignment_remove(assignment=first, by=setup.manager)
    assignment_remove(assignment=second, by=setup.manager)
    assert not Assignment.objects.filter(pk=second.pk).exists()


def test_assignment_confirm_saves_the_preview_and_emails_each_reviewer_once(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    setup = make_review_setup(applications=3, reviewers=3, k=2, assign=False)
    run = assignment_build(call=setup.call)
    assert Assignment.objects.filter(reviewer__call=setup.call).count() == 0  # preview only
    with django_capture_on_commit_callbacks(execute=True):
        outcome = assignment_confirm(call=setup.call, pairs=_pairs(run), by=setup.manager)
    assert (outcome.created, outcome.skipped) == (6, 0)
    saved = Assignment.objects.filter(reviewer__call=setup.call)
    assert {a.state for a in saved} == {AssignmentState.PROPOSED}
    assert saved.filter(notified_at__isnull=True).count() == 0
    assigned = {a.reviewer.user.email for a in saved.select_related("reviewer__user")}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(assigned)
    assert "Projet" in mailoutbox[0].body
    # Confirming again announces nothing new.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assignment_confirm(call=setup.call, pairs=_pairs(run), by=setup.manager)
    assert mailoutbox == []


def test_assignment_confirm_skips_a_pair_conflicted_since_the_preview() -> None:
    setup = make_review_setup(applications=2, reviewers=2, k=2, assign=False)
    run = assignment_build(call=setup.call)
    conflict_add(
        reviewer=setup.reviewers[0],
        application=setup.applications[0],
        reason="Découvert après l'aperçu",
        by=setup.manager,
    )
    outcome = assignment_confirm(call=setup.call, pairs=_pairs(run), by=setup.manager)
    assert (outcome.created, outcome.skipped) == (3, 1)
    assert not Assignment.objects.filter(
        application=setup.applications[0], reviewer=setup.reviewers[0]
    ).exists()


def test_reviewers_remind_late_reviewers_once_a_day(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    setup = make_review_setup(applications=2, reviewers=2, k=2)
    now = timezone.now()
    review_settings_update(
        call=setup.call, by=setup.manager, opens_at=now - timedelta(days=10), closes_at=now
    )
    done = Assignment.objects.filter(reviewer=setup.reviewers[0])
    for assignment in done:
        submit_review(assignment)
    with django_capture_on_commit_callbacks(execute=True):
        sent = reviewers_remind(call=setup.call, by=setup.manager, now=now)
    assert sent == 1
    assert mailoutbox[0].to == [setup.reviewers[1].user.email]
    assert "2 évaluation(s)" in mailoutbox[0].body
    assert AuditLog.objects.filter(action="review.remind").count() == 1
    assert reviewers_remind(call=setup.call, by=setup.manager, now=now + timedelta(hours=2)) == 0
    later = now + timedelta(hours=25)
    assert reviewers_remind(call=setup.call, by=setup.manager, now=later) == 1


def test_reviewers_remind_nobody_late_before_the_window() -> None:
    setup = make_review_setup(applications=2, reviewers=2, k=1)
    now = timezone.now()
    review_settings_update(call=setup.call, by=setup.manager, closes_at=now + timedelta(days=20))
    assert reviewers_remind(call=setup.call, by=setup.manager, now=now) == 0
    chosen = [setup.reviewers[0]]
    assert reviewers_remind(call=setup.call, by=setup.manager, reviewers=chosen, now=now) == 1


def test_reviewer_invite_existing_user_keeps_their_account() -> None:
    setup = make_review_setup(assign=False)
    person = UserFactory(email="connu@exemple.fr")
    reviewer = reviewer_invite(call=setup.call, email="connu@exemple.fr", by=setup.manager)
    assert reviewer.user == person
    assert person.check_password("motdepasse-solide-42")


def test_assignment_confirm_never_exceeds_k_with_confirmed_assignments_kept() -> None:
    setup = make_review_setup(applications=2, reviewers=3, k=1)
    Assignment.objects.filter(reviewer__call=setup.call).update(state=AssignmentState.CONFIRMED)
    before = set(
        Assignment.objects.filter(reviewer__call=setup.call).values_list(
            "application_id", "reviewer_id"
        )
    )
    others = [
        (a.pk, r.pk, 0.5)
        for a in setup.applications
        for r in setup.reviewers
        if (a.pk, r.pk) not in before
    ]
    outcome = assignment_confirm(call=setup.call, pairs=others, by=setup.manager)
    assert outcome.created == 0
    assert outcome.skipped == len(others)


def test_assignment_confirm_keeps_pairs_with_a_review() -> None:
    setup = make_review_setup(applications=2, reviewers=2, k=1)
    assignment = Assignment.objects.filter(reviewer__call=setup.call).first()
    assert assignment is not None
    review = submit_review(assignment)
    assignment_confirm(call=setup.call, pairs=[], by=setup.manager)
    assert Review.objects.filter(pk=review.pk, submitted_at__isnull=False).exists()
    assert Assignment.objects.filter(reviewer__call=setup.call).count() == 1
