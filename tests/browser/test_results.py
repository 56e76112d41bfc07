"""A visitor reads the published results of a call in a real browser."""

import pytest
from playwright.sync_api import Page, expect

from laureat.applicants.enums import OrganisationKind
from tests.factories import make_open_call_with_envelopes
from tests.reporting.builders import decided_application, publish_results

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def results_site(live_server: object, reference_data: None) -> tuple[str, str]:
    s = make_open_call_with_envelopes(title="Territoires d'industrie 4.0 : résultats")
    bdt, etat = s.banque_des_territoires, s.etat
    laureates = [
        ("71076", "Lycée Nicéphore Niépce", OrganisationKind.SCHOOL, "Plateau robotique"),
        ("71076", "Usine École Bourgogne", OrganisationKind.COMPANY, "Jumeau numérique"),
        ("35238", "Campus des métiers de Rennes", OrganisationKind.TRAINING_CENTRE, "Cobotique"),
        ("69123", "Université de Lyon", OrganisationKind.UNIVERSITY, "Fabrication additive"),
        ("31555", "CCI Toulouse", OrganisationKind.CCI, "Maintenance prédictive"),
        ("97411", "CCI Réunion", OrganisationKind.CCI, "Campus océan"),
    ]
    for i, (code, name, kind, title) in enumerate(laureates):
        decided_application(
            s.call,
            commune_code=code,
            organisation_name=name,
            kind=kind,
            title=title,
            awards={bdt: f"{(i + 1) * 50000}.00", etat: f"{(i + 1) * 100000}.00"},
        )
    decided_application(s.call, outcome="rejected", commune_code="75056")
    publish_results(s.call)
    return str(live_server.url), s.call.slug  # type: ignore[attr-defined]


def test_visitor_reads_results_map_table_and_filters(
    page: Page, results_site: tuple[str, str]
) -> None:
    base, slug = results_site
    page.goto(f"{base}/appels/{slug}/")
    page.get_by_role("link", name="Voir les résultats").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Résultats de l’appel")
    expect(
        page.get_by_text(
            "6 lauréats sur 7 candidatures, dans 4 régions métropolitaines et 1 d'outre-mer."
        )
    ).to_be_visible()
    carte = page.get_by_role("img", name="Carte des lauréats par région")
    expect(carte).to_be_visible()
    expect(page.locator('svg.laureat-map path[data-region="27"]')).to_have_attribute(
        "data-value", "2"
    )

    regions_table = page.get_by_role("table", name="Lauréats, candidatures et montants")
    expect(regions_table).to_be_hidden()
    page.get_by_role("button", name="Voir les données sous forme de tableau").click()
    expect(regions_table).to_be_visible()
    expect(regions_table.get_by_role("row", name="La Réunion")).to_contain_text("1")
    page.screenshot(path="/tmp/results.png", full_page=True)

    page.get_by_label("Région", exact=True).select_option(label="La Réunion")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("1 lauréat affiché")).to_be_visible()
    laureates = page.locator("#table-laureats")
    expect(laureates).to_contain_text("CCI Réunion")
    expect(laureates).not_to_contain_text("Université de Lyon")
    expect(page.get_by_label("Région", exact=True)).to_have_value("04")
    page.screenshot(path="/tmp/results-filtered.png", full_page=True)
