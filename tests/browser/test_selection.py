"""A manager runs the selection of a call in a real browser, up to published results."""

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from laureat.applications.models import Application
from laureat.programmes.enums import CallState
from laureat.selection.models import Decision
from tests.factories import PASSWORD
from tests.selection.test_deliberation import make_deliberation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/compte/connexion/")
    page.get_by_role("textbox", name="Adresse électronique").fill(email)
    page.get_by_role("textbox", name="Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_manager_sets_policy_deliberates_and_publishes(
    page: Page, live_server: Any, reference_data: None, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    url = str(live_server.url)
    d = make_deliberation()
    best, second, third, fourth = d.applications
    d.manager.first_name, d.manager.last_name = "Camille", "Gestionnaire"
    d.manager.save()
    _sign_in(page, url, d.manager.email)

    # Policy and proposal.
    page.goto(f"{url}/gestion/appels/{d.call.slug}/selection/")
    expect(page.get_by_role("heading", name="Sélection : politique et proposition")).to_be_visible()
    page.get_by_label("Score minimal sur 20 (facultatif)").fill("4")
    page.get_by_role("button", name="Calculer la proposition").click()
    expect(page.get_by_text("Proposition calculée : 2 lauréats proposés.")).to_be_visible()
    expect(page.locator("#proposes")).to_contain_text(best.reference)
    expect(page.locator("#non-proposes")).to_contain_text("Hors budget")
    expect(page.locator("#non-proposes")).to_contain_text("Il lui aurait fallu un score de")
    expect(
        page.get_by_role("heading", name="Comparaison avec le classement simple")
    ).to_be_visible()
    expect(page.locator("#totaux-cofinanceurs")).to_contain_text("100 000,00")

    # A meeting with its members and quorum.
    page.get_by_role("link", name="Séances du comité").click()
    expect(page.get_by_role("heading", name="Séances du comité de sélection")).to_be_visible()
    page.get_by_role("link", name="Nouvelle séance").click()
    expect(page.get_by_role("heading", name="Nouvelle séance du comité")).to_be_visible()
    page.get_by_label("Date et heure de la séance").fill("2026-12-01T14:30")
    page.get_by_label("Lieu ou lien de visioconférence").fill("Salle du conseil, Paris")
    page.get_by_label(re.compile("Camille Gestionnaire")).check(force=True)
    page.get_by_label("Quorum").fill("1")
    page.get_by_role("button", name="Enregistrer la séance").click()
    expect(page.get_by_text("La séance est enregistrée.")).to_be_visible()
    expect(page.locator("#quorum")).to_have_text("1 présent(s) pour un quorum de 1")

    # Load the proposal, change one decision.
    page.get_by_label("Taille de la liste d’attente").fill("1")
    page.get_by_role("button", name="Charger la proposition").click()
    expect(page.get_by_text("La proposition est chargée : 4 décisions en cours")).to_be_visible()
    expect(page.locator("#decision-" + str(third.pk))).to_contain_text("Liste d'attente")
    page.get_by_role("link", name=f"Modifier {second.reference}").click()
    expect(page.get_by_role("heading", name=f"Décision sur {second.reference}")).to_be_visible()
    page.get_by_role("combobox", name="Décision").select_option("waiting_list")
    page.get_by_label("Rang sur la liste d'attente").fill("1")
    page.get_by_label("Motifs").fill("Le comité attend le plan de financement.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text(f"La décision sur {second.reference} est enregistrée.")).to_be_visible()
    expect(page.locator("#decision-" + str(second.pk))).to_contain_text("modifiée")
    expect(page.locator("#totaux-decisions")).to_contain_text("175 000,00")
    assert set(Application.objects.values_list("state", flat=True)) == {"in_review"}

    # Publish, after a confirmation that restates what will happen.
    page.get_by_role("link", name="Publier toutes les décisions").click()
    expect(page.locator("#recapitulatif")).to_contain_text("1 candidature(s) deviennent lauréates")
    expect(page.locator("#recapitulatif")).to_contain_text("2 passent en liste d’attente")
    page.get_by_role("button", name="Confirmer la publication").click()
    expect(page.get_by_text("Les 4 décisions sont publiées")).to_be_visible()

    page.goto(f"{url}/appels/{d.call.slug}/")
    expect(page.get_by_text("Résultats publiés").first).to_be_visible()
    d.call.refresh_from_db()
    assert d.call.state == CallState.RESULTS_PUBLISHED
    assert Decision.objects.filter(published_at__isnull=True).count() == 0
    assert Application.objects.get(pk=fourth.pk).state == "rejected"
