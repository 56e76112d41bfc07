"""The manager's review in a real browser: proposal, forced pair, confirmation, progress,
reminders, ranking and the XLSX export."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from laureat.review.domain import review_settings_update
from laureat.review.models import Assignment
from tests.factories import PASSWORD
from tests.review.factories import make_review_setup
from tests.review.test_domain_manager import submit_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_runs_the_review_from_proposal_to_export(
    page: Page, live_server: Any, reference_data: None, settings: Any, tmp_path: Path
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    setup = make_review_setup(applications=3, reviewers=3, k=2, assign=False)
    call = setup.call
    forced_application, forced_reviewer = setup.applications[2], setup.reviewers[2]

    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_role("textbox", name="Adresse électronique").fill(setup.manager.email)
    page.get_by_role("textbox", name="Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.goto(live_server.url + reverse("review:manage", kwargs={"slug": call.slug}))
    expect(page.get_by_role("heading", level=1)).to_have_text("Évaluation de l’appel")
    expect(page.locator("#chiffres")).to_contain_text("Candidatures à évaluer")

    page.get_by_role("link", name="Affectations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Affectations")
    page.get_by_role("button", name="Calculer une proposition").click()
    expect(page.get_by_role("heading", name="Proposition (non enregistrée)")).to_be_visible()
    expect(page.locator("#apercu tbody tr")).to_have_count(3)
    assert Assignment.objects.filter(reviewer__call=call).count() == 0

    page.get_by_label("Candidature").select_option(str(forced_application.pk))
    page.get_by_label("Évaluateur").select_option(str(forced_reviewer.pk))
    page.get_by_role("button", name="Imposer", exact=True).click()
    expect(page.get_by_text("(affectation imposée)")).to_be_visible()
    row = page.locator("#apercu tbody tr").filter(has_text=forced_application.reference)
    expect(row).to_contain_text("imposée")

    mail.outbox.clear()  # the applicants' receipts
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("Affectations enregistrées :")).to_be_visible()
    saved = Assignment.objects.filter(reviewer__call=call)
    assert saved.count() == 6
    assert saved.filter(application=forced_application, reviewer=forced_reviewer).exists()
    assert len(mail.outbox) == len({a.reviewer_id for a in saved})

    # Reviews come in; the phase ends tomorrow: the others are late.
    first = setup.reviewers[0]
    for assignment in saved.filter(reviewer=first):
        submit_review(assignment, value=4)
    for assignment in saved.exclude(reviewer=first)[:2]:
        submit_review(assignment, value=2)
    now = timezone.now()
    review_settings_update(
        call=call,
        by=setup.manager,
        opens_at=now - timedelta(days=5),
        closes_at=now + timedelta(days=1),
    )
    mail.outbox.clear()

    page.get_by_role("link", name="Avancement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avancement de l’évaluation")
    expect(page.locator("#par-evaluateur")).to_contain_text("en retard")
    page.get_by_role("button", name="Relancer les retardataires").click()
    expect(page.get_by_text("relance(s) envoyée(s) par courriel")).to_be_visible()
    assert mail.outbox
    assert all("Rappel" in m.subject for m in mail.outbox)

    page.get_by_role("link", name="Classement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Classement")
    expect(page.locator("#classement tbody tr").first).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter (Excel)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(target).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    submitted = sum(1 for a in saved if hasattr(a, "review"))
    assert rows[0][:4] == ("Référence", "Candidature", "Porteur", "Évaluateur")
    assert len(rows) - 1 == submitted
