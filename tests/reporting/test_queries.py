"""The published results of a call: counts, regions, funders, filters, sentence."""

from decimal import Decimal

import pytest
from pytest_django import DjangoAssertNumQueries

from laureat.applicants.enums import OrganisationKind
from laureat.applications.enums import ApplicationState
from laureat.programmes.models import Technology
from laureat.reporting.queries import ResultFilters, call_results, results_sentence
from laureat.selection.enums import DecisionOutcome
from tests.factories import ApplicationFactory, OpenCall, ThemeFactory
from tests.reporting.builders import decided_application, publish_results

pytestmark = pytest.mark.django_db

LAUREATE = DecisionOutcome.LAUREATE


@pytest.fixture
def results_call(open_call_setup: OpenCall) -> OpenCall:
    """Three published laureates (Bourgogne-Franche-Comté x2, La Réunion), a published waiting
    list and rejection, a pending laureate decision, a submitted application without
    decision, a draft and a withdrawn application; the results published."""
    s = open_call_setup
    bdt, etat = s.banque_des_territoires, s.etat
    call = s.call
    decided_application(
        call,
        commune_code="71076",
        awards={bdt: "100000.00", etat: "200000.00"},
        organisation_name="Lycée Niépce",
        kind=OrganisationKind.SCHOOL,
        title="Plateau robotique",
        themes=[s.theme],
    )
    decided_application(
        call,
        commune_code="71076",
        awards={etat: "50000.00"},
        organisation_name="Entreprise Alpha",
        title="Jumeau numérique",
    )
    decided_application(
        call,
        commune_code="97411",
        awards={bdt: "25000.50"},
        organisation_name="CCI Réunion",
        kind=OrganisationKind.CCI,
        title="Campus océan",
    )
    decided_application(call, outcome=DecisionOutcome.WAITING_LIST, commune_code="75056", awards={})
    decided_application(call, outcome=DecisionOutcome.REJECTED, commune_code="35238")
    decided_application(
        call,
        published=False,
        commune_code="69123",
        awards={etat: "999999.00"},
        organisation_name="Pas encore publiée",
    )
    ApplicationFactory(call=call, state=ApplicationState.SUBMITTED)
    ApplicationFactory(call=call, state=ApplicationState.DRAFT)
    ApplicationFactory(call=call, state=ApplicationState.WITHDRAWN)
    publish_results(call)
    return s


def test_call_results_none_before_publication(open_call_setup: OpenCall) -> None:
    decided_application(open_call_setup.call, awards={open_call_setup.etat: "1000.00"})
    assert call_results(open_call_setup.call) is None


def test_call_results_none_without_published_decisions(open_call_setup: OpenCall) -> None:
    call = open_call_setup.call
    decided_application(call, published=False)
    publish_results(call)
    assert call_results(call) is None


def test_call_results_counts(results_call: OpenCall) -> None:
    results = call_results(results_call.call)
    assert results is not None
    assert results.laureates_count == 3
    # Laureates (3), waiting list, rejected, pending decision, submitted: not draft/withdrawn.
    assert results.applications_count == 7
    assert (results.metro_regions, results.overseas_regions) == (1, 1)
    assert results.total_awarded == Decimal("375000.50")
    assert results.sentence == (
        "3 lauréats sur 7 candidatures, dans 1 région métropolitaine et 1 d'outre-mer"
    )


def test_call_results_totals_per_funder(results_call: OpenCall) -> None:
    results = call_results(results_call.call)
    assert results is not None
    assert [(f.name, f.amount) for f in results.funders] == [
        ("Banque des Territoires", Decimal("125000.50")),
        ("État", Decimal("250000.00")),
    ]


def test_call_results_region_rows(results_call: OpenCall) -> None:
    results = call_results(results_call.call)
    assert results is not None
    assert len(results.regions) == 18
    rows = {r.code: (r.laureates, r.applications, r.amount) for r in results.regions}
    assert rows["27"] == (2, 2, Decimal("350000.00"))
    assert rows["04"] == (1, 1, Decimal("25000.50"))
    assert rows["11"] == (0, 1, Decimal("0.00"))  # waiting list: an application, not shown
    assert rows["84"] == (0, 1, Decimal("0.00"))  # pending decision: invisible
    assert [r.code for r in results.regions][:1] == ["84"]  # metropolitan first, by name
    assert results.regions[-1].overseas is True
    names = [r.name for r in results.regions]
    # Accents ignored: Île-de-France sorts under I.
    assert names.index("Hauts-de-France") + 1 == names.index("Île-de-France")


def test_call_results_laureates_only_published(results_call: OpenCall) -> None:
    results = call_results(results_call.call)
    assert results is not None
    assert [(r.region_name, r.organisation_name, r.title) for r in results.laureates] == [
        ("Bourgogne-Franche-Comté", "Entreprise Alpha", "Jumeau numérique"),
        ("Bourgogne-Franche-Comté", "Lycée Niépce", "Plateau robotique"),
        ("La Réunion", "CCI Réunion", "Campus océan"),
    ]
    niepce = results.laureates[1]
    assert niepce.organisation_kind_label == "Lycée ou établissement scolaire"
    assert (niepce.commune, niepce.department) == ("Chalon-sur-Saône", "Saône-et-Loire (71)")
    assert niepce.amounts == (Decimal("100000.00"), Decimal("200000.00"))
    assert niepce.total == Decimal("300000.00")
    assert results.laureates[0].amounts == (Decimal("0.00"), Decimal("50000.00"))


