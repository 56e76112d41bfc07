"""Writes for eligibility: the call's rules, the report of each application, the decisions.

The report is computed by the pure engine (``rules_engine``) on facts loaded in
``queries``. The decision itself is a change of the application's state, made
only through ``application_transition`` (its reason goes to the audit log).
Bulk functions treat each application in its own savepoint: one refused item is
reported as skipped, the others are applied.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.applications.domain import application_transition
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.core.links import absolute_url
from laureat.eligibility.enums import RuleKind
from laureat.eligibility.models import EligibilityReport, EligibilityRule
from laureat.eligibility.queries import (
    ELIGIBILITY_STATES,
    call_names,
    engine_rules,
    facts_for,
)
from laureat.eligibility.rules_engine import (
    FunderRequest,
    Names,
    ParameterError,
    RequiredAttachments,
    Territory,
    evaluate,
    parameters_json,
    parse_parameters,
    verdict,
)
from laureat.programmes.models import Call


class BulkResult(int):
    """The number of applications done (an ``int``), with the references done and skipped.

    ``skipped`` pairs each reference left unchanged with the reason, for the user.
    """

    done: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]

    def __new__(cls, done: Iterable[str], skipped: Iterable[tuple[str, str]]) -> "BulkResult":
        done_tuple = tuple(done)
        result = super().__new__(cls, len(done_tuple))
        result.done = done_tuple
        result.skipped = tuple(skipped)
        return result


def _check_manager(call: Call, by: User) -> None:
    if not by.has_perm("programmes.manage_programme", call):
        raise DomainError(_("Seuls les gestionnaires du programme gèrent la recevabilité."))


# --- rules -----------------------------------------------------------------------


def _clean_parameters(call: Call, kind: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Validated parameters, as stored; names that do not exist in this call are refused."""
    if kind not in RuleKind.values:
        raise DomainError(_("Type de règle inconnu : %s.") % kind)
    try:
        params = parse_parameters(kind, parameters)
    except ParameterError as error:
        raise DomainError(str(error)) from None
    names = call_names(call)
    if isinstance(params, FunderRequest) and params.funder_id not in names.funders:
        raise DomainError(_("Ce cofinanceur ne participe pas à cet appel."))
    if isinstance(params, Territory):
        unknown = [r for r in params.regions if r not in names.regions]
        unknown += [d for d in params.departments if d not in names.departments]
        if unknown:
            raise DomainError(_("Codes INSEE inconnus : %s.") % ", ".join(unknown))
    if isinstance(params, RequiredAttachments):
        unknown_questions = [q for q in params.question_ids if q not in names.questions]
        if unknown_questions:
            raise DomainError(_("Ces questions ne sont pas des questions « fichier » de l'appel."))
    return parameters_json(params)


@transaction.atomic
def eligibility_rule_add(
    *,
    call: Call,
    kind: str,
    parameters: Mapping[str, Any],
    by: User,
    position: int | None = None,
    active: bool = True,
) -> EligibilityRule:
    """Add a rule to ``call`` (at the end unless ``position``).

    The reports are not recomputed: ``eligibility_reevaluate_call`` does it.
    Side effects: audit entry ``eligibility_rule.add``.
    """
    _check_manager(call, by)
    cleaned = _clean_parameters(call, kind, parameters)
    if position is None:
        last = EligibilityRule.objects.filter(call=call).aggregate(m=Max("position"))["m"]
        position = 1 if last is None else last + 1
    rule = EligibilityRule.objects.create(
        call=call, kind=kind, parameters=cleaned, position=position, active=active
    )
    log_action(
        actor=by,
        action="eligibility_rule.add",
        obj=call,
        data={"rule": rule.pk, "kind": kind, "parameters": cleaned, "active": active},
    )
    return rule


@transaction.atomic
def eligibility_rule_update(
    *,
    rule: EligibilityRule,
    by: User,
    parameters: Mapping[str, Any] | None = None,
    position: int | None = None,
    active: bool | None = None,
) -> EligibilityRule:
    """Change a rule's parameters, position or activity (``None`` leaves a part unchanged).

    Side effects: audit entry ``eligibility_rule.update``.
    """
    _check_manager(rule.call, by)
    changed: dict[str, Any] = {}
    if parameters is not None:
        rule.parameters = _clean_parameters(rule.call, rule.kind, parameters)
        changed["parameters"] = rule.parameters
    if position is not None:
        rule.position = position
        changed["position"] = position
    if active is not None:
        rule.active = active
        changed["active"] = active
    rule.save()
    log_action(
        actor=by,
        action="eligibility_rule.update",
        obj=rule.call,
        data={"rule": rule.pk, "kind": rule.kind, **changed},
    )
    return rule


