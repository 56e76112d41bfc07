"""Accounts in a real browser: sign up, confirm by email, land signed in; the sign-in lock.

The live server runs in a thread of this process, so the locmem email backend's
``mail.outbox`` (the ``mailoutbox`` fixture) receives what the server sends.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from laureat.accounts.models import User
from laureat.accounts.throttle import EMAIL_LIMIT
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server: object, reference_data: None) -> str:
    return str(live_server.url)  # type: ignore[attr-defined]


def test_visitor_signs_up_confirms_by_email_and_lands_signed_in(
    page: Page, site: str, mailoutbox: list[mail.EmailMessage]
) -> None:
    page.goto(site + "/")
    page.get_by_role("link", name="Créer un compte").locator("visible=true").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte sur Laureat")

    page.get_by_role("textbox", name="Adresse électronique").fill("alex.dupont@example.fr")
    page.get_by_role("textbox", name="Prénom").fill("Alex")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Dupont")
    page.get_by_role("textbox", name=re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("textbox", name=re.compile(r"^Confirmation du mot de passe")).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    expect(
        page.get_by_text("Un message vient d’être envoyé à alex.dupont@example.fr.")
    ).to_be_visible()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alex.dupont@example.fr"]
    match = re.search(r"http://\S+/compte/confirmer/\S+/", str(mailoutbox[0].body))
    assert match is not None

    page.goto(match.group(0))

    expect(page.get_by_text("Votre adresse électronique est confirmée")).to_be_visible()
    expect(page.get_by_role("link", name="Mon compte")).to_be_visible()
    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect(page.get_by_text("alex.dupont@example.fr")).to_be_visible()
    assert User.objects.get(email="alex.dupont@example.fr").is_active is True


def test_six_wrong_passwords_lock_the_address(page: Page, site: str) -> None:
    UserFactory(email="camille@example.fr")
    page.goto(site + "/compte/connexion/")
    for _ in range(EMAIL_LIMIT + 1):
        page.get_by_role("textbox", name="Adresse électronique").fill("camille@example.fr")
        page.get_by_role("textbox", name="Mot de passe").fill("pas-le-bon")
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("alert")).to_be_visible()

    expect(page.get_by_role("alert")).to_contain_text("Trop de tentatives de connexion échouées.")
    expect(page.get_by_role("alert")).to_contain_text("réessayez dans 15 minutes")

    page.get_by_role("textbox", name="Adresse électronique").fill("camille@example.fr")
    page.get_by_role("textbox", name="Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Trop de tentatives")
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
