"""A manager prepares the decision letters, previews one and sends them all (Chromium)."""

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from laureat.notifications.enums import MessageState
from laureat.notifications.models import OutboxMessage
from laureat.programmes.enums import ProgrammeRoleKind
from tests.factories import (
    PASSWORD,
    ProgrammeRoleFactory,
    UserFactory,
    make_open_call_with_envelopes,
)
from tests.notifications.builders import PublishedCall, publish_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server: Any, reference_data: None) -> dict[str, Any]:
    published = publish_call(make_open_call_with_envelopes())
    manager = UserFactory(email="gestionnaire@example.fr")
    ProgrammeRoleFactory(
        programme=published.call.programme, user=manager, role=ProgrammeRoleKind.MANAGER
    )
    return {"url": str(live_server.url), "published": published}


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/compte/connexion/")
    page.get_by_role("textbox", name="Adresse électronique").fill(email)
    page.get_by_role("textbox", name="Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_manager_prepares_previews_and_sends_letters(page: Page, site: dict[str, Any]) -> None:
    url = site["url"]
    published: PublishedCall = site["published"]
    _sign_in(page, url, "gestionnaire@example.fr")

    page.goto(f"{url}/gestion/appels/{published.call.slug}/courriers/")
    expect(page.get_by_role("heading", name="Courriers de décision", level=1)).to_be_visible()
    page.get_by_role("button", name="Préparer les courriers").click()
    expect(page.get_by_text("3 courriers préparés")).to_be_visible()
    expect(page.get_by_text("Brouillon : 3")).to_be_visible()

    reference = published.laureate.application.reference
    page.get_by_role("row", name=re.compile(reference)).get_by_role("link", name="Voir").click()
    expect(page.get_by_role("heading", name="Aperçu du message")).to_be_visible()
    expect(page.locator("#message-subject")).to_contain_text(reference)
    expect(page.locator("#message-body")).to_contain_text("Votre projet est lauréat.")
    expect(
        page.get_by_role("link", name=re.compile("Télécharger la lettre de décision"))
    ).to_be_visible()
    page.get_by_role("link", name="Retour aux courriers").click()

    expect(page.get_by_text("Brouillon : 3")).to_be_visible()
    page.get_by_role("button", name="Envoyer tous les brouillons (3)").click()
    expect(page.get_by_text("3 messages vont être envoyés")).to_be_visible()
    page.get_by_role("button", name="Confirmer l'envoi de 3 messages").click()

    expect(page.get_by_text("3 messages envoyés.")).to_be_visible()
    expect(page.get_by_text("Envoyé : 3")).to_be_visible()
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {MessageState.SENT}