@transaction.atomic
def eligibility_rule_remove(*, rule: EligibilityRule, by: User) -> None:
    """Delete a rule.

    Side effects: audit entry ``eligibility_rule.remove`` (with its parameters).
    """
    _check_manager(rule.call, by)
    call = rule.call
    log_action(
        actor=by,
        action="eligibility_rule.remove",
        obj=call,
        data={"rule": rule.pk, "kind": rule.kind, "parameters": rule.parameters},
    )
    rule.delete()


# --- evaluation ------------------------------------------------------------------


def _save_report(
    application: Application, results: list[dict[str, Any]], by: User | None, now: datetime
) -> EligibilityReport:
    failed = sum(1 for r in results if not r["passed"])
    sequence = application.submissions.aggregate(m=Max("sequence"))["m"]
    report, _created = EligibilityReport.objects.update_or_create(
        application=application,
        defaults={
            "results": results,
            "passed": failed == 0,
            "failed_count": failed,
            "evaluated_at": now,
            "evaluated_by": by,
            "submission_sequence": sequence,
        },
    )
    return report


def _evaluate_many(
    call: Call, applications: Iterable[Application], by: User | None, now: datetime
) -> list[EligibilityReport]:
    names: Names = call_names(call)
    rules = engine_rules(call, names)
    chosen = list(applications)
    facts = facts_for(call, Application.objects.filter(pk__in=[a.pk for a in chosen]))
    reports = []
    for application in chosen:
        results = evaluate(rules, facts[application.pk])
        report = _save_report(application, [r.as_json() for r in results], by, now)
        log_action(
            actor=by,
            action="eligibility.evaluate",
            obj=application,
            data={
                "passed": verdict(results),
                "failed_rules": [r.rule_id for r in results if not r.passed],
                "submission": report.submission_sequence,
            },
        )
        reports.append(report)
    return reports


@transaction.atomic
def eligibility_evaluate(
    *, application: Application, by: User | None, now: datetime | None = None
) -> EligibilityReport:
    """Compute the report of ``application`` against its call's active rules, and save it.

    Called on every submission (``application_submit``, inside its transaction).
    Side effects: the ``EligibilityReport`` created or replaced; audit entry
    ``eligibility.evaluate``.
    """
    [report] = _evaluate_many(application.call, [application], by, now or timezone.now())
    return report


@transaction.atomic
def eligibility_reevaluate_call(*, call: Call, by: User, now: datetime | None = None) -> int:
    """Recompute the reports of the call's applications awaiting or holding the eligibility
    decision (submitted, eligible, ineligible) after its rules changed. Returns their number.

    Side effects: the reports; one audit entry ``eligibility.evaluate`` each, and
    ``eligibility.reevaluate_call`` on the call.
    """
    _check_manager(call, by)
    applications = Application.objects.filter(call=call, state__in=ELIGIBILITY_STATES).order_by(
        "pk"
    )
    reports = _evaluate_many(call, applications, by, now or timezone.now())
    log_action(
        actor=by,
        action="eligibility.reevaluate_call",
        obj=call,
        data={"applications": len(reports), "failed": sum(1 for r in reports if not r.passed)},
    )
    return len(reports)


# --- decisions -------------------------------------------------------------------


def _member_emails(application: Application) -> list[str]:
    return sorted(
        application.organisation.memberships.filter(user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _notify_ineligible(
    application: Application, report: EligibilityReport | None, reason: str, base_url: str
) -> None:
    """After commit, tell the organisation's members why the application is not eligible."""
    recipients = _member_emails(application)
    if not recipients:
        return
    failures = report.failures if report is not None else []
    lines = "".join(f"- {f['label']} : {f['reason']}\n" for f in failures)
    link = absolute_url(base_url, reverse("applications:detail", kwargs={"pk": application.pk}))
    subject = _("[Laureat] Candidature %s déclarée irrecevable") % application.reference
    body = _(
        "Bonjour,\n\nLe gestionnaire du programme a déclaré irrecevable la candidature "
        "« %(title)s » (%(reference)s) à l'appel « %(call)s ».\n\nMotif : %(reason)s\n\n"
        "%(failures)sVotre candidature : %(link)s\n"
    ) % {
        "title": application.title,
        "reference": application.reference,
        "call": application.call.title,
        "reason": reason,
        "failures": (_("Règles non respectées :\n%s\n") % lines) if lines else "",
        "link": link,
    }
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=False))


