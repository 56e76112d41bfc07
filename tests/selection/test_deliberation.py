"""Committee deliberation: meetings, decisions from a proposal, manual changes, publication."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from laureat.accounts.models import User
from laureat.applications.domain import application_transition
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call, Funder
from laureat.review.domain import ScoreInput, review_save, review_submit
from laureat.review.enums import Recommendation
from laureat.review.models import Assignment
from laureat.selection.domain import (
    decision_record,
    decisions_load_proposal,
    decisions_publish,
    meeting_attachment_add,
    meeting_close,
    meeting_create,
    meeting_recompute,
    meeting_update,
    selection_compute,
    selection_force,
    selection_settings_for,
    selection_settings_update,
)
from laureat.selection.enums import DecisionOutcome
from laureat.selection.explain import explanation_text
from laureat.selection.models import CommitteeMeeting, Decision, SelectionRun
from tests.documents.samples import exe_bytes, pdf_bytes
from tests.factories import UserFactory
from tests.review.factories import make_review_setup

pytestmark = pytest.mark.django_db


@dataclass
class Deliberation:
    call: Call
    manager: User
    applications: list[Application]  # best first
    reviewer: User
    bdt: Funder
    etat: Funder


def make_deliberation(
    *, marks: tuple[int, ...] = (5, 4, 3, 2), budget: str = "400000.00"
) -> Deliberation:
    """A call whose applications are reviewed (``marks`` on 5, best first) and in review.

    Each application asks 50,000 EUR of the Banque des Territoires and 125,000 EUR of
    the State (175,000 EUR); the budget is ``budget``.
    """
    setup = make_review_setup(applications=len(marks), reviewers=1, k=1)
    call = setup.call
    criteria = list(call.criteria.all())
    for application, mark in zip(setup.applications, marks, strict=True):
        for assignment in Assignment.objects.filter(application=application).select_related(
            "reviewer__user"
        ):
            reviewer = assignment.reviewer.user
            review = review_save(
                assignment=assignment,
                by=reviewer,
                scores=[ScoreInput(c.pk, Decimal(min(mark, c.scale_max))) for c in criteria],
                recommendation=Recommendation.FUND,
            )
            review_submit(review=review, by=reviewer)
        for target in (ApplicationState.ELIGIBLE, ApplicationState.IN_REVIEW):
            application_transition(application=application, target=target, by=setup.manager)
    Call.objects.filter(pk=call.pk).update(budget=Decimal(budget))
    call.refresh_from_db()
    applications = [Application.objects.get(pk=a.pk) for a in setup.applications]
    return Deliberation(
        call=call,
        manager=setup.manager,
        applications=applications,
        reviewer=setup.reviewers[0].user,
        bdt=setup.open_call.banque_des_territoires,
        etat=setup.open_call.etat,
    )


def make_meeting(d: Deliberation, *, quorum: int = 1, members: int = 1) -> CommitteeMeeting:
    people = [d.manager, d.reviewer][:members]
    return meeting_create(
        call=d.call,
        by=d.manager,
        held_on=timezone.now(),
        place="Salle du conseil",
        members=people,
        quorum=quorum,
    )


def loaded(d: Deliberation, **kwargs: Any) -> CommitteeMeeting:
    meeting = make_meeting(d)
    run = selection_compute(call=d.call, by=d.manager)
    decisions_load_proposal(meeting=meeting, run=run, by=d.manager, **kwargs)
    return meeting


def _decision(application: Application) -> Decision:
    return Decision.objects.get(application=application)


def _awards(application: Application) -> dict[str, Decimal]:
    return {a.funder.slug: a.amount for a in _decision(application).awards.select_related("funder")}


# --- policy and proposal -------------------------------------------------------


def test_selection_settings_update_saves_valid_values() -> None:
    d = make_deliberation()

    policy = selection_settings_update(
        call=d.call,
        by=d.manager,
        objective="total_score",
        min_score="8",
        region_cap_share=Decimal("0.5"),
        partial_min=None,
    )

    assert (policy.objective, policy.min_score, policy.region_cap_share) == (
        "total_score",
        Decimal("8.00"),
        Decimal("0.500"),
    )
    assert AuditLog.objects.filter(action="selection.settings_update").count() == 1


def test_selection_settings_update_refuses_out_of_range_values() -> None:
    d = make_deliberation()

    with pytest.raises(DomainError) as caught:
        selection_settings_update(
            call=d.call, by=d.manager, min_score="25", region_floor=3, region_cap_count=2
        )

    assert "entre 0 et 20" in str(caught.value)
    assert "dépasse le maximum par région" in str(caught.value)
    assert selection_settings_for(d.call).min_score is None


def test_selection_settings_update_refuses_unknown_field() -> None:
    d = make_deliberation()

    with pytest.raises(DomainError, match="inconnus : colour"):
        selection_settings_update(call=d.call, by=d.manager, colour="red")


def test_selection_compute_honours_forced_choices() -> None:
    d = make_deliberation()
    best, _second, third, _fourth = d.applications
    selection_force(call=d.call, application=third, choice="in", by=d.manager)
    selection_force(call=d.call, application=best, choice="out", by=d.manager)

    run = selection_compute(call=d.call, by=d.manager)

    assert third.pk in run.result["selected"]
    assert best.pk not in run.result["selected"]
    assert run.result["explanations"][str(best.pk)]["code"] == "forced_out"
    assert run.result["explanations"][str(third.pk)]["code"] == "forced_in"


# --- meetings ----------------------------------------------------------------------


def test_meeting_create_refuses_people_outside_the_programme() -> None:
    d = make_deliberation()

    with pytest.raises(DomainError, match="ni du programme ni du vivier"):
        meeting_create(
            call=d.call, by=d.manager, held_on=timezone.now(), members=[UserFactory()], quorum=1
        )


def test_meeting_close_refuses_without_quorum() -> None:
    d = make_deliberation()
    meeting = make_meeting(d, quorum=2, members=1)

    with pytest.raises(DomainError, match="quorum n'est pas atteint : 1 membre"):
        meeting_close(meeting=meeting, by=d.manager)

    meeting.refresh_from_db()
    assert meeting.closed_at is None


def test_meeting_close_with_quorum_then_refuses_changes() -> None:
    d = make_deliberation()
    meeting = make_meeting(d, quorum=2, members=2)

    meeting_close(meeting=meeting, by=d.manager)

    with pytest.raises(DomainError, match="séance est close"):
        meeting_update(
            meeting=meeting,
            by=d.manager,
            held_on=meeting.held_on,
            place="",
            members=[d.manager],
            quorum=1,
            minutes="",
        )
    assert AuditLog.objects.filter(action="selection.meeting_close").count() == 1


def test_meeting_attachment_add_checks_the_content(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.LAUREAT_VIRUS_SCAN_COMMAND = ""
    d = make_deliberation()
    meeting = make_meeting(d)

    attachment = meeting_attachment_add(
        meeting=meeting,
        by=d.manager,
        upload=SimpleUploadedFile("pv.pdf", pdf_bytes()),
        label="Procès-verbal signé",
    )
    with pytest.raises(DomainError, match="pas d'un type accepté"):
        meeting_attachment_add(
            meeting=meeting, by=d.manager, upload=SimpleUploadedFile("pv.pdf", exe_bytes())
        )

    assert attachment.content_type == "application/pdf"
    assert Path(attachment.file.path).is_relative_to(tmp_path / "committee")
    assert list(meeting.attachments.all()) == [attachment]


# --- loading the proposal -----------------------------------------------------------


def test_decisions_load_proposal_creates_pending_decisions() -> None:
    d = make_deliberation()
    best, second, third, fourth = d.applications

    meeting = loaded(d)

    assert _decision(best).outcome == DecisionOutcome.LAUREATE
    assert _decision(second).outcome == DecisionOutcome.LAUREATE
    assert _awards(best) == {
        "banque-des-territoires": Decimal("50000.00"),
        "etat": Decimal("125000.00"),
    }
    assert [(_decision(a).outcome, _decision(a).waiting_rank) for a in (third, fourth)] == [
        (DecisionOutcome.WAITING_LIST, 1),
        (DecisionOutcome.WAITING_LIST, 2),
    ]
    assert "Hors budget" in _decision(third).reason
    meeting.refresh_from_db()
    assert meeting.run is not None
    # Nothing is public yet.
    assert set(Application.objects.values_list("state", flat=True)) == {"in_review"}
    assert Decision.objects.filter(published_at__isnull=False).count() == 0
    d.call.refresh_from_db()
    assert d.call.state == CallState.PUBLISHED


def test_decisions_load_proposal_rejects_beyond_the_waiting_list() -> None:
    d = make_deliberation()
    _best, _second, third, fourth = d.applications

    loaded(d, waiting_list_size=1)

    assert _decision(third).outcome == DecisionOutcome.WAITING_LIST
    assert _decision(fourth).outcome == DecisionOutcome.REJECTED
    assert _decision(fourth).reason != ""


def test_decisions_load_proposal_replaces_pending_decisions() -> None:
    d = make_deliberation()
    meeting = loaded(d)
    run = selection_compute(call=d.call, by=d.manager)

    count = decisions_load_proposal(meeting=meeting, run=run, by=d.manager)

    assert count == 4
    assert Decision.objects.count() == 4


def test_decisions_load_proposal_rounds_to_cents_within_the_budget() -> None:
    d = make_deliberation(budget="100000.01")
    best, second, *_rest = d.applications
    meeting = make_meeting(d)
    selection_settings_update(call=d.call, by=d.manager, region_floor=0)
    real = selection_compute(call=d.call, by=d.manager).result
    # Floats that sum to the budget but round (half to even) one cent above it.
    real["selected"] = [best.pk, second.pk]
    real["awards"] = {str(best.pk): {"etat": 60000.015}, str(second.pk): {"etat": 39999.995}}
    run = SelectionRun.objects.create(call=d.call, result=real)

    decisions_load_proposal(meeting=meeting, run=run, by=d.manager)

    first, last = _awards(best)["etat"], _awards(second)["etat"]
    assert (first, last) == (Decimal("60000.02"), Decimal("39999.99"))
    assert first + last == d.call.budget


def test_decisions_load_proposal_caps_awards_at_the_request() -> None:
    d = make_deliberation()
    best, *_rest = d.applications
    meeting = make_meeting(d)
    real = selection_compute(call=d.call, by=d.manager).result
    real["awards"][str(best.pk)] = {"banque-des-territoires": 50000.0049, "etat": 125000.01}
    run = SelectionRun.objects.create(call=d.call, result=real)

    decisions_load_proposal(meeting=meeting, run=run, by=d.manager)

    assert _awards(best) == {
        "banque-des-territoires": Decimal("50000.00"),
        "etat": Decimal("125000.00"),
    }


def test_decisions_load_proposal_refuses_a_run_missing_an_application() -> None:
    d = make_deliberation()
    meeting = make_meeting(d)
    real = selection_compute(call=d.call, by=d.manager).result
    del real["explanations"][str(d.applications[3].pk)]
    run = SelectionRun.objects.create(call=d.call, result=real)

    with pytest.raises(DomainError, match="recalculez la proposition"):
        decisions_load_proposal(meeting=meeting, run=run, by=d.manager)

    assert Decision.objects.count() == 0


# --- manual decisions -----------------------------------------------------------------


def test_decision_record_refuses_an_award_above_the_request() -> None:
    d = make_deliberation()
    loaded(d)
    best = d.applications[0]

    with pytest.raises(DomainError, match="dépasse la demande"):
        decision_record(
            application=best,
            outcome=DecisionOutcome.LAUREATE,
            by=d.manager,
            awards={d.etat.pk: Decimal("125000.01")},
        )

    assert _awards(best)["etat"] == Decimal("125000.00")


def test_decision_record_refuses_totals_above_the_budget() -> None:
    d = make_deliberation()
    loaded(d)
    third = d.applications[2]

    with pytest.raises(DomainError, match="budget de l'appel serait dépassé") as caught:
        decision_record(application=third, outcome=DecisionOutcome.LAUREATE, by=d.manager)

    assert "125 000,00 € de trop" in str(caught.value).replace("\u202f", " ").replace("\xa0", " ")
    assert _decision(third).outcome == DecisionOutcome.WAITING_LIST


def test_decision_record_refuses_totals_above_an_envelope() -> None:
    d = make_deliberation(budget="10000000.00")
    loaded(d)
    d.call.envelopes.filter(funder=d.bdt).update(amount=Decimal("150000.00"))
    second = d.applications[1]

    with pytest.raises(DomainError, match="enveloppe de Banque des Territoires serait dépassée"):
        decision_record(
            application=second,
            outcome=DecisionOutcome.LAUREATE,
            by=d.manager,
            awards={d.bdt.pk: Decimal("50000.00"), d.etat.pk: Decimal("1.00")},
        )


def test_decision_record_changes_awards_within_the_request() -> None:
    d = make_deliberation()
    loaded(d)
    best = d.applications[0]

    decision_record(
        application=best,
        outcome=DecisionOutcome.LAUREATE,
        by=d.manager,
        reason="Montant ajusté par le comité",
        awards={d.bdt.pk: Decimal("40000"), d.etat.pk: Decimal("0")},
    )

    assert _awards(best) == {"banque-des-territoires": Decimal("40000.00")}
    assert _decision(best).proposed_outcome == DecisionOutcome.LAUREATE


def test_decision_record_refuses_a_rejection_without_reason() -> None:
    d = make_deliberation()
    loaded(d)

    with pytest.raises(DomainError, match="Indiquez le motif"):
        decision_record(
            application=d.applications[0], outcome=DecisionOutcome.REJECTED, by=d.manager
        )


def test_decision_record_waiting_rank_pushes_the_others_down() -> None:
    d = make_deliberation()
    loaded(d)
    _best, second, third, fourth = d.applications

    decision_record(
        application=second,
        outcome=DecisionOutcome.WAITING_LIST,
        by=d.manager,
        waiting_rank=1,
        reason="Le comité préfère attendre.",
    )

    assert [_decision(a).waiting_rank for a in (second, third, fourth)] == [1, 2, 3]
    assert _decision(second).awards.count() == 0


def test_decision_record_refuses_awards_for_a_rejection() -> None:
    d = make_deliberation()
    loaded(d)

    with pytest.raises(DomainError, match="Seule une candidature lauréate"):
        decision_record(
            application=d.applications[3],
            outcome=DecisionOutcome.REJECTED,
            by=d.manager,
            reason="Hors sujet",
            awards={d.etat.pk: Decimal("10")},
        )


def test_meeting_recompute_forces_the_committee_adjustments() -> None:
    d = make_deliberation()
    meeting = loaded(d)
    _best, second, third, _fourth = d.applications
    decision_record(
        application=second, outcome=DecisionOutcome.REJECTED, by=d.manager, reason="Écartée"
    )
    decision_record(application=third, outcome=DecisionOutcome.LAUREATE, by=d.manager)

    run = meeting_recompute(meeting=meeting, by=d.manager)

    assert third.pk in run.result["selected"]
    assert second.pk not in run.result["selected"]
    policy = selection_settings_for(d.call)
    assert (policy.forced_in, policy.forced_out) == ([third.pk], [second.pk])


# --- publication ------------------------------------------------------------------------


def test_decisions_publish_refuses_undecided_applications() -> None:
    d = make_deliberation()
    loaded(d)
    Decision.objects.filter(application=d.applications[3]).delete()

    with pytest.raises(DomainError, match="1 candidature\\(s\\) n'ont pas de décision"):
        decisions_publish(call=d.call, by=d.manager)

    assert Decision.objects.filter(published_at__isnull=False).count() == 0


def test_decisions_publish_refuses_without_quorum() -> None:
    d = make_deliberation()
    loaded(d)
    # The last meeting lacks its quorum.
    meeting_create(
        call=d.call,
        by=d.manager,
        held_on=timezone.now() + timedelta(hours=1),
        members=[d.manager],
        quorum=3,
    )

    with pytest.raises(DomainError, match="n'a pas atteint le quorum"):
        decisions_publish(call=d.call, by=d.manager)

    d.call.refresh_from_db()
    assert d.call.state == CallState.PUBLISHED


def test_decisions_publish_refuses_totals_above_the_budget() -> None:
    d = make_deliberation()
    loaded(d)
    Call.objects.filter(pk=d.call.pk).update(budget=Decimal("349999.99"))
    d.call.refresh_from_db()

    with pytest.raises(DomainError, match="budget de l'appel serait dépassé"):
        decisions_publish(call=d.call, by=d.manager)

    assert set(Application.objects.values_list("state", flat=True)) == {"in_review"}


def test_decisions_publish_moves_every_application_and_the_call() -> None:
    d = make_deliberation()
    loaded(d, waiting_list_size=1)
    best, second, third, fourth = d.applications

    count = decisions_publish(call=d.call, by=d.manager)

    assert count == 4
    states = [Application.objects.get(pk=a.pk).state for a in (best, second, third, fourth)]
    assert states == ["laureate", "laureate", "waiting_list", "rejected"]
    assert Decision.objects.filter(published_at__isnull=True).count() == 0
    d.call.refresh_from_db()
    assert d.call.state == CallState.RESULTS_PUBLISHED
    entry = AuditLog.objects.get(action="selection.publish")
    assert (entry.data["laureate"], entry.data["awarded"]) == (2, "350000.00")
    rejected = AuditLog.objects.filter(action="application.transition", object_id=str(fourth.pk))
    assert rejected.latest("pk").data["reason"] == _decision(fourth).reason


def test_decisions_are_frozen_after_publication() -> None:
    d = make_deliberation()
    meeting = loaded(d)
    decisions_publish(call=d.call, by=d.manager)

    with pytest.raises(DomainError, match="résultats de l'appel sont publiés"):
        decision_record(
            application=d.applications[0], outcome=DecisionOutcome.LAUREATE, by=d.manager
        )
    with pytest.raises(DomainError, match=r"déjà publiés|sont publiés"):
        decisions_publish(call=d.call, by=d.manager)
    with pytest.raises(DomainError):
        decisions_load_proposal(
            meeting=meeting, run=SelectionRun.objects.latest("pk"), by=d.manager
        )


def test_explanation_text_names_what_blocks_an_application() -> None:
    budget = (
        explanation_text(
            {
                "code": "budget",
                "rank": 5,
                "of": 9,
                "score": 12.5,
                "needed_score": 14.25,
                "blocked_by": ["call budget", "envelope of État"],
                "left": [1000.0, 500.5],
                "asked": 175000.0,
            }
        )
        .replace("\u202f", " ")
        .replace("\xa0", " ")
    )
    cap = explanation_text(
        {"code": "region_cap", "rank": 2, "of": 9, "score": 15, "region_name": "Bretagne"}
    )

    assert budget == (
        "Hors budget (rang 5 sur 9) : l'ajouter (175 000,00 €) dépasserait le budget de "
        "l'appel (reste 1 000,00 €) et l'enveloppe de État (reste 500,50 €). Il lui aurait "
        "fallu un score de 14,25 (elle a 12,50)."
    )
    assert cap == "Plafond régional atteint (rang 2 sur 9) pour la région Bretagne."
