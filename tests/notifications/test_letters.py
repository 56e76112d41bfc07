"""Decision letters: the PDF says the decision, the amounts, the reasons, the scores if allowed."""

from decimal import Decimal

import pytest

from laureat.core.money import format_eur
from laureat.notifications.letters import decision_letter_pdf, latin1, letter_filename
from laureat.notifications.models import NotificationSettings
from laureat.notifications.queries import call_score_summaries
from laureat.programmes.models import Call
from laureat.review.models import ReviewSettings
from tests.factories import OpenCall
from tests.notifications.builders import PublishedCall, publish_call, review
from tests.notifications.pdftext import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(open_call_setup: OpenCall) -> PublishedCall:
    return publish_call(open_call_setup)


def _eur(amount: str) -> str:
    return latin1(format_eur(Decimal(amount)))


def _text(decision: object, **kwargs: object) -> str:
    return pdf_text(decision_letter_pdf(decision, compress=False, **kwargs))  # type: ignore[arg-type]


def test_letter_pdf_is_a_pdf(published: PublishedCall) -> None:
    data = decision_letter_pdf(published.laureate)

    assert data[:5] == b"%PDF-"
    assert letter_filename(published.laureate) == (
        f"decision-{published.laureate.application.reference}.pdf"
    )


def test_letter_laureate_lists_amounts_per_funder_and_total(published: PublishedCall) -> None:
    text = _text(published.laureate)

    assert "retenu comme lauréat" in text
    assert f"Banque des Territoires {_eur('50000')}" in text
    assert f"État {_eur('100000')}" in text
    assert f"Total {_eur('150000')}" in text
    assert "Convention avec Banque des Territoires" in text
    assert published.call.title in text
    assert published.call.programme.name in text
    assert published.laureate.application.organisation.name in text
    assert "Campus lauréat" in text


def test_letter_laureate_includes_next_steps_and_signatory(published: PublishedCall) -> None:
    settings = NotificationSettings(
        call=published.call,
        laureate_next_steps="Envoyez le RIB de la structure avant le 15 janvier.",
        signatory_name="Claire Dupont",
        signatory_title="Directrice du programme",
        contact_email="programme@example.fr",
    )

    text = _text(published.laureate, notification_settings=settings)

    assert "Envoyez le RIB de la structure avant le 15 janvier." in text
    assert "Claire Dupont Directrice du programme" in text
    assert "programme@example.fr" in text


def test_letter_waiting_list_gives_rank_and_meaning(published: PublishedCall) -> None:
    text = _text(published.waiting)

    assert "liste d'attente, au rang 2" in text
    assert "dans l'ordre de leur rang" in text


def test_letter_rejected_gives_reasons_without_scores_by_default(
    published: PublishedCall,
) -> None:
    review(published.rejected.application, [Decimal("2"), Decimal("3")])

    text = _text(published.rejected)

    assert "n'a pas été retenu" in text
    assert "Le plan de financement ne démontre pas la pérennité du projet." in text
    assert "Résumé de l'évaluation" not in text


def _reviewed(published: PublishedCall) -> None:
    call: Call = published.call  # criteria: "Qualité du projet" (x2), "Ancrage territorial"
    review(published.laureate.application, [Decimal("5"), Decimal("4")], name="Laurent")
    review(published.rejected.application, [Decimal("2"), Decimal("3")], name="Rambert")
    review(published.rejected.application, [Decimal("3"), Decimal("3")], name="Roussel")
    assert call.criteria.count() == 2
    # Raw means, so that the expected figures are easy to check by hand.
    ReviewSettings.objects.update_or_create(call=call, defaults={"normalise_scores": False})


def test_letter_rejected_shows_score_summary_when_allowed(published: PublishedCall) -> None:
    _reviewed(published)
    settings = NotificationSettings(call=published.call, share_score_summary_with_rejected=True)

    text = _text(published.rejected, notification_settings=settings)

    # Weighted on 20: (2*2/5 + 1*3/5)/3*20 = 9.33 and (2*3/5 + 1*3/5)/3*20 = 12 -> 10.67.
    assert "Note moyenne de votre projet (sur 20) 10,67" in text
    # The only laureate: (2*5/5 + 1*4/5)/3*20 = 18.67.
    assert "Note du dernier projet retenu (sur 20) 18,67" in text
    assert "Moyenne « Qualité du projet » 2,50 / 5" in text
    assert "Moyenne « Ancrage territorial » 3,00 / 5" in text
    for name in ("Laurent", "Rambert", "Roussel"):
        assert name not in text


def test_letter_score_summary_never_on_a_laureate_letter(published: PublishedCall) -> None:
    _reviewed(published)
    settings = NotificationSettings(call=published.call, share_score_summary_with_rejected=True)

    text = _text(published.laureate, notification_settings=settings)

    assert "Résumé de l'évaluation" not in text


def test_score_summaries_of_unreviewed_call_are_empty(published: PublishedCall) -> None:
    assert call_score_summaries(published.call) == {}
