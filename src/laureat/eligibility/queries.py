"""Reads for eligibility: the facts of applications (in a few queries), rules, the list."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from laureat.applications.enums import SUBMITTED_STATES, ApplicationState, ResourceKind
from laureat.applications.models import Answer, Application
from laureat.core.models import AuditLog
from laureat.core.money import money_sum
from laureat.documents.models import Attachment
from laureat.eligibility.enums import Verdict
from laureat.eligibility.models import EligibilityRule
from laureat.eligibility.rules_engine import Facts, Names, Rule, describe
from laureat.programmes.models import Call, QuestionKind
from laureat.territories.models import Department, Region

# The states in which an application waits for, or has had, the eligibility decision.
ELIGIBILITY_STATES: tuple[str, ...] = (
    ApplicationState.SUBMITTED,
    ApplicationState.ELIGIBLE,
    ApplicationState.INELIGIBLE,
)
# What the manager's list shows: every submitted application, whatever came after
# (review, decision, agreement...), in the order of the lifecycle; not the withdrawn.
LISTED_STATES: tuple[str, ...] = tuple(s for s in ApplicationState.values if s in SUBMITTED_STATES)


def call_rules(call: Call) -> QuerySet[EligibilityRule]:
    return EligibilityRule.objects.filter(call=call).order_by("position", "id")


def call_names(call: Call) -> Names:
    """The names a rule of ``call`` may mention: funders, regions, departments, file questions."""
    return Names(
        funders={e.funder_id: str(e.funder) for e in call.envelopes.select_related("funder")},
        regions=dict(Region.objects.values_list("code", "name")),
        departments=dict(Department.objects.values_list("code", "name")),
        questions={
            q.pk: q.label
            for q in call.questions.filter(kind=QuestionKind.FILE).order_by("position")
        },
    )


def engine_rules(call: Call, names: Names | None = None) -> list[Rule]:
    """The call's active rules, as the engine takes them, each with its label."""
    names = names or call_names(call)
    return [
        Rule(
            kind=r.kind,
            parameters=r.parameters,
            id=r.pk,
            label=describe(r.kind, r.parameters, names),
            active=r.active,
        )
        for r in call_rules(call).filter(active=True)
    ]


def _with_facts(applications: QuerySet[Application]) -> QuerySet[Application]:
    return applications.select_related(
        "organisation", "commune__department__region"
    ).prefetch_related(
        "budget_lines",
        "resource_lines",
        Prefetch(
            "answers",
            queryset=Answer.objects.filter(question__kind=QuestionKind.FILE),
            to_attr="file_answers",
        ),
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(deleted_at__isnull=True),
            to_attr="live_attachments",
        ),
    )


def facts_for(call: Call, applications: QuerySet[Application]) -> dict[int, Facts]:
    """The ``Facts`` of each application of ``call`` in ``applications``, by id (a few queries)."""
    names = call_names(call)
    facts: dict[int, Facts] = {}
    for application in _with_facts(applications.filter(call=call)):
        commune = application.commune
        department = commune.department if commune else None
        region = department.region if department else None
        requests = {
            r.funder_id: r.amount
            for r in application.resource_lines.all()
            if r.kind == ResourceKind.FUNDER and r.funder_id is not None
        }
        facts[application.pk] = Facts(
            holder_kind=application.organisation.kind,
            region_code=region.code if region else None,
            region_name=region.name if region else "",
            department_code=department.code if department else None,
            department_name=department.name if department else "",
            requests_by_funder=requests,
            funder_names=names.funders,
            learners_targeted=application.learners_targeted,
            start_date=application.start_date,
            total_expenses=money_sum(b.amount for b in application.budget_lines.all()),
            total_resources=money_sum(r.amount for r in application.resource_lines.all()),
            file_questions=names.questions,
            answered_file_questions=frozenset(
                a.question_id
                for a in application.file_answers  # type: ignore[attr-defined]
                if a.value
            ),
            attachment_labels=tuple(
                a.label or a.original_name
                for a in application.live_attachments  # type: ignore[attr-defined]
            ),
        )
    return facts


@dataclass(frozen=True)
class ListFilters:
    verdict: str = ""
    state: str = ""
    region: str = ""
    kind: str = ""
    q: str = ""


def eligibility_applications(
    call: Call, filters: ListFilters | None = None
) -> QuerySet[Application]:
    """The call's submitted applications for the eligibility list, filtered, with what it shows."""
    filters = filters or ListFilters()
    applications = (
        Application.objects.filter(call=call, state__in=LISTED_STATES)
        .select_related("organisation", "commune__department__region", "eligibility_report")
        .order_by("reference")
    )
    if filters.verdict == Verdict.PASSED:
        applications = applications.filter(eligibility_report__passed=True)
    elif filters.verdict == Verdict.FAILED:
        applications = applications.filter(eligibility_report__passed=False)
    elif filters.verdict == Verdict.NONE:
        applications = applications.filter(eligibility_report__isnull=True)
    if filters.state:
        applications = applications.filter(state=filters.state)
    if filters.region:
        applications = applications.filter(commune__department__region_id=filters.region)
    if filters.kind:
        applications = applications.filter(organisation__kind=filters.kind)
    if filters.q.strip():
        text = filters.q.strip()
        applications = applications.filter(
            Q(title__icontains=text)
            | Q(organisation__name__icontains=text)
            | Q(reference__icontains=text)
            | Q(acronym__icontains=text)
        )
    return applications


def decision_history(application: Application) -> Sequence[AuditLog]:
    """The manager's eligibility decisions on ``application``, newest first (who, when, why)."""
    return list(
        AuditLog.objects.for_object(application)
        .filter(action="eligibility.decide")
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
