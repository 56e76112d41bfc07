"""An applicant drafts and submits an application in a real browser (Chromium, Playwright)."""

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from laureat.applicants.enums import MembershipRole
from laureat.applications.models import Application, Submission
from laureat.programmes.models import Call
from tests.documents.samples import pdf_bytes
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OpenCall,
    OrganisationFactory,
    UserFactory,
    make_complete_draft,
    make_open_call_with_envelopes,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(
    live_server: object, reference_data: None, settings: Any, tmp_path: Path
) -> dict[str, object]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LAUREAT_VIRUS_SCAN_COMMAND = ""
    setup: OpenCall = make_open_call_with_envelopes()
    user = UserFactory(email="porteuse@example.fr")
    organisation = OrganisationFactory(name="Campus des métiers de Chalon")
    MembershipFactory(user=user, organisation=organisation, role=MembershipRole.ADMIN)
    return {"url": str(live_server.url), "setup": setup, "user": user}  # type: ignore[attr-defined]


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/compte/connexion/")
    page.get_by_role("textbox", name="Adresse électronique").fill(email)
    page.get_by_role("textbox", name="Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _continue(page: Page) -> None:
    page.get_by_role("button", name="Enregistrer et continuer").click()


def test_applicant_drafts_and_submits_with_receipt(
    page: Page, site: dict[str, object], tmp_path: Path
) -> None:
    url = str(site["url"])
    setup: OpenCall = site["setup"]  # type: ignore[assignment]
    _sign_in(page, url, "porteuse@example.fr")

    page.goto(f"{url}/appels/{setup.call.slug}/")
    page.get_by_role("link", name="Candidater").click()
    page.get_by_label("Titre du projet").fill("Plateau jumeau numérique")
    page.get_by_role("button", name="Créer le brouillon").click()

    expect(page.get_by_text("Étape 1 sur 9")).to_be_visible()
    page.get_by_label("Résumé").fill("Un plateau partagé entre lycée, IUT et industriels.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    # The save posts and redirects: wait for its answer before reloading, or the
    # reload races the navigation and Chromium detaches the page.
    expect(page.get_by_text("Enregistré.", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_label("Résumé")).to_have_value(
        "Un plateau partagé entre lycée, IUT et industriels."
    )
    _continue(page)

    expect(page.get_by_text("Étape 2 sur 9")).to_be_visible()
    page.get_by_label("Rechercher une commune").fill("Chalon-sur-Sa")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("radio", name=re.compile(r"^Chalon-sur-Saône \(71076\)")).check(force=True)
    _continue(page)
    expect(page.get_by_text("Étape 3 sur 9")).to_be_visible()
    page.reload()

    expect(page.get_by_text("Étape 3 sur 9")).to_be_visible()
    page.get_by_label(setup.theme.name).check(force=True)
    _continue(page)

    page.get_by_label("Nombre d'apprenants visés").fill("1400")
    page.get_by_label("Date de démarrage").fill("2027-09-01")
    _continue(page)

    expect(page.get_by_text("Étape 5 sur 9")).to_be_visible()
    rows = page.locator("fieldset.laureat-budget-row")
    rows.nth(0).get_by_label("Catégorie").select_option("engineering")
    rows.nth(0).get_by_label("Montant (€)").fill("100000")
    rows.nth(1).get_by_label("Catégorie").select_option("investment")
    rows.nth(1).get_by_label("Montant (€)").fill("200000")
    expect(page.get_by_test_id("total-expenses")).to_have_text("300 000,00 €")
    _continue(page)
    expect(page.get_by_text("Étape 6 sur 9")).to_be_visible()
    page.reload()

    expect(page.get_by_text("Étape 6 sur 9")).to_be_visible()
    page.get_by_label("Demande à Banque des Territoires (€)").fill("50000")
    page.get_by_label("Demande à État (€)").fill("100000")
    page.get_by_label("Fonds propres (€)").fill("150000")
    expect(page.get_by_test_id("total-resources")).to_have_text("300 000,00 €")
    expect(page.get_by_text("Le budget est équilibré")).to_be_visible()
    _continue(page)

    expect(page.get_by_text("Étape 7 sur 9")).to_be_visible()
    _continue(page)
    expect(page.get_by_text("Étape 8 sur 9")).to_be_visible()
    document = tmp_path / "Lettre de soutien.pdf"
    document.write_bytes(pdf_bytes())
    page.get_by_label("Fichier").set_input_files(str(document))
    page.get_by_role("button", name="Ajouter le fichier").click()
    expect(page.get_by_text("Le fichier « Lettre de soutien.pdf » a été ajouté")).to_be_visible()
    expect(page.get_by_text("Étape 8 sur 9")).to_be_visible()
    page.get_by_role("link", name="Continuer").click()

    expect(page.get_by_text("La candidature est complète")).to_be_visible()
    page.get_by_role("button", name="Déposer la candidature").click()

    expect(page.get_by_role("heading", name="Candidature déposée")).to_be_visible()
    submission = Submission.objects.get()
    expect(page.get_by_test_id("receipt-number")).to_have_text(submission.receipt_number)
    expect(page.get_by_test_id("receipt-sha256")).to_have_text(submission.snapshot_sha256)
    attachments = submission.snapshot["attachments"]
    assert [(a["name"], a["sha256"]) for a in attachments] == [
        ("Lettre de soutien.pdf", hashlib.sha256(pdf_bytes()).hexdigest())
    ]
    assert Application.objects.get().state == "submitted"


def test_submission_after_deadline_is_refused(page: Page, site: dict[str, object]) -> None:
    url = str(site["url"])
    setup: OpenCall = site["setup"]  # type: ignore[assignment]
    application = make_complete_draft(setup.call, site["user"])  # type: ignore[arg-type]
    _sign_in(page, url, "porteuse@example.fr")
    page.goto(f"{url}/candidatures/{application.pk}/etapes/recapitulatif/")
    expect(page.get_by_text("La candidature est complète")).to_be_visible()

    Call.objects.filter(pk=setup.call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    page.get_by_role("button", name="Déposer la candidature").click()

    expect(page.get_by_text(re.compile("L.appel est clos depuis le"))).to_be_visible()
    assert Application.objects.get(pk=application.pk).state == "draft"
    assert Submission.objects.count() == 0
