"""The lifecycle table (``transitions.py``) and ``application_transition``, which enforces it."""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from laureat.accounts.models import User
from laureat.applications.domain import application_transition
from laureat.applications.enums import Actor
from laureat.applications.enums import ApplicationState as S
from laureat.applications.models import Application
from laureat.applications.transitions import (
    TRANSITIONS,
    Transition,
    find_transition,
    transitions_from,
)
from laureat.core.errors import ConflictError, DomainError, TransitionError
from laureat.core.models import AuditLog
from laureat.programmes.enums import ProgrammeRoleKind
from tests.factories import (
    ApplicationFactory,
    FunderFactory,
    MembershipFactory,
    ProgrammeRoleFactory,
    ResourceLineFactory,
    UserFactory,
    make_complete_draft,
    make_open_call_with_envelopes,
)

pytestmark = pytest.mark.django_db

TABLE_PAIRS = {(t.source, t.target) for t in TRANSITIONS}
ALLOWED_ACTORS = [(t, actor) for t in TRANSITIONS for actor in sorted(t.actors)]


@dataclass
class Cast:
    """An application and one person in each role on it."""

    application: Application
    applicant: User
    manager: User
    funder_agent: User

    def person(self, actor: Actor) -> User:
        return {
            Actor.APPLICANT: self.applicant,
            Actor.MANAGER: self.manager,
            Actor.FUNDER: self.funder_agent,
        }[actor]


def _cast(state: S) -> Cast:
    if state == S.DRAFT:
        # A draft can only be submitted when complete: build one that is.
        applicant = UserFactory()
        application = make_complete_draft(make_open_call_with_envelopes().call, applicant)
        manager = ProgrammeRoleFactory(
            programme=application.call.programme, role=ProgrammeRoleKind.MANAGER
        ).user
        return Cast(application, applicant, manager, UserFactory())
    application = ApplicationFactory(state=state)
    applicant = MembershipFactory(organisation=application.organisation).user
    manager = ProgrammeRoleFactory(
        programme=application.call.programme, role=ProgrammeRoleKind.MANAGER
    ).user
    funder = FunderFactory()
    funder_agent = UserFactory()
    funder.agents.add(funder_agent)
    ResourceLineFactory(application=application, funder=funder)
    return Cast(application, applicant, manager, funder_agent)


def _transition_entries(application: Application) -> list[dict[str, str]]:
    return [
        e.data
        for e in AuditLog.objects.for_object(application).filter(action="application.transition")
    ]


# --- the table itself -------------------------------------------------------


def test_transitions_table_has_one_row_per_pair() -> None:
    assert len(TABLE_PAIRS) == len(TRANSITIONS)


def test_transitions_table_names_at_least_one_actor_per_row() -> None:
    assert [t for t in TRANSITIONS if not t.actors] == []


def test_transitions_table_final_states_have_no_way_out() -> None:
    assert [t for s in (S.REJECTED, S.COMPLETED, S.WITHDRAWN) for t in transitions_from(s)] == []


def test_transitions_table_every_state_reachable_from_draft() -> None:
    reached, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for t in transitions_from(frontier.pop()):
            if t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)

    assert reached == set(S)


def test_transitions_table_refusals_and_withdrawals_after_submission_need_a_reason() -> None:
    needing_reason = {(t.source, t.target) for t in TRANSITIONS if t.reason_required}

    assert needing_reason == {
        (S.SUBMITTED, S.INELIGIBLE),
        (S.SUBMITTED, S.DRAFT),
        (S.ELIGIBLE, S.INELIGIBLE),
        (S.INELIGIBLE, S.ELIGIBLE),
        (S.IN_REVIEW, S.REJECTED),
        (S.WAITING_LIST, S.REJECTED),
        (S.SUBMITTED, S.WITHDRAWN),
        (S.ELIGIBLE, S.WITHDRAWN),
        (S.IN_REVIEW, S.WITHDRAWN),
    }


def test_find_transition_returns_the_row_or_none() -> None:
    row = find_transition(S.IN_REVIEW, S.LAUREATE)

    assert isinstance(row, Transition)
    assert row.actors == frozenset({Actor.MANAGER})
    assert find_transition(S.DRAFT, S.LAUREATE) is None


