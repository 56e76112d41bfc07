"""A reviewer confirms no conflict, reads, scores and submits; declares a conflict on
another file (Chromium, Playwright)."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from laureat.review.enums import AssignmentState, ConflictSource
from laureat.review.models import Assignment, Conflict, Review
from tests.factories import PASSWORD
from tests.review.factories import ReviewSetup, make_review_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server: Any, reference_data: None) -> dict[str, Any]:
    setup = make_review_setup(applications=2, reviewers=1, k=1)
    return {"url": str(live_server.url), "setup": setup}


def test_reviewer_confirms_reads_scores_submits_and_declares_a_conflict(
    page: Page, site: dict[str, Any]
) -> None:
    url: str = site["url"]
    setup: ReviewSetup = site["setup"]
    reviewer = setup.reviewers[0]
    first, second = setup.applications
    criteria = list(setup.call.criteria.order_by("position", "pk"))

    page.goto(url + "/compte/connexion/")
    page.get_by_role("textbox", name="Adresse électronique").fill(reviewer.user.email)
    page.get_by_role("textbox", name="Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.get_by_role("link", name="Évaluation", exact=True).first.click()
    expect(page.get_by_role("heading", name="Mon espace d'évaluation")).to_be_visible()
    expect(page.get_by_text("0 sur 2 rendue(s).")).to_be_visible()

    # First file: no conflict, read, draft, submit.
    page.get_by_role("row", name=first.title).get_by_role(
        "link", name="Vérifier les conflits d'intérêts"
    ).click()
    expect(page.get_by_role("heading", name=first.title)).to_be_visible()
    expect(page.get_by_text("Budget")).to_have_count(0)
    page.get_by_role("button", name="Je n'ai aucun conflit d'intérêts").click()
    expect(page.get_by_text("Absence de conflit confirmée")).to_be_visible()
    expect(page.get_by_role("heading", name="Budget")).to_be_visible()

    page.get_by_role("link", name="Évaluer ce dossier").click()
    expect(page.get_by_role("button", name="Rendre l'évaluation")).to_be_visible()
    page.locator(f"#id_score_{criteria[0].pk}").fill("4")
    page.locator(f"#id_comment_{criteria[0].pk}").fill("Projet solide")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Brouillon enregistré.")).to_be_visible()
    expect(page.locator(f"#id_comment_{criteria[0].pk}")).to_have_value("Projet solide")

    page.locator(f"#id_score_{criteria[1].pk}").fill("3,5")
    page.get_by_label("Recommandation").select_option("fund")
    page.get_by_label("Appréciation générale").fill("À soutenir.")
    page.get_by_role("button", name="Rendre l'évaluation").click()
    expect(page.get_by_text("Évaluation rendue. Merci !")).to_be_visible()
    expect(page.get_by_text("seul un gestionnaire du programme peut la rouvrir")).to_be_visible()

    # Second file: a conflict of interest.
    page.goto(url + "/evaluation/")
    expect(page.get_by_text("1 sur 2 rendue(s).")).to_be_visible()
    page.get_by_role("row", name=second.title).get_by_role(
        "link", name="Vérifier les conflits d'intérêts"
    ).click()
    expect(page.get_by_role("heading", name=second.title)).to_be_visible()
    page.get_by_label("Nature du conflit d'intérêts").fill("J'ai travaillé pour ce porteur.")
    page.get_by_role("button", name="Déclarer un conflit").click()
    expect(page.get_by_text("Conflit d'intérêts enregistré")).to_be_visible()
    expect(page.get_by_role("row", name=second.title)).to_have_count(0)

    review = Review.objects.get(assignment__application=first, assignment__reviewer=reviewer)
    assert review.submitted_at is not None
    assert Assignment.objects.get(application=first, reviewer=reviewer).state == (
        AssignmentState.CONFIRMED
    )
    assert Conflict.objects.filter(
        application=second, reviewer=reviewer, source=ConflictSource.DECLARED
    ).exists()
