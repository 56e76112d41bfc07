"""The demonstration programme: the facts of the article, 59 applications, idempotence."""

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from stdnum.fr import siret

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application, Submission
from laureat.applications.queries import application_budget, call_application_stats
from laureat.demo.builder import DEMO_PASSWORD, JOURNEY_CALL_SLUG, build_demo, demo_siret
from laureat.programmes.enums import CallPhase, ProgrammeRoleKind
from laureat.programmes.models import Call, Programme
from laureat.review.models import Assignment, Conflict, Review
from laureat.review.queries import call_ranking

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> Call:
    build_demo(seed=2022)
    return Call.objects.get(slug="territoires-industrie-4-0")


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "core", "programmes", "applicants", "applications"}
    }


def test_demo_siret_is_valid_for_every_index() -> None:
    numbers = [demo_siret(i) for i in range(200)]
    assert all(siret.is_valid(n) for n in numbers)
    assert len(set(numbers)) == 200


def test_demo_call_has_the_article_timeline_and_budget(demo: Call) -> None:
    assert demo.title == "Territoires d'industrie 4.0 : anticiper les compétences de demain"
    assert demo.programme.name == "Territoires d'industrie"
    assert demo.opens_at == datetime(2021, 11, 26, tzinfo=PARIS)
    assert demo.closes_at.astimezone(PARIS).date() == date(2022, 3, 31)
    assert demo.results_at == date(2022, 7, 8)
    assert demo.budget == Decimal("10000000.00")
    assert demo.phase() == CallPhase.CLOSED


def test_demo_call_is_cofunded_by_the_two_funders_with_their_categories(demo: Call) -> None:
    envelopes = {
        e.funder.short_name: (e.amount, e.category_values)
        for e in demo.envelopes.select_related("funder").prefetch_related("categories")
    }
    assert envelopes == {
        "Banque des Territoires": (Decimal("1500000.00"), ["engineering"]),
        "État": (Decimal("8500000.00"), ["investment", "startup"]),
    }
    assert sum(c.weight for c in demo.criteria.all()) == Decimal("100")
    assert demo.themes.count() == 3


def test_demo_call_holds_59_submitted_applications_from_12_plus_2_regions(demo: Call) -> None:
    stats = call_application_stats(demo)
    assert stats == {"applications": 59, "regions": 14, "overseas_regions": 2}
    # Submitted, found eligible, then put in review (demo.eligibility).
    assert set(demo.applications.values_list("state", flat=True)) == {ApplicationState.IN_REVIEW}
    submitted = demo.applications.values_list("submitted_at", flat=True)
    assert all(demo.opens_at <= s < demo.closes_at for s in submitted)


def test_demo_every_application_has_a_valid_balanced_budget(demo: Call) -> None:
    for application in demo.applications.prefetch_related("budget_lines", "resource_lines"):
        summary = application_budget(application)
        assert summary.problems == []
        assert summary.is_balanced


def test_demo_real_projects_carry_the_article_facts(demo: Call) -> None:
    real = demo.applications.filter(is_fictional=False).select_related("organisation", "commune")
    by_commune = {a.commune.name: a for a in real}
    assert sorted(by_commune) == ["Bordeaux", "Chalon-sur-Saône", "Nanterre"]
    assert by_commune["Chalon-sur-Saône"].title == "Big Data Chalon"
    assert by_commune["Chalon-sur-Saône"].organisation.kind == "cnam"
    assert by_commune["Nanterre"].acronym == "POIRE-FR"
    bordeaux = by_commune["Bordeaux"]
    assert bordeaux.learners_targeted == 1400
    assert bordeaux.start_date == date(2023, 9, 1)
    assert sorted(bordeaux.technologies.values_list("slug", flat=True)) == [
        "jumeau-numerique",
        "maintenance-predictive",
        "robotique-cobotique",
    ]


def test_demo_generated_data_is_marked_fictional(demo: Call) -> None:
    assert demo.applications.filter(is_fictional=True).count() == 56
    # 56 in the TI 4.0 call, and the demo applicant's organisation.
    assert Organisation.objects.filter(is_fictional=True).count() == 57
    assert Organisation.objects.filter(is_fictional=False).count() == 3