# --- application_transition: what the table allows ----------------------------


@pytest.mark.parametrize(
    ("row", "actor"),
    ALLOWED_ACTORS,
    ids=[f"{t.source}->{t.target}-by-{a}" for t, a in ALLOWED_ACTORS],
)
def test_application_transition_in_table_allowed_for_its_actors(
    row: Transition, actor: Actor
) -> None:
    cast = _cast(row.source)
    version = cast.application.version
    reason = "Motif détaillé" if row.reason_required else ""

    result = application_transition(
        application=cast.application, target=row.target, by=cast.person(actor), reason=reason
    )

    stored = Application.objects.get(pk=cast.application.pk)
    assert (result.state, stored.state) == (row.target, row.target)
    assert stored.version == version + 1
    assert _transition_entries(stored) == [
        {"from": str(row.source), "to": str(row.target), "reason": reason}
    ]


def test_application_transition_audit_entry_names_the_actor() -> None:
    cast = _cast(S.SUBMITTED)

    application_transition(application=cast.application, target=S.ELIGIBLE, by=cast.manager)

    entry = AuditLog.objects.for_object(cast.application).get(action="application.transition")
    assert entry.actor == cast.manager


def test_application_transition_stores_the_reason_without_surrounding_spaces() -> None:
    cast = _cast(S.IN_REVIEW)

    application_transition(
        application=cast.application,
        target=S.REJECTED,
        by=cast.manager,
        reason="  Budget hors du cadre de l'appel.  ",
    )

    assert _transition_entries(cast.application) == [
        {"from": "in_review", "to": "rejected", "reason": "Budget hors du cadre de l'appel."}
    ]


def test_application_transition_each_step_increments_version() -> None:
    cast = _cast(S.SUBMITTED)
    steps = [(S.ELIGIBLE, ""), (S.IN_REVIEW, ""), (S.WAITING_LIST, ""), (S.LAUREATE, "")]

    versions = []
    for target, reason in steps:
        application = application_transition(
            application=cast.application, target=target, by=cast.manager, reason=reason
        )
        versions.append(application.version)

    assert versions == [2, 3, 4, 5]
    assert len(_transition_entries(cast.application)) == 4


def test_application_transition_to_submitted_sets_submitted_at_to_now_given() -> None:
    cast = _cast(S.DRAFT)
    when = timezone.now().replace(microsecond=0)

    application = application_transition(
        application=cast.application, target=S.SUBMITTED, by=cast.applicant, now=when
    )

    assert application.submitted_at == when


def test_application_transition_superuser_acts_as_manager() -> None:
    cast = _cast(S.SUBMITTED)
    admin = UserFactory(is_superuser=True, is_staff=True)

    application = application_transition(application=cast.application, target=S.ELIGIBLE, by=admin)

    assert application.state == S.ELIGIBLE


# --- application_transition: what it refuses ---------------------------------


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.DRAFT, S.LAUREATE),
        (S.SUBMITTED, S.COMPLETED),
        (S.REJECTED, S.LAUREATE),
        (S.WITHDRAWN, S.SUBMITTED),
        (S.DRAFT, S.ELIGIBLE),
        (S.LAUREATE, S.WITHDRAWN),
        (S.COMPLETED, S.IN_PROGRESS),
    ],
)
def test_application_transition_outside_table_refused_naming_both_states(
    source: S, target: S
) -> None:
    cast = _cast(source)
    version = cast.application.version
    admin = UserFactory(is_superuser=True, is_staff=True)

    with pytest.raises(TransitionError) as caught:
        application_transition(
            application=cast.application, target=target, by=admin, reason="Motif"
        )

    assert caught.value.code == "transition"
    assert str(caught.value) == (
        f"Une candidature « {source.label} » ne peut pas passer à l'état « {target.label} »."
    )
    stored = Application.objects.get(pk=cast.application.pk)
    assert (stored.state, stored.version) == (source, version)
    assert _transition_entries(stored) == []


