"""A manager checks eligibility in a real browser: a rule, re-evaluation, the failing
applications, one declared ineligible with a reason, the rest confirmed in bulk."""

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from laureat.applicants.enums import OrganisationKind
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.programmes.enums import ProgrammeRoleKind
from tests.eligibility.test_domain import submitted
from tests.factories import (
    PASSWORD,
    ProgrammeRoleFactory,
    UserFactory,
    make_open_call_with_envelopes,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server: object, reference_data: None, settings: Any) -> dict[str, Any]:
    setup = make_open_call_with_envelopes()
    manager = UserFactory(email="gestionnaire@example.fr")
    ProgrammeRoleFactory(
        programme=setup.call.programme, user=manager, role=ProgrammeRoleKind.MANAGER
    )
    applications = {
        "university": submitted(setup.call, kind=OrganisationKind.UNIVERSITY, title="Campus IUT"),
        "company": submitted(setup.call, kind=OrganisationKind.COMPANY, title="Atelier privé"),
        "school": submitted(setup.call, kind=OrganisationKind.UNIVERSITY, title="Lycée 4.0"),
    }
    return {"url": str(live_server.url), "call": setup.call, "applications": applications}  # type: ignore[attr-defined]


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/compte/connexion/")
    page.get_by_role("textbox", name="Adresse électronique").fill(email)
    page.get_by_role("textbox", name="Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_manager_checks_eligibility(page: Page, site: dict[str, Any]) -> None:
    url, call = site["url"], site["call"]
    company: Application = site["applications"]["company"]
    _sign_in(page, url, "gestionnaire@example.fr")

    # A rule: only universities may carry a project.
    page.goto(f"{url}/gestion/appels/{call.slug}/recevabilite/regles/")
    page.get_by_role("link", name="Types de structure porteuse admis").click()
    expect(page.get_by_role("heading", name=re.compile("Nouvelle règle"))).to_be_visible()
    page.get_by_label("Université").check(force=True)
    page.get_by_role("button", name="Ajouter la règle").click()
    expect(page.get_by_text("Règle ajoutée.")).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile("Structure porteuse : Université"))
    ).to_be_visible()

    page.get_by_role("button", name="Réévaluer les candidatures").click()
    expect(page.get_by_text("3 candidatures réévaluées.")).to_be_visible()

    # The failing ones.
    page.get_by_role("link", name="Voir les candidatures").click()
    expect(page.get_by_role("heading", name="Recevabilité des candidatures")).to_be_visible()
    page.get_by_label("Verdict des règles").select_option("failed")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("1 candidature affichée")).to_be_visible()
    expect(page.get_by_role("link", name=company.reference)).to_be_visible()

    # Declared ineligible, with a reason.
    page.get_by_label(f"Sélectionner {company.reference}").check(force=True)
    page.get_by_label("Action", exact=True).select_option("ineligible")
    page.get_by_label(re.compile("^Motif")).fill("Une entreprise ne peut pas porter le projet.")
    page.get_by_role("button", name="Appliquer", exact=True).click()
    expect(page.get_by_text("1 candidature déclarée irrecevable")).to_be_visible()

    # The rest confirmed in bulk: every application passing the rules.
    page.get_by_label("Verdict des règles").select_option("passed")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("2 candidatures affichées")).to_be_visible()
    page.get_by_label(re.compile("Appliquer à toutes les 2 candidatures filtrées")).check(
        force=True
    )
    page.get_by_label("Action", exact=True).select_option("eligible")
    page.get_by_role("button", name="Appliquer", exact=True).click()
    expect(page.get_by_text("2 candidatures déclarées recevables.")).to_be_visible()

    states = dict(Application.objects.values_list("title", "state"))
    assert states == {
        "Campus IUT": ApplicationState.ELIGIBLE,
        "Atelier privé": ApplicationState.INELIGIBLE,
        "Lycée 4.0": ApplicationState.ELIGIBLE,
    }

    # The report page says who decided, when and why.
    page.goto(f"{url}/gestion/appels/{call.slug}/recevabilite/candidatures/{company.pk}/")
    expect(page.get_by_text("« Une entreprise ne peut pas porter le projet. »")).to_be_visible()
