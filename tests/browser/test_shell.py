"""The public shell in a real browser: home, a call page, sign-in, language, sign-out."""

import pytest
from playwright.sync_api import Page, expect

from laureat.demo.builder import DEMO_PASSWORD, build_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server: object, reference_data: None) -> str:
    build_demo(seed=2022)
    return str(live_server.url)  # type: ignore[attr-defined]


def test_visitor_finds_the_demo_call_and_its_59_applications(page: Page, demo_site: str) -> None:
    page.goto(demo_site + "/")
    expect(page).to_have_title("Accueil — Laureat")
    page.get_by_role(
        "link", name="Territoires d'industrie 4.0 : anticiper les compétences de demain"
    ).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Territoires d'industrie 4.0 : anticiper les compétences de demain"
    )
    expect(page.get_by_text("59 candidatures déposées")).to_be_visible()
    expect(page.get_by_text("14 régions, dont 2 d’outre-mer")).to_be_visible()
    budget = page.get_by_role("table").filter(has_text="Banque des Territoires")
    expect(budget).to_contain_text("1 500 000,00 €")
    expect(budget).to_contain_text("Études d'ingénierie")


def test_manager_signs_in_switches_to_english_and_signs_out(page: Page, demo_site: str) -> None:
    page.goto(demo_site + "/compte/connexion/")
    page.get_by_role("textbox", name="Adresse électronique").fill("gestionnaire@laureat.example")
    page.get_by_role("textbox", name="Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.get_by_title("Sélectionner une langue").locator("visible=true").click()
    page.get_by_role("button", name="EN - English").locator("visible=true").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_wrong_password_shows_a_clear_message(page: Page, demo_site: str) -> None:
    page.goto(demo_site + "/compte/connexion/")
    page.get_by_role("textbox", name="Adresse électronique").fill("gestionnaire@laureat.example")
    page.get_by_role("textbox", name="Mot de passe").fill("not-the-password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Adresse électronique ou mot de passe incorrect.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Adresse électronique")).to_have_value(
        "gestionnaire@laureat.example"
    )