@transaction.atomic
def eligibility_confirm(
    *,
    application: Application,
    eligible: bool,
    reason: str,
    by: User,
    notify: bool = True,
    base_url: str = "",
    now: datetime | None = None,
) -> Application:
    """The manager's decision: confirm the report's verdict, or override it.

    A reason is required to override the verdict and to declare an application
    ineligible. The state changes through ``application_transition`` (SUBMITTED
    or INELIGIBLE → ELIGIBLE, SUBMITTED or ELIGIBLE → INELIGIBLE), whose audit
    entry carries the reason. Side effects: the report computed first if there
    is none; the transition; audit entry ``eligibility.decide`` (verdict,
    decision, whether it overrides, reason); when declared ineligible and
    ``notify``, after commit, an email to the organisation's members with the
    reasons (absolute link from ``base_url``).
    """
    reason = reason.strip()
    target = ApplicationState.ELIGIBLE if eligible else ApplicationState.INELIGIBLE
    if application.state == target:
        raise DomainError(
            _("La candidature %(reference)s est déjà « %(state)s ».")
            % {"reference": application.reference, "state": target.label}
        )
    if application.state not in ELIGIBILITY_STATES:
        raise DomainError(
            _(
                "La candidature %(reference)s est « %(state)s » : "
                "la recevabilité n'est plus à décider."
            )
            % {"reference": application.reference, "state": application.get_state_display()}
        )
    report = EligibilityReport.objects.filter(application=application).first()
    if report is None:
        report = eligibility_evaluate(application=application, by=by, now=now)
    overridden = eligible != report.passed
    if overridden and not reason:
        raise DomainError(
            _(
                "La candidature %s ne respecte pas toutes les règles : "
                "indiquez le motif pour la déclarer recevable malgré tout."
            )
            % application.reference
            if eligible
            else _(
                "La candidature %s respecte toutes les règles : "
                "indiquez le motif pour la déclarer irrecevable."
            )
            % application.reference
        )
    if not eligible and not reason:
        raise DomainError(
            _("Indiquez le motif d'irrecevabilité de la candidature %s.") % application.reference
        )
    application = application_transition(
        application=application, target=target, by=by, reason=reason, now=now
    )
    log_action(
        actor=by,
        action="eligibility.decide",
        obj=application,
        data={
            "eligible": eligible,
            "verdict": report.passed,
            "overridden": overridden,
            "reason": reason,
        },
    )
    if not eligible and notify:
        _notify_ineligible(application, report, reason, base_url)
    return application


def _each(applications: Iterable[Application], apply: Any) -> BulkResult:
    """Apply ``apply(application)`` to each in its own savepoint; refusals are skipped."""
    done: list[str] = []
    skipped: list[tuple[str, str]] = []
    for application in applications:
        try:
            with transaction.atomic():
                apply(application)
        except DomainError as error:
            skipped.append((application.reference, str(error)))
        else:
            done.append(application.reference)
    return BulkResult(done, skipped)


@transaction.atomic
def eligibility_confirm_eligible(
    *, applications: Iterable[Application], by: User, reason: str = ""
) -> BulkResult:
    """Declare eligible each application (``eligibility_confirm``); those whose report
    failed need ``reason``, and are skipped without one. Side effects: see ``eligibility_confirm``.
    """
    return _each(
        applications,
        lambda a: eligibility_confirm(application=a, eligible=True, reason=reason, by=by),
    )


@transaction.atomic
def eligibility_close_ineligible(
    *, applications: Iterable[Application], by: User, reason: str, base_url: str = ""
) -> BulkResult:
    """Declare ineligible each application (``eligibility_confirm``) and notify its applicants.

    ``reason`` is required. Applications in another state than submitted or
    eligible are skipped with the reason. Side effects: see ``eligibility_confirm``
    (one email per application, after commit).
    """
    if not reason.strip():
        raise DomainError(_("Indiquez le motif d'irrecevabilité."))
    return _each(
        applications,
        lambda a: eligibility_confirm(
            application=a, eligible=False, reason=reason, by=by, base_url=base_url
        ),
    )


@transaction.atomic
def eligibility_start_review(*, applications: Iterable[Application], by: User) -> BulkResult:
    """Move each eligible application to review (ELIGIBLE → IN_REVIEW, ``application_transition``).

    Others are skipped with the reason. Side effects: the transitions (their audit entries).
    """

    def start(application: Application) -> None:
        if application.state != ApplicationState.ELIGIBLE:
            raise DomainError(
                _("%(reference)s n'est pas recevable (« %(state)s ») : pas de mise en évaluation.")
                % {"reference": application.reference, "state": application.get_state_display()}
            )
        application_transition(application=application, target=ApplicationState.IN_REVIEW, by=by)

    return _each(applications, start)
