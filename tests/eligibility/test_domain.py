"""Eligibility domain: rules, evaluation on submission, decisions, bulk actions, emails."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from laureat.accounts.models import User
from laureat.applicants.enums import MembershipRole, OrganisationKind
from laureat.applications.domain import application_submit, application_transition
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.eligibility.domain import (
    eligibility_close_ineligible,
    eligibility_confirm,
    eligibility_confirm_eligible,
    eligibility_evaluate,
    eligibility_reevaluate_call,
    eligibility_rule_add,
    eligibility_rule_remove,
    eligibility_rule_update,
    eligibility_start_review,
)
from laureat.eligibility.enums import RuleKind
from laureat.eligibility.models import EligibilityReport, EligibilityRule
from laureat.programmes.models import Call
from tests.factories import (
    MembershipFactory,
    OpenCall,
    OrganisationFactory,
    UserFactory,
    make_complete_draft,
)

pytestmark = pytest.mark.django_db


def submitted(
    call: Call, *, kind: str = OrganisationKind.COMPANY, title: str = "Projet"
) -> Application:
    """A complete application, submitted by a member of a new organisation of ``kind``."""
    user = UserFactory()
    organisation = OrganisationFactory(kind=kind)
    MembershipFactory(user=user, organisation=organisation, role=MembershipRole.ADMIN)
    draft = make_complete_draft(call, user, organisation=organisation, title=title)
    return application_submit(application=draft, by=user, notify=False)


def _actions(obj: Any, action: str) -> list[AuditLog]:
    return list(AuditLog.objects.for_object(obj).filter(action=action))


def test_rule_add_validates_and_logs(open_call: Call, manager: User) -> None:
    rule = eligibility_rule_add(
        call=open_call, kind=RuleKind.LEARNERS, parameters={"min": "10"}, by=manager
    )
    assert (rule.parameters, rule.position, rule.active) == ({"min": 10}, 1, True)
    assert len(_actions(open_call, "eligibility_rule.add")) == 1


def test_rule_add_bad_parameters_refused_with_message(open_call: Call, manager: User) -> None:
    with pytest.raises(DomainError) as caught:
        eligibility_rule_add(
            call=open_call, kind=RuleKind.HOLDER_KINDS, parameters={"kinds": []}, by=manager
        )
    assert str(caught.value) == "Choisissez au moins un type de structure admis."
    assert EligibilityRule.objects.count() == 0


def test_rule_add_funder_outside_call_refused(open_call: Call, manager: User) -> None:
    with pytest.raises(DomainError) as caught:
        eligibility_rule_add(
            call=open_call,
            kind=RuleKind.FUNDER_REQUEST,
            parameters={"funder_id": 999999, "max": "10"},
            by=manager,
        )
    assert str(caught.value) == "Ce cofinanceur ne participe pas à cet appel."


def test_rule_add_by_non_manager_refused(open_call: Call, user: User) -> None:
    with pytest.raises(DomainError):
        eligibility_rule_add(call=open_call, kind=RuleKind.LEARNERS, parameters={}, by=user)


def test_rule_update_and_remove(open_call: Call, manager: User) -> None:
    rule = eligibility_rule_add(
        call=open_call, kind=RuleKind.LEARNERS, parameters={"min": 1}, by=manager
    )
    eligibility_rule_update(rule=rule, by=manager, parameters={"min": 5}, active=False)
    rule.refresh_from_db()
    assert (rule.parameters, rule.active) == ({"min": 5}, False)
    eligibility_rule_remove(rule=rule, by=manager)
    assert EligibilityRule.objects.count() == 0
    assert len(_actions(open_call, "eligibility_rule.remove")) == 1


def test_submission_evaluates_report(open_call_setup: OpenCall, manager: User) -> None:
    call = open_call_setup.call
    eligibility_rule_add(
        call=call,
        kind=RuleKind.FUNDER_REQUEST,
        parameters={"funder_id": open_call_setup.banque_des_territoires.pk, "max": "20000"},
        by=manager,
    )
    application = submitted(call)
    report = EligibilityReport.objects.get(application=application)
    # make_complete_draft asks the Banque des Territoires for 50 000 €.
    assert (report.passed, report.failed_count, report.submission_sequence) == (False, 1, 1)
    [result] = report.results
    assert result["passed"] is False
    assert result["reason"].startswith("La demande à Banque des Territoires (50")
    assert "dépasse le plafond de 20" in result["reason"]
    assert len(_actions(application, "eligibility.evaluate")) == 1


def test_resubmission_reevaluates_on_new_snapshot(open_call: Call, manager: User) -> None:
    application = submitted(open_call)
    application_transition(
        application=application, target=ApplicationState.DRAFT, by=manager, reason="Compléter"
    )
    eligibility_rule_add(
        call=open_call, kind=RuleKind.LEARNERS, parameters={"min": 500}, by=manager
    )
    member = application.organisation.memberships.get().user
    application_submit(application=application, by=member, notify=False)
    report = EligibilityReport.objects.get(application=application)
    assert (report.passed, report.submission_sequence) == (False, 2)


def test_reevaluate_call_after_rule_change(open_call: Call, manager: User) -> None:
    first, second = submitted(open_call), submitted(open_call)
    assert EligibilityReport.objects.filter(passed=True).count() == 2
    eligibility_rule_add(
        call=open_call,
        kind=RuleKind.HOLDER_KINDS,
        parameters={"kinds": [OrganisationKind.UNIVERSITY]},
        by=manager,
    )
    assert eligibility_reevaluate_call(call=open_call, by=manager) == 2
    assert sorted(
        EligibilityReport.objects.filter(passed=False).values_list("application_id", flat=True)
    ) == sorted([first.pk, second.pk])


def test_confirm_passed_report_eligible_without_reason(open_call: Call, manager: User) -> None:
    application = submitted(open_call)
    result = eligibility_confirm(application=application, eligible=True, reason="", by=manager)
    assert result.state == ApplicationState.ELIGIBLE
    [entry] = _actions(application, "eligibility.decide")
    assert entry.data == {"eligible": True, "verdict": True, "overridden": False, "reason": ""}


def test_override_failed_report_needs_reason(open_call: Call, manager: User) -> None:
    eligibility_rule_add(
        call=open_call, kind=RuleKind.LEARNERS, parameters={"min": 500}, by=manager
    )
    application = submitted(open_call)
    with pytest.raises(DomainError) as caught:
        eligibility_confirm(application=application, eligible=True, reason=" ", by=manager)
    assert "indiquez le motif" in str(caught.value)
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED

    eligibility_confirm(
        application=application, eligible=True, reason="Effectif confirmé par courrier", by=manager
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.ELIGIBLE
    [entry] = _actions(application, "eligibility.decide")
    assert (entry.actor, entry.data["overridden"], entry.data["reason"]) == (
        manager,
        True,
        "Effectif confirmé par courrier",
    )
    [transition] = [
        e for e in _actions(application, "application.transition") if e.data["to"] == "eligible"
    ]
    assert transition.data["reason"] == "Effectif confirmé par courrier"


def test_confirm_ineligible_needs_reason(open_call: Call, manager: User) -> None:
    application = submitted(open_call)
    with pytest.raises(DomainError):
        eligibility_confirm(application=application, eligible=False, reason="", by=manager)


def test_confirm_by_applicant_refused(open_call: Call) -> None:
    application = submitted(open_call)
    member = application.organisation.memberships.get().user
    with pytest.raises(DomainError):
        eligibility_confirm(application=application, eligible=True, reason="", by=member)


def test_close_ineligible_emails_members_with_reasons(
    open_call: Call,
    manager: User,
    mailoutbox: list[mail.EmailMessage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    eligibility_rule_add(
        call=open_call, kind=RuleKind.LEARNERS, parameters={"min": 500}, by=manager
    )
    application = submitted(open_call, title="Campus numérique")
    with django_capture_on_commit_callbacks(execute=True):
        result = eligibility_close_ineligible(
            applications=[application],
            by=manager,
            reason="Effectif insuffisant",
            base_url="https://laureat.example",
        )
    assert (int(result), result.skipped) == (1, ())
    application.refresh_from_db()
    assert application.state == ApplicationState.INELIGIBLE
    [message] = mailoutbox
    member = application.organisation.memberships.get().user
    assert message.to == [member.email]
    assert message.subject == f"[Laureat] Candidature {application.reference} déclarée irrecevable"
    assert "Motif : Effectif insuffisant" in message.body
    assert "moins que le minimum de 500" in message.body
    assert f"https://laureat.example/candidatures/{application.pk}/" in message.body


def test_close_ineligible_without_reason_refused(open_call: Call, manager: User) -> None:
    application = submitted(open_call)
    with pytest.raises(DomainError):
        eligibility_close_ineligible(applications=[application], by=manager, reason="  ")


def test_bulk_refuses_wrong_states_individually(
    open_call: Call, manager: User, mailoutbox: list[mail.EmailMessage]
) -> None:
    eligibility_rule_add(
        call=open_call, kind=RuleKind.LEARNERS, parameters={"min": 100}, by=manager
    )
    good, other = submitted(open_call), submitted(open_call)
    eligibility_confirm(application=other, eligible=True, reason="", by=manager)
    other.refresh_from_db()

    result = eligibility_confirm_eligible(applications=[good, other], by=manager)
    assert result == 1
    assert result.done == (good.reference,)
    [(reference, why)] = result.skipped
    assert reference == other.reference
    assert "déjà « Recevable »" in why

    good.refresh_from_db()
    draft_app = submitted(open_call)
    draft_app.refresh_from_db()
    review = eligibility_start_review(applications=[good, other, draft_app], by=manager)
    assert int(review) == 2
    assert [r for r, _why in review.skipped] == [draft_app.reference]
    assert set(
        Application.objects.filter(state=ApplicationState.IN_REVIEW).values_list("pk", flat=True)
    ) == {good.pk, other.pk}
    assert mailoutbox == []


def test_failed_report_bulk_confirm_without_reason_skipped(open_call: Call, manager: User) -> None:
    eligibility_rule_add(
        call=open_call, kind=RuleKind.LEARNERS, parameters={"min": 500}, by=manager
    )
    application = submitted(open_call)
    result = eligibility_confirm_eligible(applications=[application], by=manager)
    assert (int(result), len(result.skipped)) == (0, 1)
    result = eligibility_confirm_eligible(
        applications=[application], by=manager, reason="Dérogation du comité"
    )
    assert int(result) == 1


def test_evaluate_without_rules_passes(open_call: Call, manager: User) -> None:
    application = submitted(open_call)
    report = eligibility_evaluate(application=application, by=manager)
    assert (report.passed, report.results, report.failed_count) == (True, [], 0)


def test_required_attachment_by_label(open_call: Call, manager: User) -> None:
    eligibility_rule_add(
        call=open_call,
        kind=RuleKind.REQUIRED_ATTACHMENTS,
        parameters={"labels": ["Statuts"]},
        by=manager,
    )
    application = submitted(open_call)
    report = EligibilityReport.objects.get(application=application)
    assert report.passed is False
    assert report.results[0]["reason"] == "Pièces manquantes : « Statuts »."


def test_money_parameters_stored_as_strings(open_call_setup: OpenCall, manager: User) -> None:
    rule = eligibility_rule_add(
        call=open_call_setup.call,
        kind=RuleKind.FUNDER_REQUEST,
        parameters={"funder_id": open_call_setup.etat.pk, "min": Decimal("1000"), "max": "2000.5"},
        by=manager,
    )
    assert rule.parameters == {
        "funder_id": open_call_setup.etat.pk,
        "min": "1000.00",
        "max": "2000.50",
    }
