"""Review domain: pool, computed and declared conflicts, assignment from the database."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum import luhn

from laureat.accounts.models import User
from laureat.applications.domain import application_submit
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.programmes.models import Call
from laureat.review.domain import (
    assignment_build,
    assignment_save,
    conflict_declare,
    conflicts_compute,
    review_settings_update,
    reviewer_add,
)
from laureat.review.enums import ConflictSource
from laureat.review.models import Assignment, Conflict, Reviewer
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    make_complete_draft,
    make_open_call_with_envelopes,
)

pytestmark = pytest.mark.django_db


def _submitted(call: Call, count: int) -> list[Application]:
    applications = []
    for _ in range(count):
        applicant = UserFactory()
        applications.append(
            application_submit(application=make_complete_draft(call, applicant), by=applicant)
        )
    return applications


def _pool(call: Call, count: int) -> list[Reviewer]:
    return [
        reviewer_add(call=call, user=UserFactory(), by=None, themes=list(call.themes.all()))
        for _ in range(count)
    ]


def test_reviewer_add_twice_refused() -> None:
    call = make_open_call_with_envelopes().call
    user = UserFactory()
    reviewer_add(call=call, user=user, by=None)
    with pytest.raises(DomainError):
        reviewer_add(call=call, user=user, by=None)


def test_review_settings_update_refuses_max_below_min() -> None:
    call = make_open_call_with_envelopes().call
    with pytest.raises(DomainError):
        review_settings_update(call=call, by=None, min_load=5, max_load=2)


def test_conflicts_compute_finds_same_organisation_and_same_siren() -> None:
    call = make_open_call_with_envelopes().call
    first, second = _submitted(call, 2)
    body = second.organisation.siren + "0099"
    sibling = OrganisationFactory(
        siret=body + luhn.calc_check_digit(body), siren=second.organisation.siren
    )
    reviewers = _pool(call, 3)
    reviewers[0].affiliations.add(first.organisation)
    reviewers[1].affiliations.add(sibling)

    count = conflicts_compute(call=call, by=None)

    found = set(Conflict.objects.values_list("application_id", "reviewer_id", "source"))
    assert found == {
        (first.pk, reviewers[0].pk, ConflictSource.SAME_ORGANISATION),
        (second.pk, reviewers[1].pk, ConflictSource.SAME_SIREN),
    }
    assert count == 2


def test_conflicts_compute_removes_conflicts_that_no_longer_hold() -> None:
    call = make_open_call_with_envelopes().call
    (application,) = _submitted(call, 1)
    (reviewer,) = _pool(call, 1)
    reviewer.affiliations.add(application.organisation)
    conflicts_compute(call=call, by=None)
    reviewer.affiliations.clear()

    assert conflicts_compute(call=call, by=None) == 0
    assert Conflict.objects.count() == 0


def test_assignment_never_pairs_a_conflicted_reviewer() -> None:
    call = make_open_call_with_envelopes().call
    applications = _submitted(call, 4)
    reviewers = _pool(call, 4)
    review_settings_update(call=call, by=None, reviewers_per_application=3, max_load=4)
    conflict_declare(
        reviewer=reviewers[0],
        application=applications[0],
        reason="Ancien employeur",
        by=UserFactory(),
    )

    run = assignment_save(run=assignment_build(call=call), by=None)

    pairs = set(Assignment.objects.values_list("application_id", "reviewer_id"))
    assert (applications[0].pk, reviewers[0].pk) not in pairs
    assert len(pairs) == 12
    assert run.shortfall == []
    assert AuditLog.objects.filter(action="review.assignment_run").count() == 1


def test_assignment_reports_shortfall_when_too_few_reviewers_without_conflict() -> None:
    call = make_open_call_with_envelopes().call
    (application,) = _submitted(call, 1)
    reviewers = _pool(call, 3)
    declarer = UserFactory()
    conflict_declare(reviewer=reviewers[0], application=application, reason="Associé", by=declarer)

    run = assignment_build(call=call)

    assert [(s["application"], s["required"], s["assigned"]) for s in run.shortfall] == [
        (application.pk, 3, 2)
    ]


def test_conflict_declare_removes_an_existing_assignment() -> None:
    call = make_open_call_with_envelopes().call
    (application,) = _submitted(call, 1)
    reviewers = _pool(call, 3)
    assignment_save(run=assignment_build(call=call), by=None)
    assert Assignment.objects.filter(reviewer=reviewers[0]).exists()

    conflict_declare(
        reviewer=reviewers[0], application=application, reason="Parent", by=UserFactory()
    )

    assert not Assignment.objects.filter(reviewer=reviewers[0]).exists()


def test_conflicted_reviewer_has_no_review_permission_even_with_an_assignment_row() -> None:
    call = make_open_call_with_envelopes().call
    (application,) = _submitted(call, 1)
    (reviewer,) = _pool(call, 1)
    assignment = Assignment.objects.create(application=application, reviewer=reviewer)
    user: User = reviewer.user
    assert user.has_perm("review.review_application", application)

    Conflict.objects.create(
        application=application, reviewer=reviewer, source=ConflictSource.DECLARED, reason="x"
    )

    assert Assignment.objects.filter(pk=assignment.pk).exists()
    assert not user.has_perm("review.review_application", application)


def test_assign_command_json_has_the_documented_keys() -> None:
    call = make_open_call_with_envelopes().call
    applications = _submitted(call, 2)
    reviewers = _pool(call, 3)
    out = StringIO()

    call_command("assign", call.slug, "--dry-run", "--json", stdout=out)

    data = json.loads(out.getvalue())
    assert data["k"] == 3
    assert data["shortfall"] == []
    assert data["saved"] is False
    assert sorted(a["id"] for a in data["applications"]) == sorted(a.pk for a in applications)
    assert all(len(a["reviewers"]) == 3 for a in data["applications"])
    assert [r["id"] for r in data["reviewers"]] == [r.pk for r in reviewers]
    assert [r["load"] for r in data["reviewers"]] == [2, 2, 2]
    assert data["conflicts"] == []
    assert Assignment.objects.count() == 0


def test_assign_command_unknown_call_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="No call"):
        call_command("assign", "nope")
