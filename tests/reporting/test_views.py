"""The public results page and its CSV: 404 until published, figures, map, filters, CSV."""

import csv
import html
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from laureat.accounts.models import User
from laureat.applicants.enums import OrganisationKind
from laureat.applications.enums import ApplicationState
from laureat.selection.enums import DecisionOutcome
from tests.factories import PASSWORD, ApplicationFactory, OpenCall
from tests.reporting.builders import decided_application, publish_results

pytestmark = pytest.mark.django_db

NBSP = "\xa0"


def page_text(response: object) -> str:
    """The page's HTML with entities decoded and runs of white space made single spaces."""
    content = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", html.unescape(content).replace(NBSP, " ").replace("\u202f", " "))


def results_url(slug: str) -> str:
    return reverse("reporting:call_results", args=[slug])


def csv_url(slug: str) -> str:
    return reverse("reporting:call_results_csv", args=[slug])


@pytest.fixture
def published(open_call_setup: OpenCall) -> OpenCall:
    s = open_call_setup
    decided_application(
        s.call,
        commune_code="71076",
        awards={s.banque_des_territoires: "100000.00", s.etat: "200000.00"},
        organisation_name="Lycée Niépce",
        kind=OrganisationKind.SCHOOL,
        title="Plateau robotique",
        themes=[s.theme],
    )
    decided_application(
        s.call,
        commune_code="35238",
        awards={s.etat: "50000.00"},
        organisation_name='=HYPERLINK("http://evil")',
        title="+Projet piégé",
    )
    decided_application(
        s.call,
        commune_code="97411",
        awards={s.banque_des_territoires: "25000.00"},
        organisation_name="CCI Réunion",
        kind=OrganisationKind.CCI,
        title="Campus océan",
    )
    decided_application(
        s.call,
        outcome=DecisionOutcome.WAITING_LIST,
        commune_code="75056",
        organisation_name="En attente SA",
    )
    decided_application(s.call, outcome=DecisionOutcome.REJECTED, organisation_name="Refusée SARL")
    ApplicationFactory(call=s.call, state=ApplicationState.DRAFT)
    publish_results(s.call)
    return s


def test_results_page_404_before_publication_for_anonymous(
    client: Client, open_call_setup: OpenCall
) -> None:
    call = open_call_setup.call
    decided_application(call, awards={open_call_setup.etat: "1000.00"}, published=False)
    assert client.get(results_url(call.slug)).status_code == 404
    assert client.get(csv_url(call.slug)).status_code == 404


def test_results_page_404_before_publication_for_manager(
    client: Client, open_call_setup: OpenCall, manager: User
) -> None:
    call = open_call_setup.call
    decided_application(call, awards={open_call_setup.etat: "1000.00"}, published=False)
    assert client.login(email=manager.email, password=PASSWORD)
    assert client.get(results_url(call.slug)).status_code == 404
    # Even with the call's state set, decisions not yet published show nothing.
    publish_results(call)
    response = client.get(results_url(call.slug))
    assert response.status_code == 404
    assert "Lauréat" not in page_text(response)
    assert client.get(csv_url(call.slug)).status_code == 404


def test_results_page_404_for_unknown_call(client: Client, db: None) -> None:
    assert client.get(results_url("inconnu")).status_code == 404


def test_results_page_shows_exact_figures(client: Client, published: OpenCall) -> None:
    response = client.get(results_url(published.call.slug))
    assert response.status_code == 200
    text = page_text(response)
    assert "3 lauréats sur 5 candidatures, dans 2 régions métropolitaines et 1 d'outre-mer." in text
    assert (
        '<p class="laureat-figure__value">375 000,00 €</p> '
        '<p class="laureat-figure__label">engagés au total</p>'
    ) in text
    assert (
        '<th scope="row">Banque des Territoires</th> '
        '<td class="fr-cell--right laureat-num">125 000,00 €</td>'
    ) in text
    assert (
        '<th scope="row">État</th> <td class="fr-cell--right laureat-num">250 000,00 €</td>'
    ) in text
    assert "Lycée Niépce" in text
    assert "CCI Réunion" in text
    # The waiting list and the rejections are never shown.
    assert "En attente SA" not in text
    assert "Refusée SARL" not in text


def test_results_page_map_and_table_alternative(client: Client, published: OpenCall) -> None:
    text = page_text(client.get(results_url(published.call.slug)))
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="laureat-map"' in text
    assert 'data-region="04" data-value="1"' in text
    assert "Voir les données sous forme de tableau" in text
    assert (
        'Bourgogne-Franche-Comté</th> <td class="fr-cell--right laureat-num">1</td> '
        '<td class="fr-cell--right laureat-num">2</td> '
        '<td class="fr-cell--right laureat-num">300 000,00 €</td>'
    ) in text
    assert (
        'Île-de-France</th> <td class="fr-cell--right laureat-num">0</td> '
        '<td class="fr-cell--right laureat-num">1</td>'
    ) in text


