"""The demo's eligibility check of the TI 4.0 call, through the domain functions.

Realistic rules (holder kinds, the whole territory, requests within each
co-funder's envelope, learners, a balanced budget) are set on the call, the 59
submitted applications evaluated against them, declared eligible and put in review.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from laureat.accounts.models import User
from laureat.applicants.enums import OrganisationKind
from laureat.applications.enums import ApplicationState
from laureat.eligibility.domain import (
    eligibility_confirm_eligible,
    eligibility_reevaluate_call,
    eligibility_rule_add,
    eligibility_start_review,
)
from laureat.eligibility.enums import RuleKind
from laureat.eligibility.models import EligibilityReport
from laureat.programmes.models import Call
from laureat.territories.models import Region

# The structures that may carry a TI 4.0 project: training and higher-education
# bodies, consular chambers, employers' federations, associations. Companies and
# local authorities are partners, not holders.
HOLDER_KINDS = (
    OrganisationKind.EMPLOYER_FEDERATION,
    OrganisationKind.CCI,
    OrganisationKind.CNAM,
    OrganisationKind.UNIVERSITY,
    OrganisationKind.ENGINEERING_SCHOOL,
    OrganisationKind.SCHOOL,
    OrganisationKind.ASSOCIATION,
    OrganisationKind.TRAINING_CENTRE,
)


@dataclass(frozen=True)
class EligibilityResult:
    rules: int
    evaluated: int
    failed: list[str]
    eligible: int
    in_review: int


def build_eligibility(*, call: Call, by: User, now: datetime | None = None) -> EligibilityResult:
    """Configure the call's rules, evaluate, declare eligible and put in review.

    Every application of the reference case passes; any that does not stays
    submitted (and is listed in ``failed``), so the gap shows rather than hides.
    """
    when = now or call.closes_at + timedelta(days=7)
    rules: list[tuple[str, dict[str, Any]]] = [
        (RuleKind.HOLDER_KINDS, {"kinds": list(HOLDER_KINDS)}),
        (RuleKind.TERRITORY, {"regions": list(Region.objects.values_list("code", flat=True))}),
        *[
            (
                RuleKind.FUNDER_REQUEST,
                {"funder_id": envelope.funder_id, "min": "0", "max": str(envelope.amount)},
            )
            for envelope in call.envelopes.order_by("funder__name")
        ],
        (RuleKind.LEARNERS, {"min": 1}),
        (RuleKind.BUDGET_BALANCED, {}),
    ]
    for kind, parameters in rules:
        eligibility_rule_add(call=call, kind=kind, parameters=parameters, by=by)
    evaluated = eligibility_reevaluate_call(call=call, by=by, now=when)
    failed = sorted(
        EligibilityReport.objects.filter(application__call=call, passed=False).values_list(
            "application__reference", flat=True
        )
    )
    submitted = list(call.applications.filter(state=ApplicationState.SUBMITTED).order_by("pk"))
    eligible = eligibility_confirm_eligible(applications=submitted, by=by)
    ready = list(call.applications.filter(state=ApplicationState.ELIGIBLE).order_by("pk"))
    in_review = eligibility_start_review(applications=ready, by=by)
    return EligibilityResult(
        rules=len(rules),
        evaluated=evaluated,
        failed=failed,
        eligible=int(eligible),
        in_review=int(in_review),
    )
