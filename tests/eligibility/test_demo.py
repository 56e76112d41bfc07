"""The demo's eligibility stage: realistic rules that the 59 reference applications all pass."""

import pytest

from laureat.applications.enums import ApplicationState
from laureat.demo.builder import build_demo
from laureat.eligibility.enums import RuleKind
from laureat.eligibility.models import EligibilityReport, EligibilityRule
from laureat.programmes.models import Call

pytestmark = pytest.mark.django_db


def test_demo_applications_pass_the_rules_and_are_in_review() -> None:
    build_demo(seed=2022)
    call = Call.objects.get(slug="territoires-industrie-4-0")
    kinds = sorted(EligibilityRule.objects.filter(call=call).values_list("kind", flat=True))
    assert kinds == sorted(
        [
            RuleKind.BUDGET_BALANCED,
            RuleKind.FUNDER_REQUEST,
            RuleKind.FUNDER_REQUEST,
            RuleKind.HOLDER_KINDS,
            RuleKind.LEARNERS,
            RuleKind.TERRITORY,
        ]
    )
    reports = EligibilityReport.objects.filter(application__call=call)
    assert (reports.count(), reports.filter(passed=True).count()) == (59, 59)
    assert all(len(r.results) == 6 for r in reports)
    assert set(call.applications.values_list("state", flat=True)) == {ApplicationState.IN_REVIEW}
