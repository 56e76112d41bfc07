"""Registering an organisation and inviting a colleague, in a real browser."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from laureat.applicants.domain import invitation_create
from laureat.applicants.enums import MembershipRole
from laureat.applicants.models import Invitation, Organisation
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server: object, reference_data: None) -> str:
    return str(live_server.url)  # type: ignore[attr-defined]


def sign_in(page: Page, site: str, email: str) -> None:
    page.goto(site + "/compte/connexion/?next=/organisations/")
    page.get_by_role("textbox", name="Adresse électronique").fill(email)
    page.get_by_role("textbox", name="Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes organisations")


def test_register_with_a_bad_siret_then_a_good_one_and_invite_a_colleague(
    page: Page, site: str
) -> None:
    UserFactory(email="claire@campus.example")
    sign_in(page, site, "claire@campus.example")
    page.get_by_role("link", name="Enregistrer une organisation").click()

    page.locator("#id_name").fill("Campus des métiers de Bourgogne")
    page.locator("#id_siret").fill("130 025 265 00014")
    page.locator("#id_kind").select_option(label="Association")
    page.locator("#id_legal_category").select_option("9220")
    page.locator("#id_address").fill("4 rue de l'Industrie")
    page.locator("#id_commune").fill("71100 Chalon-sur-Saône")
    # Typed SIRETs are checked live (static JS), with the server's message.
    checksum = "Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas."
    expect(page.locator("#siret-live")).to_contain_text(checksum)
    page.get_by_role("button", name="Enregistrer l’organisation").click()

    expect(page.locator("#id_siret-desc-error")).to_contain_text(checksum)
    expect(page.locator("#id_name")).to_have_value("Campus des métiers de Bourgogne")
    expect(page.locator("#id_siret")).to_have_value("130 025 265 00014")
    expect(page.locator("#id_legal_category")).to_have_value("9220")
    expect(page.locator("#id_commune")).to_have_value("71100 Chalon-sur-Saône")
    assert Organisation.objects.count() == 0

    page.locator("#id_siret").fill("130 025 265 00013")
    expect(page.locator("#siret-live")).to_have_text("SIRET valide.")
    page.get_by_role("button", name="Enregistrer l’organisation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Campus des métiers de Bourgogne")
    expect(page.get_by_text("vous en êtes administrateur")).to_be_visible()
    organisation = Organisation.objects.get()
    assert organisation.commune_id == "71076"
    assert re.search(rf"/organisations/{organisation.pk}/$", page.url)

    page.locator("#id_email").fill("paul@campus.example")
    page.get_by_role("button", name="Envoyer l’invitation").click()

    expect(page.get_by_text("Invitation envoyée à paul@campus.example")).to_be_visible()
    invitation = Invitation.objects.get()
    assert [m.to for m in mail.outbox] == [["paul@campus.example"]]
    assert f"{site}/organisations/invitations/{invitation.token}/" in mail.outbox[0].body


def test_commune_field_suggests_communes_as_you_type(page: Page, site: str) -> None:
    UserFactory(email="claire@campus.example")
    sign_in(page, site, "claire@campus.example")
    page.goto(site + "/organisations/nouvelle/")

    page.locator("#id_commune").press_sequentially("chalon-sur-sa")

    expect(page.locator("#commune-options option").first).to_have_attribute(
        "value", "Chalon-sur-Saône (71076)"
    )


def test_invited_colleague_signs_in_from_the_link_and_joins(page: Page, site: str) -> None:
    admin = MembershipFactory(organisation__name="Cnam Bourgogne", role=MembershipRole.ADMIN)
    UserFactory(email="paul@campus.example")
    invitation = invitation_create(
        organisation=admin.organisation, email="paul@campus.example", by=admin.user
    )

    page.goto(f"{site}/organisations/invitations/{invitation.token}/")
    page.get_by_role("textbox", name="Adresse électronique").fill("paul@campus.example")
    page.get_by_role("textbox", name="Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("vous invite à rejoindre « Cnam Bourgogne »")).to_be_visible()
    page.get_by_role("button", name="Accepter l’invitation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Cnam Bourgogne")
    expect(page.get_by_text("Bienvenue dans « Cnam Bourgogne ».")).to_be_visible()