def test_demo_earlier_calls_are_closed_with_recorded_counts(demo: Call) -> None:
    earlier = {
        c.slug: c.recorded_laureates
        for c in Call.objects.exclude(pk=demo.pk)
        .exclude(slug=JOURNEY_CALL_SLUG)
        .filter(programme=demo.programme)
    }
    assert earlier == {"ecoles-de-production": 39, "au-coeur-des-territoires": 75}
    assert all(c.phase() == CallPhase.CLOSED for c in Call.objects.filter(slug__in=list(earlier)))


def test_demo_accounts_exist_for_every_role(demo: Call) -> None:
    programme = Programme.objects.get(slug="territoires-industrie")
    managers = programme.roles.filter(role=ProgrammeRoleKind.MANAGER)
    reviewers = programme.roles.filter(role=ProgrammeRoleKind.REVIEWER)
    assert [r.user.email for r in managers] == ["gestionnaire@laureat.example"]
    assert reviewers.count() == 18
    assert User.objects.get(email="agent.bdt@laureat.example").funders.get().short_name == (
        "Banque des Territoires"
    )
    assert User.objects.get(email="agent.etat@laureat.example").funders.get().short_name == "État"
    applicant = User.objects.get(email="porteur.ensam@laureat.example")
    assert applicant.check_password(DEMO_PASSWORD)
    assert Application.objects.filter(organisation__memberships__user=applicant).count() == 1
    assert User.objects.get(email="admin@laureat.example").is_superuser


def test_demo_twice_gives_the_same_counts(demo: Call) -> None:
    before = _counts()
    result = build_demo(seed=2022)
    assert result.created is False
    assert _counts() == before


def test_demo_command_prints_the_accounts() -> None:
    out = StringIO()
    call_command("demo", "--seed", "7", stdout=out)
    text = out.getvalue()
    assert "59 submitted applications from 14 regions" in text
    assert "gestionnaire@laureat.example" in text
    assert "candidat@laureat.example" in text
    assert DEMO_PASSWORD in text
    again = StringIO()
    call_command("demo", stdout=again)
    assert "already loaded" in again.getvalue()


def test_demo_open_call_lets_the_applicant_journey_be_tried(demo: Call) -> None:
    call = Call.objects.get(slug=JOURNEY_CALL_SLUG)
    applicant = User.objects.get(email="candidat@laureat.example")
    states = sorted(
        Application.objects.filter(organisation__memberships__user=applicant).values_list(
            "state", flat=True
        )
    )
    assert call.programme == demo.programme
    assert call.phase() == CallPhase.OPEN
    assert "démonstration" in call.summary
    assert call.envelopes.count() == 2
    assert sorted(call.questions.values_list("kind", flat=True)) == [
        "long_text",
        "single_choice",
        "yes_no",
    ]
    assert applicant.check_password(DEMO_PASSWORD)
    assert states == [ApplicationState.DRAFT, ApplicationState.SUBMITTED]
    assert Submission.objects.get(application__call=call).snapshot["answers"][0]["value"] is True


def test_demo_assigns_three_reviewers_per_application_without_conflicts(demo: Call) -> None:
    pairs = list(
        Assignment.objects.filter(application__call=demo).values_list(
            "application_id", "reviewer_id"
        )
    )
    per_application = Counter(a for a, _r in pairs)
    loads = Counter(r for _a, r in pairs)
    conflicts = set(
        Conflict.objects.filter(application__call=demo).values_list("application_id", "reviewer_id")
    )

    assert len(per_application) == 59
    assert set(per_application.values()) == {3}
    assert max(loads.values()) <= 12
    assert min(loads.values()) >= 6
    assert len(conflicts) == 2  # two reviewers are affiliated with applicant organisations
    assert conflicts.isdisjoint(pairs)


def test_demo_reviews_are_submitted_and_rank_the_real_projects_high(demo: Call) -> None:
    assert Review.objects.filter(assignment__application__call=demo).count() == 177
    assert not Review.objects.filter(submitted_at__isnull=True).exists()
    ranking = call_ranking(demo)
    assert len(ranking) == 59
    top_half = {row.application_id for row in ranking[:30]}
    real = set(demo.applications.filter(is_fictional=False).values_list("pk", flat=True))
    assert real <= top_half
