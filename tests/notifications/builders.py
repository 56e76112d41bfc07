"""Published decisions (and reviews) for the notification tests, written directly as rows.

``decisions_publish`` belongs to the selection app; these builders produce the state
it leaves behind: decisions with ``published_at``, the applications in their
decided state, the call in "results published".
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from laureat.accounts.models import User
from laureat.applicants.enums import MembershipRole
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call, Funder
from laureat.review.enums import AssignmentState, ReviewerState
from laureat.review.models import Assignment, Review, Reviewer, Score
from laureat.selection.enums import DecisionOutcome
from laureat.selection.models import Decision, DecisionAward
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    OpenCall,
    OrganisationFactory,
    UserFactory,
)

_STATE = {
    DecisionOutcome.LAUREATE: ApplicationState.LAUREATE,
    DecisionOutcome.WAITING_LIST: ApplicationState.WAITING_LIST,
    DecisionOutcome.REJECTED: ApplicationState.REJECTED,
}


def make_decision(
    call: Call,
    outcome: str,
    *,
    applicant: User | None = None,
    awards: Sequence[tuple[Funder, Decimal]] = (),
    waiting_rank: int | None = None,
    reason: str = "",
    published: bool = True,
    title: str | None = None,
) -> Decision:
    """A decided application of ``call`` whose organisation has ``applicant`` as member."""
    organisation = OrganisationFactory()
    MembershipFactory(
        user=applicant or UserFactory(), organisation=organisation, role=MembershipRole.ADMIN
    )
    extra = {"title": title} if title else {}
    application = ApplicationFactory(
        call=call,
        organisation=organisation,
        state=_STATE[DecisionOutcome(outcome)] if published else ApplicationState.IN_REVIEW,
        **extra,
    )
    if outcome == DecisionOutcome.WAITING_LIST and waiting_rank is None:
        waiting_rank = 1
    decision = Decision.objects.create(
        application=application,
        outcome=outcome,
        waiting_rank=waiting_rank,
        reason=reason,
        published_at=timezone.now() if published else None,
    )
    for funder, amount in awards:
        DecisionAward.objects.create(decision=decision, funder=funder, amount=amount)
    return decision


@dataclass
class PublishedCall:
    setup: OpenCall
    laureate: Decision
    waiting: Decision
    rejected: Decision

    @property
    def call(self) -> Call:
        return self.setup.call

    @property
    def decisions(self) -> list[Decision]:
        return [self.laureate, self.waiting, self.rejected]


def publish_call(setup: OpenCall) -> PublishedCall:
    """Three published decisions on the call (laureate, waiting list, rejected)."""
    call = setup.call
    laureate = make_decision(
        call,
        DecisionOutcome.LAUREATE,
        awards=[
            (setup.banque_des_territoires, Decimal("50000.00")),
            (setup.etat, Decimal("100000.00")),
        ],
        title="Campus lauréat",
    )
    waiting = make_decision(call, DecisionOutcome.WAITING_LIST, waiting_rank=2)
    rejected = make_decision(
        call,
        DecisionOutcome.REJECTED,
        reason="Le plan de financement ne démontre pas la pérennité du projet.",
    )
    call.state = CallState.RESULTS_PUBLISHED
    call.save(update_fields=["state"])
    return PublishedCall(setup=setup, laureate=laureate, waiting=waiting, rejected=rejected)


def review(application: Application, marks: Sequence[Decimal], *, name: str = "") -> Review:
    """A submitted review of ``application``: one mark per criterion of its call, in order."""
    reviewer_user = UserFactory(last_name=name or "Évaluateur")
    reviewer, _ = Reviewer.objects.get_or_create(
        call=application.call, user=reviewer_user, defaults={"state": ReviewerState.ACTIVE}
    )
    assignment = Assignment.objects.create(
        application=application, reviewer=reviewer, state=AssignmentState.CONFIRMED
    )
    submitted = Review.objects.create(assignment=assignment, submitted_at=timezone.now())
    for criterion, mark in zip(application.call.criteria.all(), marks, strict=True):
        Score.objects.create(review=submitted, criterion=criterion, value=mark)
    return submitted
