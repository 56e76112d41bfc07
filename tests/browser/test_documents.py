"""Attachments in a real browser: an applicant uploads a PDF; a text file named .pdf is refused."""

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from laureat.applicants.enums import MembershipRole
from tests.documents.samples import pdf_bytes
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    MembershipFactory,
    UserFactory,
    make_open_call_with_envelopes,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def attachments_url(live_server: Any, settings: Any, tmp_path: Path, page: Page) -> str:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LAUREAT_VIRUS_SCAN_COMMAND = ""
    applicant = UserFactory(email="porteuse@example.fr")
    draft = ApplicationFactory(
        call=make_open_call_with_envelopes().call, title="Plateau de jumeau numérique"
    )
    MembershipFactory(user=applicant, organisation=draft.organisation, role=MembershipRole.ADMIN)
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_role("textbox", name="Adresse électronique").fill(applicant.email)
    page.get_by_role("textbox", name="Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    return str(live_server.url) + reverse("documents:application_attachments", args=[draft.pk])


def test_applicant_uploads_a_pdf_and_sees_it_listed(
    page: Page, attachments_url: str, tmp_path: Path
) -> None:
    document = tmp_path / "Lettre de soutien.pdf"
    document.write_bytes(pdf_bytes())
    page.goto(attachments_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Plateau de jumeau numérique")
    expect(page.get_by_text("Aucune pièce jointe pour l’instant.")).to_be_visible()

    page.get_by_label("Fichier").set_input_files(str(document))
    page.get_by_label("Libellé (facultatif)").fill("Soutien de la région")
    page.get_by_role("button", name="Ajouter le fichier").click()

    expect(page.get_by_text("Le fichier « Lettre de soutien.pdf » a été ajouté")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Soutien de la région")
    expect(row).to_contain_text("Lettre de soutien.pdf")
    expect(row).to_contain_text("PDF")
    with page.expect_download() as download_info:
        row.get_by_role("link").click()
    download = download_info.value
    assert download.suggested_filename == "Lettre de soutien.pdf"
    assert Path(download.path()).read_bytes() == pdf_bytes()


def test_text_file_named_pdf_is_refused_with_the_message(
    page: Page, attachments_url: str, tmp_path: Path
) -> None:
    fake = tmp_path / "devis.pdf"
    fake.write_text("Ceci n'est pas un PDF, seulement du texte.\n")
    page.goto(attachments_url)
    page.get_by_label("Fichier").set_input_files(str(fake))
    page.get_by_role("button", name="Ajouter le fichier").click()

    expect(page.get_by_text("Le fichier « devis.pdf » n'est pas d'un type accepté")).to_be_visible()
    expect(page.get_by_text("Aucune pièce jointe pour l’instant.")).to_be_visible()