def test_application_transition_every_pair_outside_table_refused() -> None:
    cast = _cast(S.DRAFT)
    admin = UserFactory(is_superuser=True, is_staff=True)
    accepted = []

    for source in S:
        Application.objects.filter(pk=cast.application.pk).update(
            state=source, submitted_at=timezone.now()
        )
        cast.application.refresh_from_db()
        for target in S:
            if (source, target) in TABLE_PAIRS:
                continue
            try:
                application_transition(
                    application=cast.application, target=target, by=admin, reason="Motif"
                )
            except TransitionError:
                continue
            accepted.append((source, target))

    assert accepted == []
    assert _transition_entries(cast.application) == []


def test_application_transition_by_user_without_role_refused() -> None:
    cast = _cast(S.SUBMITTED)
    stranger = UserFactory()

    with pytest.raises(TransitionError) as caught:
        application_transition(application=cast.application, target=S.ELIGIBLE, by=stranger)

    assert str(caught.value) == (
        "Vous n'avez pas le droit de faire passer cette candidature à l'état « Recevable »."
    )
    assert Application.objects.get(pk=cast.application.pk).state == S.SUBMITTED
    assert _transition_entries(cast.application) == []


@pytest.mark.parametrize(
    ("source", "target", "actor"),
    [
        (S.SUBMITTED, S.ELIGIBLE, Actor.APPLICANT),  # applicants do not judge themselves
        (S.IN_REVIEW, S.LAUREATE, Actor.FUNDER),  # co-funders do not select alone
        (S.DRAFT, S.SUBMITTED, Actor.MANAGER),  # only the applicant submits
        (S.SUBMITTED, S.WITHDRAWN, Actor.MANAGER),  # only the applicant withdraws
    ],
)
def test_application_transition_by_actor_not_in_row_refused(
    source: S, target: S, actor: Actor
) -> None:
    cast = _cast(source)

    with pytest.raises(TransitionError):
        application_transition(
            application=cast.application, target=target, by=cast.person(actor), reason="Motif"
        )

    assert Application.objects.get(pk=cast.application.pk).state == source


def test_application_transition_by_manager_of_another_programme_refused() -> None:
    cast = _cast(S.SUBMITTED)
    other_manager = ProgrammeRoleFactory(role=ProgrammeRoleKind.MANAGER).user

    with pytest.raises(TransitionError):
        application_transition(application=cast.application, target=S.ELIGIBLE, by=other_manager)


def test_application_transition_by_agent_of_a_funder_not_asked_refused() -> None:
    cast = _cast(S.LAUREATE)
    other_agent = UserFactory()
    FunderFactory().agents.add(other_agent)

    with pytest.raises(TransitionError):
        application_transition(
            application=cast.application, target=S.AGREEMENT_SIGNED, by=other_agent
        )

    assert Application.objects.get(pk=cast.application.pk).state == S.LAUREATE


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_application_transition_without_required_reason_refused(reason: str) -> None:
    cast = _cast(S.IN_REVIEW)

    with pytest.raises(TransitionError) as caught:
        application_transition(
            application=cast.application, target=S.REJECTED, by=cast.manager, reason=reason
        )

    assert (
        str(caught.value)
        == "Indiquez le motif pour passer la candidature à l'état « Non retenue »."
    )
    assert Application.objects.get(pk=cast.application.pk).state == S.IN_REVIEW
    assert _transition_entries(cast.application) == []


def test_application_transition_from_stale_state_raises_conflict_and_writes_nothing() -> None:
    cast = _cast(S.SUBMITTED)
    stale = Application.objects.get(pk=cast.application.pk)
    application_transition(application=cast.application, target=S.ELIGIBLE, by=cast.manager)

    with pytest.raises(ConflictError):
        application_transition(
            application=stale, target=S.INELIGIBLE, by=cast.manager, reason="Pièces manquantes"
        )

    stored = Application.objects.get(pk=cast.application.pk)
    assert (stored.state, stored.version) == (S.ELIGIBLE, 2)
    assert len(_transition_entries(stored)) == 1


def test_application_transition_to_submitted_refuses_an_incomplete_draft() -> None:
    application = ApplicationFactory(state=S.DRAFT)
    applicant = MembershipFactory(organisation=application.organisation).user

    with pytest.raises(DomainError) as caught:
        application_transition(application=application, target=S.SUBMITTED, by=applicant)

    assert caught.value.code == "incomplete"
    assert Application.objects.get(pk=application.pk).state == S.DRAFT
    assert _transition_entries(application) == []
