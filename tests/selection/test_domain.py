"""Selection from the database: reviewed applications, envelopes, regions, the CLI."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from laureat.applications.domain import application_submit
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.programmes.models import Call
from laureat.review.domain import ScoreInput, review_save, review_submit, reviewer_add
from laureat.review.enums import Recommendation
from laureat.review.models import Assignment
from laureat.selection.domain import selection_build, selection_save, selection_settings_for
from laureat.selection.models import SelectionRun
from tests.factories import UserFactory, make_complete_draft, make_open_call_with_envelopes

pytestmark = pytest.mark.django_db


def _reviewed(call: Call, marks: list[int], commune_codes: list[str]) -> list[Application]:
    reviewer = reviewer_add(call=call, user=UserFactory(), by=None)
    applications = []
    for mark, code in zip(marks, commune_codes, strict=True):
        applicant = UserFactory()
        application = application_submit(
            application=make_complete_draft(call, applicant, commune_code=code), by=applicant
        )
        assignment = Assignment.objects.create(application=application, reviewer=reviewer)
        scores = [ScoreInput(c.pk, Decimal(min(mark, c.scale_max))) for c in call.criteria.all()]
        review = review_save(
            assignment=assignment,
            by=reviewer.user,
            scores=scores,
            recommendation=Recommendation.FUND,
        )
        review_submit(review=review, by=reviewer.user)
        applications.append(application)
    return applications


def test_selection_build_keeps_the_best_within_budget_and_reaches_each_region() -> None:
    call = make_open_call_with_envelopes(budget=Decimal("600000.00")).call
    # make_complete_draft asks 175,000 EUR of the funders per application: 3 fit.
    best, second, middle, overseas = _reviewed(
        call, [5, 5, 4, 3], ["71076", "71076", "33063", "97209"]
    )

    data = selection_build(call=call).as_json()

    assert data["selected"] == [best.pk, middle.pk, overseas.pk]
    assert data["explanations"][str(second.pk)]["code"] == "budget"
    assert sorted(data["per_region"]) == ["02", "27", "75"]
    assert data["awarded_total"] <= 600000
    assert data["gap"] <= 1e-4
    assert data["baseline"]["selected"] == [best.pk, second.pk, middle.pk]
    assert data["diff"]["entered"] == [overseas.pk]


def test_selection_build_names_the_conflicting_constraints() -> None:
    call = make_open_call_with_envelopes(budget=Decimal("400000.00")).call
    _reviewed(call, [5, 4, 3], ["71076", "33063", "97209"])

    with pytest.raises(DomainError, match="au moins 1 lauréat en Martinique") as caught:
        selection_build(call=call)

    assert caught.value.code == "infeasible"
    message = str(caught.value).replace("\u202f", " ").replace("\xa0", " ")
    assert "le budget de l'appel (400 000,00 €)" in message


def test_selection_build_without_region_floor_follows_merit() -> None:
    call = make_open_call_with_envelopes(budget=Decimal("400000.00")).call
    strong, middle, _weak = _reviewed(call, [5, 4, 1], ["71076", "33063", "97209"])
    policy = selection_settings_for(call)
    policy.region_floor = 0
    policy.save()

    assert selection_build(call=call).as_json()["selected"] == [strong.pk, middle.pk]


def test_selection_save_keeps_the_run_and_audits_it() -> None:
    call = make_open_call_with_envelopes().call
    _reviewed(call, [4, 3], ["71076", "92050"])

    record = selection_save(run=selection_build(call=call), by=None)

    assert SelectionRun.objects.get() == record
    assert len(record.result["selected"]) == 2
    assert AuditLog.objects.filter(action="selection.run").count() == 1


def test_select_command_json_has_the_documented_keys() -> None:
    call = make_open_call_with_envelopes().call
    applications = _reviewed(call, [4, 3], ["71076", "92050"])
    out = StringIO()

    call_command("select", call.slug, "--dry-run", "--json", stdout=out)

    data = json.loads(out.getvalue())
    assert set(data) >= {
        "selected",
        "objective",
        "budget",
        "awarded_total",
        "per_funder",
        "per_region",
        "gap",
        "explanations",
        "baseline",
    }
    assert sorted(data["selected"]) == sorted(a.pk for a in applications)
    assert sorted(data["per_funder"]) == ["banque-des-territoires", "etat"]
    assert set(data["baseline"]) >= {"selected", "objective"}
    assert SelectionRun.objects.count() == 0


def test_select_command_unknown_call_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="No call"):
        call_command("select", "nope")