def test_results_page_filters_and_keeps_choices(client: Client, published: OpenCall) -> None:
    response = client.get(results_url(published.call.slug), {"region": "04", "kind": "cci"})
    text = page_text(response)
    assert "1 lauréat affiché, 25 000,00 € attribués." in text
    assert "CCI Réunion" in text
    assert "Lycée Niépce" not in text
    assert '<option value="04" selected>La Réunion</option>' in text
    assert '<option value="cci" selected>' in text
    assert "Effacer les filtres" in text
    # The figures stay those of the whole call.
    assert "3 lauréats sur 5 candidatures" in text


def test_results_page_filter_by_theme(client: Client, published: OpenCall) -> None:
    response = client.get(results_url(published.call.slug), {"theme": published.theme.slug})
    text = page_text(response)
    assert "1 lauréat affiché" in text
    assert "Lycée Niépce" in text


def test_results_page_bad_filters_are_ignored_with_a_message(
    client: Client, published: OpenCall
) -> None:
    response = client.get(
        results_url(published.call.slug),
        {"region": "99", "theme": "<script>", "technology": "x" * 500, "kind": "cci"},
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Filtres ignorés (valeurs inconnues) : Région, Thème, Technologie." in text
    # The valid filter still applies.
    assert "1 lauréat affiché" in text
    assert "<script>" not in response.content.decode()


def test_results_page_empty_filter_result(client: Client, published: OpenCall) -> None:
    text = page_text(client.get(results_url(published.call.slug), {"region": "94"}))
    assert "Aucun lauréat ne correspond à ces filtres." in text


def test_results_csv_lists_filtered_laureates(client: Client, published: OpenCall) -> None:
    response = client.get(csv_url(published.call.slug), {"region": "27"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="laureats-{published.call.slug}.csv"'
    )
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows == [
        [
            "Organisation",
            "Type de structure",
            "Projet",
            "Commune",
            "Département",
            "Région",
            "Montant Banque des Territoires (€)",
            "Montant État (€)",
            "Total (€)",
        ],
        [
            "Lycée Niépce",
            "Lycée ou établissement scolaire",
            "Plateau robotique",
            "Chalon-sur-Saône",
            "Saône-et-Loire (71)",
            "Bourgogne-Franche-Comté",
            "100000.00",
            "200000.00",
            "300000.00",
        ],
    ]


def test_results_csv_is_safe_against_formula_injection(client: Client, published: OpenCall) -> None:
    response = client.get(csv_url(published.call.slug), {"region": "53"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:]), delimiter=";"))
    assert rows[1][:3] == ['\'=HYPERLINK("http://evil")', "Entreprise", "'+Projet piégé"]
    assert [Decimal(v) for v in rows[1][6:]] == [
        Decimal("0.00"),
        Decimal("50000.00"),
        Decimal("50000.00"),
    ]


def test_results_csv_unfiltered_lists_all_laureates(client: Client, published: OpenCall) -> None:
    response = client.get(csv_url(published.call.slug), {"kind": "nope"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:]), delimiter=";"))
    assert len(rows) == 1 + 3


def test_results_page_in_english(client: Client, published: OpenCall) -> None:
    response = client.get(f"/en{results_url(published.call.slug)}")
    assert response.status_code == 200
    assert "CCI Réunion" in page_text(response)


def test_call_page_links_to_results_once_published(client: Client, published: OpenCall) -> None:
    text = page_text(client.get(reverse("web:call_detail", args=[published.call.slug])))
    assert f'href="{results_url(published.call.slug)}"' in text
    assert "Voir les résultats" in text


def test_call_page_has_no_results_link_before(client: Client, open_call_setup: OpenCall) -> None:
    call = open_call_setup.call
    text = page_text(client.get(reverse("web:call_detail", args=[call.slug])))
    assert results_url(call.slug) not in text


def _page_queries(client: Client, s: OpenCall, n: int, assert_num: DjangoAssertNumQueries) -> None:
    for i in range(n):
        decided_application(
            s.call,
            commune_code=["71076", "97411", "75056"][i],
            awards={s.etat: "1000.00", s.banque_des_territoires: "10.00"},
            themes=[s.theme],
        )
    publish_results(s.call)
    url = results_url(s.call.slug)
    client.get(url)  # warm the session and caches
    with assert_num(12):
        response = client.get(url, {"theme": s.theme.slug})
    text = page_text(response)
    assert ("1 lauréat affiché" if n == 1 else f"{n} lauréats affichés") in text


def test_results_page_queries_one_laureate(
    client: Client, open_call_setup: OpenCall, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    _page_queries(client, open_call_setup, 1, django_assert_num_queries)


def test_results_page_queries_three_laureates(
    client: Client, open_call_setup: OpenCall, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    _page_queries(client, open_call_setup, 3, django_assert_num_queries)
