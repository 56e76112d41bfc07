"""Writes for applications: drafting, the budget, and every change of state.

``application_transition`` is the only function that changes an application's
state; it checks the transition table (``transitions.py``) and writes the audit log.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.applications.answers import clean_answer, is_blank
from laureat.applications.budget import Expense, Resource
from laureat.applications.enums import (
    EDITABLE_STATES,
    SUBMITTED_STATES,
    ApplicationState,
    ResourceKind,
)
from laureat.applications.models import Answer, Application, BudgetLine, ResourceLine, Submission
from laureat.applications.queries import application_budget
from laureat.applications.receipts import receipt_send
from laureat.applications.rules import actor_roles
from laureat.applications.snapshot import application_snapshot, snapshot_sha256
from laureat.applications.transitions import find_transition
from laureat.core.audit import log_action
from laureat.core.errors import ConflictError, DomainError, TransitionError
from laureat.core.money import to_money
from laureat.programmes.enums import ExpenseCategory
from laureat.programmes.models import Call, CallQuestion, QuestionKind, Technology, Theme
from laureat.territories.models import Commune

# The fields of the common form that a draft may change.
DRAFT_FIELDS = frozenset(
    {"title", "acronym", "summary", "description", "commune", "learners_targeted", "start_date"}
)


def _next_reference(call: Call) -> str:
    prefix = f"{call.opens_at.year}-{call.pk:03d}-"
    last = Application.objects.filter(call=call).aggregate(m=Max("reference"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


@transaction.atomic
def application_create_draft(
    *,
    call: Call,
    organisation: Organisation,
    title: str,
    by: User,
    now: datetime | None = None,
    is_fictional: bool = False,
) -> Application:
    """Start a draft for an open call, on behalf of an organisation ``by`` belongs to.

    Side effects: audit entry ``application.create``.
    """
    if not call.is_open(now):
        raise DomainError(
            _("L'appel « %s » n'est pas ouvert : on ne peut pas y préparer de candidature.")
            % call.title
        )
    if not organisation.memberships.filter(user=by).exists():
        raise DomainError(_("Vous n'êtes pas membre de l'organisation « %s ».") % organisation)
    if not title.strip():
        raise DomainError(_("Donnez un titre au projet."))
    # Lock the call row so that two drafts started at once get different references.
    Call.objects.select_for_update().filter(pk=call.pk).first()
    application = Application.objects.create(
        call=call,
        organisation=organisation,
        reference=_next_reference(call),
        title=title.strip(),
        is_fictional=is_fictional,
    )
    log_action(actor=by, action="application.create", obj=application, data={"title": title})
    return application


def _check_draft_values(values: dict[str, Any]) -> None:
    unknown = set(values) - DRAFT_FIELDS
    if unknown:
        raise DomainError(_("Champs inconnus : %s.") % ", ".join(sorted(unknown)))
    if "title" in values and not str(values["title"]).strip():
        raise DomainError(_("Le titre du projet ne peut pas être vide."))
    learners = values.get("learners_targeted")
    if learners is not None and (not isinstance(learners, int) or learners < 0):
        raise DomainError(_("Le nombre d'apprenants visés doit être un entier positif."))
    commune = values.get("commune")
    if commune is not None and not isinstance(commune, Commune):
        raise DomainError(_("Choisissez une commune dans la liste."))
    start = values.get("start_date")
    if start is not None and not isinstance(start, date):
        raise DomainError(_("La date de démarrage n'est pas une date valide."))


def _check_lines(
    call: Call, expenses: Sequence[Expense] | None, resources: Sequence[Resource] | None
) -> None:
    for expense in expenses or ():
        if expense.category not in ExpenseCategory.values:
            raise DomainError(_("Catégorie de dépense inconnue : %s.") % expense.category)
        if to_money(expense.amount) <= 0:
            raise DomainError(_("Chaque dépense doit avoir un montant positif."))
    call_funders = set(call.envelopes.values_list("funder_id", flat=True))
    seen: set[int] = set()
    for resource in resources or ():
        if resource.kind not in ResourceKind.values:
            raise DomainError(_("Nature de ressource inconnue : %s.") % resource.kind)
        if to_money(resource.amount) <= 0:
            raise DomainError(_("Chaque ressource doit avoir un montant positif."))
        is_request = resource.kind == ResourceKind.FUNDER
        if is_request != (resource.funder_id is not None):
            raise DomainError(_("Une demande de financement doit nommer le cofinanceur sollicité."))
        if resource.funder_id is not None:
            if resource.funder_id not in call_funders:
                raise DomainError(_("Ce cofinanceur ne participe pas à cet appel."))
            if resource.funder_id in seen:
                raise DomainError(_("Une seule demande par cofinanceur : regroupez les montants."))
            seen.add(resource.funder_id)


@transaction.atomic
def application_update_draft(
    *,
    application: Application,
    by: User,
    expected_version: int,
    values: dict[str, Any] | None = None,
    themes: Iterable[Theme] | None = None,
    technologies: Iterable[Technology] | None = None,
    expenses: Sequence[Expense] | None = None,
    resources: Sequence[Resource] | None = None,
    answers: Mapping[CallQuestion, Any] | None = None,
) -> Application:
    """Save changes to a draft. ``None`` leaves a part unchanged.

    ``answers`` maps some of the call's questions to their new value (``None``
    clears it); for a file question the value is a ``File``, stored with its SHA-256.

    ``expected_version`` is the version the editor started from: if somebody
    saved since, nothing is written and ``ConflictError`` says so (the caller
    keeps what was typed and offers to reload).
    Side effects: ``version`` + 1; audit entry ``application.update`` naming the parts changed.
    """
    values = dict(values or {})
    if application.state not in EDITABLE_STATES:
        raise DomainError(
            _("La candidature est « %s » : elle ne peut plus être modifiée.")
            % application.get_state_display()
        )
    _check_draft_values(values)
    _check_lines(application.call, expenses, resources)
    cleaned_answers = _clean_answers(application, answers)
    updated = Application.objects.filter(
        pk=application.pk, version=expected_version, state__in=EDITABLE_STATES
    ).update(version=F("version") + 1, updated_at=timezone.now(), **values)
    if updated == 0:
        raise ConflictError(
            _(
                "Quelqu'un a enregistré cette candidature pendant que vous la modifiiez. "
                "Vos saisies n'ont pas été perdues : rechargez la page pour voir la dernière "
                "version, puis reportez vos changements."
            )
        )
    if themes is not None:
        application.themes.set(themes)
    if technologies is not None:
        application.technologies.set(technologies)
    if expenses is not None:
        application.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(
            BudgetLine(
                application=application,
                category=e.category,
                label=e.label or str(ExpenseCategory(e.category).label),
                amount=to_money(e.amount),
            )
            for e in expenses
        )
    if resources is not None:
        application.resource_lines.all().delete()
        ResourceLine.objects.bulk_create(
            ResourceLine(
                application=application,
                kind=r.kind,
                funder_id=r.funder_id,
                label=r.label,
                amount=to_money(r.amount),
            )
            for r in resources
        )
    for question, (value, upload) in cleaned_answers.items():
        _save_answer(application, question, value, upload)
    changed = sorted(values) + [
        name
        for name, part in (
            ("themes", themes),
            ("technologies", technologies),
            ("expenses", expenses),
            ("resources", resources),
            ("answers", answers),
        )
        if part is not None
    ]
    application.refresh_from_db()
    log_action(
        actor=by,
        action="application.update",
        obj=application,
        data={"changed": changed, "version": application.version},
    )
    return application


def _clean_answers(
    application: Application, answers: Mapping[CallQuestion, Any] | None
) -> dict[CallQuestion, tuple[Any, File | None]]:
    """Check every answer before anything is written; files get their name and SHA-256."""
    cleaned: dict[CallQuestion, tuple[Any, File | None]] = {}
    for question, value in (answers or {}).items():
        if question.call_id != application.call_id:
            raise DomainError(_("Cette question n'est pas posée par l'appel de la candidature."))
        upload: File | None = None
        if question.kind == QuestionKind.FILE and isinstance(value, File):
            digest = hashlib.sha256()
            for chunk in value.chunks():
                digest.update(chunk)
            value.seek(0)
            upload = value
            value = {
                "name": str(value.name).rsplit("/", 1)[-1],
                "sha256": digest.hexdigest(),
                "size": value.size,
            }
        try:
            cleaned[question] = (clean_answer(question, value), upload)
        except ValueError as error:
            raise DomainError(str(error)) from None
    return cleaned


def _save_answer(
    application: Application, question: CallQuestion, value: Any, upload: File | None
) -> None:
    if value is None:
        Answer.objects.filter(application=application, question=question).delete()
        return
    answer, _created = Answer.objects.update_or_create(
        application=application, question=question, defaults={"value": value}
    )
    if upload is not None:
        answer.file.save(value["name"], upload, save=False)
        answer.save(update_fields=["file"])


def application_submission_problems(application: Application) -> list[str]:
    """Everything that still forbids submission, as sentences for the applicant."""
    problems: list[str] = []
    if not application.summary.strip():
        problems.append(_("Rédigez le résumé du projet."))
    if application.commune_id is None:
        problems.append(_("Indiquez la commune où le projet se déroule."))
    if not application.learners_targeted:
        problems.append(_("Indiquez le nombre d'apprenants visés (au moins un)."))
    if application.start_date is None:
        problems.append(_("Indiquez la date de démarrage du projet."))
    if not application.themes.exists():
        problems.append(_("Choisissez au moins un thème de l'appel."))
    problems.extend(application_budget(application).problems)
    answered = {a.question_id: a.value for a in Answer.objects.filter(application=application)}
    for question in application.call.questions.filter(required=True):
        if is_blank(answered.get(question.pk)):
            problems.append(_("Répondez à la question « %s ».") % question.label)
    return problems


def _check_submittable(application: Application, now: datetime) -> None:
    call = application.call
    if not call.is_open(now):
        if now >= call.closes_at:
            raise DomainError(
                _("L'appel est clos depuis le %s : la candidature ne peut plus être déposée.")
                % timezone.localtime(call.closes_at).strftime("%d/%m/%Y à %H:%M"),
                code="closed",
            )
        raise DomainError(
            _("L'appel n'est pas ouvert : la candidature ne peut pas être déposée."),
            code="closed",
        )
    problems = application_submission_problems(application)
    if problems:
        raise DomainError(
            _("La candidature n'est pas complète : %s") % " ".join(problems), code="incomplete"
        )


@transaction.atomic
def application_transition(
    *,
    application: Application,
    target: ApplicationState,
    by: User,
    reason: str = "",
    now: datetime | None = None,
) -> Application:
    """Move ``application`` to ``target`` if the transition table allows it for ``by``.

    Raises ``TransitionError`` (message for the user) when the table has no such
    transition, when ``by`` holds none of the roles it names, or when it needs a
    reason and none is given. Submission also needs the call open at ``now`` and a
    complete application (``DomainError`` listing what is missing).
    Side effects: ``state``, ``version`` + 1, ``submitted_at`` on submission;
    audit entry ``application.transition``.
    """
    source = ApplicationState(application.state)
    target = ApplicationState(target)
    transition = find_transition(source, target)
    if transition is None:
        raise TransitionError(
            _("Une candidature « %(source)s » ne peut pas passer à l'état « %(target)s ».")
            % {"source": source.label, "target": target.label}
        )
    if not actor_roles(by, application) & transition.actors:
        raise TransitionError(
            _("Vous n'avez pas le droit de faire passer cette candidature à l'état « %s ».")
            % target.label
        )
    if transition.reason_required and not reason.strip():
        raise TransitionError(
            _("Indiquez le motif pour passer la candidature à l'état « %s ».") % target.label
        )
    if target == ApplicationState.SUBMITTED:
        _check_submittable(application, now or timezone.now())
    changes: dict[str, Any] = {"state": target, "version": F("version") + 1}
    submitted_at = now or timezone.now()
    if target == ApplicationState.SUBMITTED:
        changes["submitted_at"] = submitted_at
    changes["updated_at"] = timezone.now()
    updated = Application.objects.filter(pk=application.pk, state=source).update(**changes)
    if updated == 0:
        raise ConflictError(_("L'état de la candidature a changé entre-temps : rechargez la page."))
    application.refresh_from_db()
    if target == ApplicationState.SUBMITTED:
        _submission_create(application=application, by=by, at=submitted_at)
    log_action(
        actor=by,
        action="application.transition",
        obj=application,
        data={"from": str(source), "to": str(target), "reason": reason.strip()},
    )
    return application


def _submission_create(*, application: Application, by: User, at: datetime) -> Submission:
    """Freeze the application's content and number the receipt (inside the submit transaction)."""
    last = application.submissions.aggregate(m=Max("sequence"))["m"] or 0
    sequence = last + 1
    snapshot = application_snapshot(application)
    return Submission.objects.create(
        application=application,
        sequence=sequence,
        receipt_number=f"{application.reference}-{sequence}",
        submitted_at=at,
        snapshot=snapshot,
        snapshot_sha256=snapshot_sha256(snapshot),
        by=by,
    )


@transaction.atomic
def application_submit(
    *, application: Application, by: User, now: datetime | None = None, notify: bool = True
) -> Application:
    """Submit a complete draft while its call is open.

    Idempotent: submitting an application already submitted (a double click, a
    retried request) returns it unchanged. Side effects: see ``application_transition``
    (a ``Submission`` with the snapshot and its receipt); when ``notify``, once the
    transaction commits, the receipt is emailed to ``by`` with its PDF.
    """
    locked = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    if locked.state in SUBMITTED_STATES:
        return locked
    submitted = application_transition(
        application=locked, target=ApplicationState.SUBMITTED, by=by, now=now
    )
    # The call's eligibility rules, on what was just frozen (imported here: eligibility
    # imports this module).
    from laureat.eligibility.domain import eligibility_evaluate

    eligibility_evaluate(application=submitted, by=by, now=now)
    if notify:
        submission = submitted.submissions.order_by("-sequence").first()
        assert submission is not None  # created by application_transition just above
        transaction.on_commit(lambda: receipt_send(submission=submission))
    return submitted