def test_call_results_pending_decisions_invisible(results_call: OpenCall) -> None:
    results = call_results(results_call.call)
    assert results is not None
    names = {r.organisation_name for r in results.laureates}
    assert "Pas encore publiée" not in names
    assert Decimal("999999.00") not in {f.amount for f in results.funders}


def test_call_results_filter_by_region(results_call: OpenCall) -> None:
    results = call_results(results_call.call, ResultFilters(region="04"))
    assert results is not None
    assert [r.organisation_name for r in results.laureates] == ["CCI Réunion"]
    assert results.listed_total == Decimal("25000.50")
    # The figures stay those of the whole call.
    assert results.laureates_count == 3


def test_call_results_filter_by_theme(results_call: OpenCall) -> None:
    other = ThemeFactory()
    theme = results_call.theme
    results = call_results(results_call.call, ResultFilters(theme=theme.slug))
    assert results is not None
    assert [r.organisation_name for r in results.laureates] == ["Lycée Niépce"]
    none = call_results(results_call.call, ResultFilters(theme=other.slug))
    assert none is not None
    assert none.laureates == ()


def test_call_results_filter_by_technology(open_call_setup: OpenCall) -> None:
    call = open_call_setup.call
    robots, twins = Technology.objects.order_by("name")[:2]
    decided_application(call, organisation_name="A", technologies=[robots, twins])
    decided_application(call, organisation_name="B", technologies=[twins])
    publish_results(call)
    results = call_results(call, ResultFilters(technology=robots.slug))
    assert results is not None
    assert [r.organisation_name for r in results.laureates] == ["A"]
    both = call_results(call, ResultFilters(technology=twins.slug))
    assert both is not None
    assert [r.organisation_name for r in both.laureates] == ["A", "B"]


def test_call_results_filter_by_kind(results_call: OpenCall) -> None:
    results = call_results(results_call.call, ResultFilters(kind=OrganisationKind.CCI))
    assert results is not None
    assert [r.organisation_name for r in results.laureates] == ["CCI Réunion"]


def test_call_results_combined_filters(results_call: OpenCall) -> None:
    filters = ResultFilters(region="27", kind=OrganisationKind.COMPANY)
    results = call_results(results_call.call, filters)
    assert results is not None
    assert [r.organisation_name for r in results.laureates] == ["Entreprise Alpha"]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (
            (41, 59, 12, 2),
            "41 lauréats sur 59 candidatures, dans 12 régions métropolitaines et 2 d'outre-mer",
        ),
        ((1, 1, 1, 0), "1 lauréat sur 1 candidature, dans 1 région métropolitaine"),
        ((12, 30, 12, 0), "12 lauréats sur 30 candidatures, dans 12 régions métropolitaines"),
        (
            (2, 5, 1, 1),
            "2 lauréats sur 5 candidatures, dans 1 région métropolitaine et 1 d'outre-mer",
        ),
        ((3, 4, 0, 2), "3 lauréats sur 4 candidatures, dans 2 régions d'outre-mer"),
        ((1, 2, 0, 1), "1 lauréat sur 2 candidatures, dans 1 région d'outre-mer"),
        ((0, 3, 0, 0), "Aucun lauréat sur 3 candidatures"),
    ],
)
def test_results_sentence_plurals(counts: tuple[int, int, int, int], expected: str) -> None:
    assert results_sentence(*counts) == expected


def test_results_sentence_in_english(results_call: OpenCall) -> None:
    from django.utils import translation

    with translation.override("en"):
        sentence = results_sentence(1, 2, 1, 0)
    # Until the catalogue has it, the French source is shown: never an error.
    assert sentence.startswith("1 ")


def _queries_for(open_call_setup: OpenCall, n: int, assert_num: DjangoAssertNumQueries) -> None:
    call = open_call_setup.call
    theme = open_call_setup.theme
    for i in range(n):
        decided_application(
            call,
            commune_code=["71076", "97411", "75056"][i],
            awards={
                open_call_setup.etat: "1000.00",
                open_call_setup.banque_des_territoires: "5.00",
            },
            themes=[theme],
        )
    publish_results(call)
    with assert_num(8):
        results = call_results(call)
    assert results is not None
    assert len(results.laureates) == n
    with assert_num(8):
        filtered = call_results(call, ResultFilters(theme=theme.slug, region="27"))
    assert filtered is not None


def test_call_results_queries_one_laureate(
    open_call_setup: OpenCall, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    _queries_for(open_call_setup, 1, django_assert_num_queries)


def test_call_results_queries_three_laureates(
    open_call_setup: OpenCall, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    _queries_for(open_call_setup, 3, django_assert_num_queries)
