"""The organisation pages: my organisations, registration, members, invitations, collaborators."""

import html
import json
import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from laureat.accounts.models import User
from laureat.applicants.domain import invitation_create
from laureat.applicants.enums import MembershipRole, OrganisationKind
from laureat.applicants.models import (
    ApplicationCollaborator,
    Invitation,
    LegalCategory,
    Membership,
    Organisation,
)
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    valid_siret,
)

pytestmark = pytest.mark.django_db


def page_text(response: object) -> str:
    """What a reader sees: the HTML without its tags, entities decoded, spaces collapsed."""
    content = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", content)))


def login(client: Client, user: User) -> Client:
    assert client.login(email=user.email, password=PASSWORD)
    return client


def register_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Campus des métiers de Bourgogne",
        "siret": "130 025 265 00013",
        "kind": OrganisationKind.ASSOCIATION,
        "legal_category": "9220",
        "address": "4 rue de l'Industrie",
        "commune": "Chalon-sur-Saône (71076)",
        "website": "campus-bourgogne.example",
    }
    data.update(overrides)
    return data


# --- anonymous ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/organisations/",
        "/organisations/nouvelle/",
        "/organisations/1/",
        "/organisations/communes/?q=chalon",
        "/organisations/siret/?siret=1",
        "/organisations/candidatures/1/co-redacteurs/",
    ],
)
def test_pages_send_anonymous_visitors_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/?next=/organisations/")


# --- my organisations -------------------------------------------------------------


def test_list_shows_my_organisations_with_my_role_and_no_other(
    user_client: Client, user: User
) -> None:
    mine = OrganisationFactory(name="Lycée Niépce")
    MembershipFactory(user=user, organisation=mine, role=MembershipRole.ADMIN)
    MembershipFactory(organisation=mine)
    also_mine = OrganisationFactory(name="CCI Saône-et-Loire")
    MembershipFactory(user=user, organisation=also_mine)
    OrganisationFactory(name="Université voisine")

    response = user_client.get(reverse("applicants:list"))

    assert response.status_code == 200
    rows = [(m.organisation.name, m.role, m.member_count) for m in response.context["memberships"]]
    assert rows == [("CCI Saône-et-Loire", "member", 1), ("Lycée Niépce", "admin", 2)]
    text = page_text(response)
    assert "Lycée Niépce" in text
    assert "Université voisine" not in text


def test_list_without_organisation_explains_how_to_join(user_client: Client) -> None:
    response = user_client.get(reverse("applicants:list"))

    assert "Vous n’appartenez encore à aucune organisation." in page_text(response)
    assert reverse("applicants:create") in response.content.decode()


def test_list_shows_invitations_addressed_to_me(user_client: Client, user: User) -> None:
    organisation = OrganisationFactory(name="Cnam Bourgogne")
    inviter = MembershipFactory(organisation=organisation, role=MembershipRole.ADMIN).user
    invitation = invitation_create(organisation=organisation, email=user.email, by=inviter)

    response = user_client.get(reverse("applicants:list"))

    assert list(response.context["invitations"]) == [invitation]
    assert "Vous êtes invité·e à rejoindre « Cnam Bourgogne »." in page_text(response)
    assert reverse("applicants:invitation", args=[invitation.token]) in response.content.decode()


def test_list_query_count_is_the_same_for_one_and_three_organisations(
    user_client: Client, user: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    url = reverse("applicants:list")
    MembershipFactory(user=user)
    with CaptureQueriesContext(connection) as one:
        user_client.get(url)
    MembershipFactory.create_batch(2, user=user)

    with django_assert_num_queries(len(one.captured_queries)):
        response = user_client.get(url)
    assert len(response.context["memberships"]) == 3


# --- registering ------------------------------------------------------------------


def test_create_form_groups_the_260_legal_categories(user_client: Client) -> None:
    response = user_client.get(reverse("applicants:create"))

    content = response.content.decode()
    select = content[
        content.index('name="legal_category"') : content.index(
            "</select>", content.index('name="legal_category"')
        )
    ]
    assert select.count("<optgroup") == 9
    assert len(re.findall(r'<option value="\d{4}"', select)) == LegalCategory.objects.count() == 260
    assert '<optgroup label="Groupement de droit privé">' in select
    assert 'list="commune-options"' in content
    assert "applicants/organisation_form.js" in content


def test_create_registers_the_organisation_and_makes_me_its_admin(
    user_client: Client, user: User
) -> None:
    response = user_client.post(reverse("applicants:create"), register_data())

    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("applicants:detail", args=[organisation.pk])
    assert (organisation.name, organisation.siret, organisation.siren) == (
        "Campus des métiers de Bourgogne",
        "13002526500013",
        "130025265",
    )
    assert (organisation.kind, organisation.legal_category_id, organisation.commune_id) == (
        OrganisationKind.ASSOCIATION,
        "9220",
        "71076",
    )
    assert organisation.address == "4 rue de l'Industrie"
    assert organisation.website == "https://campus-bourgogne.example"
    assert list(organisation.memberships.values_list("user", "role")) == [
        (user.pk, MembershipRole.ADMIN)
    ]
    detail = user_client.get(response["Location"])
    assert (
        "L'organisation « Campus des métiers de Bourgogne » est enregistrée ; "
        "vous en êtes administrateur." in page_text(detail)
    )


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        (
            "130 025 265 00014",
            "Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas.",
        ),
        (
            "130 025 265",
            "Un SIRET compte 14 chiffres (9 pour le SIREN et 5 pour l'établissement) ; "
            "vous en avez saisi 9.",
        ),
        ("1300A526500013", "Le SIRET ne contient que des chiffres"),
    ],
)
def test_create_with_a_bad_siret_explains_and_keeps_the_typed_values(
    user_client: Client, siret: str, message: str
) -> None:
    response = user_client.post(reverse("applicants:create"), register_data(siret=siret))

    assert response.status_code == 200
    assert Organisation.objects.count() == 0
    assert message in page_text(response)
    content = response.content.decode()
    assert f'value="{siret}"' in content
    assert 'value="Campus des métiers de Bourgogne"' in content
    assert 'value="Chalon-sur-Saône (71076)"' in content
    assert '<option value="9220" selected>' in content


def test_create_with_a_registered_siret_says_to_ask_for_an_invitation(
    user_client: Client,
) -> None:
    OrganisationFactory(name="Campus existant", siret="13002526500013", siren="130025265")

    response = user_client.post(reverse("applicants:create"), register_data())

    assert Organisation.objects.count() == 1
    assert (
        "L'organisation « Campus existant » est déjà enregistrée avec ce SIRET : "
        "demandez à l'un de ses membres de vous inviter plutôt que de la créer à nouveau."
        in page_text(response)
    )


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Chalon-sur-Saône (71076)", "71076"),
        ("71076", "71076"),
        ("71100 Chalon-sur-Saône", "71076"),
        ("chalon sur saone", "71076"),
        ("2A004", "2A004"),
    ],
)
def test_create_resolves_the_commune_without_javascript(
    user_client: Client, typed: str, code: str
) -> None:
    user_client.post(reverse("applicants:create"), register_data(commune=typed))

    assert Organisation.objects.get().commune_id == code


def test_create_with_an_ambiguous_commune_lists_the_candidates(user_client: Client) -> None:
    response = user_client.post(reverse("applicants:create"), register_data(commune="Saint-Denis"))

    assert Organisation.objects.count() == 0
    text = page_text(response)
    assert "Plusieurs communes s'appellent « Saint-Denis » :" in text
    assert "Seine-Saint-Denis" in text
    assert "La Réunion" in text
    assert "Précisez le code postal (par exemple « 97400 Saint-Denis »)" in text


def test_create_with_an_unknown_commune_explains(user_client: Client) -> None:
    response = user_client.post(reverse("applicants:create"), register_data(commune="Xyzzyville"))

    assert Organisation.objects.count() == 0
    assert "Aucune commune ne correspond à « Xyzzyville »." in page_text(response)


def test_commune_search_returns_labels_the_form_understands(user_client: Client) -> None:
    response = user_client.get(reverse("applicants:commune_search"), {"q": "chalon-sur-sa"})

    results = json.loads(response.content)["results"]
    assert results[0] == {"value": "Chalon-sur-Saône (71076)", "label": "71100 — Saône-et-Loire"}


@pytest.mark.parametrize(
    ("siret", "valid", "message"),
    [
        ("13002526500013", True, "SIRET valide."),
        ("13002526500014", False, "Ce SIRET n'est pas valide : sa clé de contrôle"),
        ("1300", False, "Un SIRET compte 14 chiffres"),
    ],
)
def test_siret_check_gives_the_form_messages(
    user_client: Client, siret: str, valid: bool, message: str
) -> None:
    data = json.loads(user_client.get(reverse("applicants:siret_check"), {"siret": siret}).content)

    assert data["valid"] is valid
    assert data["message"].startswith(message)


def test_siret_check_of_a_registered_siret_says_to_ask_for_an_invitation(
    user_client: Client,
) -> None:
    OrganisationFactory(name="Campus existant", siret="13002526500013", siren="130025265")

    data = json.loads(
        user_client.get(reverse("applicants:siret_check"), {"siret": "130 025 265 00013"}).content
    )

    assert data == {
        "valid": False,
        "message": "L'organisation « Campus existant » est déjà enregistrée avec ce SIRET : "
        "demandez à l'un de ses membres de vous inviter plutôt que de la créer à nouveau.",
    }


# --- an organisation's page: members and invitations ------------------------------


def test_detail_shows_members_roles_pending_invitations_and_the_invite_form(
    user_client: Client, user: User, organisation: Organisation
) -> None:
    colleague = MembershipFactory(organisation=organisation, user__email="paul@example.fr")
    invitation_create(organisation=organisation, email="jeanne@example.fr", by=user)

    response = user_client.get(reverse("applicants:detail", args=[organisation.pk]))

    assert [m.user for m in response.context["members"]] == [user, colleague.user]
    assert [i.email for i in response.context["invitations"]] == ["jeanne@example.fr"]
    text = page_text(response)
    assert organisation.siret in text
    assert "paul@example.fr" in text
    assert "jeanne@example.fr" in text
    assert "Inviter un ou une collègue" in text
    assert response.context["can_manage"] is True


def test_detail_for_a_plain_member_has_no_admin_actions(client: Client) -> None:
    membership = MembershipFactory(role=MembershipRole.MEMBER)
    MembershipFactory(organisation=membership.organisation, role=MembershipRole.ADMIN)
    login(client, membership.user)

    response = client.get(reverse("applicants:detail", args=[membership.organisation.pk]))

    text = page_text(response)
    assert response.context["can_manage"] is False
    assert "Inviter un ou une collègue" not in text
    assert "Quitter l’organisation" in text
    assert text.count("Retirer") == 0


def test_detail_query_count_is_the_same_for_one_and_three_members(
    user_client: Client,
    organisation: Organisation,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    url = reverse("applicants:detail", args=[organisation.pk])
    Invitation.objects.create(
        organisation=organisation, email="a@example.fr", token="a", expires_at="2999-01-01T00:00Z"
    )
    with CaptureQueriesContext(connection) as one:
        user_client.get(url)
    MembershipFactory.create_batch(2, organisation=organisation)
    Invitation.objects.create(
        organisation=organisation, email="b@example.fr", token="b", expires_at="2999-01-01T00:00Z"
    )

    with django_assert_num_queries(len(one.captured_queries)):
        response = user_client.get(url)
    assert len(response.context["members"]) == 3


def test_invite_sends_the_email_with_an_absolute_link(
    user_client: Client, organisation: Organisation
) -> None:
    response = user_client.post(
        reverse("applicants:invite", args=[organisation.pk]),
        {"email": "paul@example.fr", "role": MembershipRole.MEMBER},
    )

    invitation = Invitation.objects.get()
    assert response.status_code == 302
    assert invitation.email == "paul@example.fr"
    assert [m.to for m in mail.outbox] == [["paul@example.fr"]]
    assert f"http://testserver/organisations/invitations/{invitation.token}/" in mail.outbox[0].body
    detail = user_client.get(response["Location"])
    assert "Invitation envoyée à paul@example.fr" in page_text(detail)


def test_invite_with_a_bad_email_explains_and_keeps_it(
    user_client: Client, organisation: Organisation
) -> None:
    response = user_client.post(
        reverse("applicants:invite", args=[organisation.pk]),
        {"email": "paul.example.fr", "role": MembershipRole.MEMBER},
    )

    assert response.status_code == 400
    assert Invitation.objects.count() == 0
    assert (
        "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."
        in page_text(response)
    )
    assert 'value="paul.example.fr"' in response.content.decode()


def test_invite_a_member_explains(user_client: Client, organisation: Organisation) -> None:
    member = MembershipFactory(organisation=organisation).user

    response = user_client.post(
        reverse("applicants:invite", args=[organisation.pk]),
        {"email": member.email, "role": MembershipRole.MEMBER},
    )

    assert response.status_code == 400
    assert f"{member.email} est déjà membre de « {organisation.name} »." in page_text(response)
    assert mail.outbox == []


def test_member_role_change_by_an_admin(user_client: Client, organisation: Organisation) -> None:
    membership = MembershipFactory(organisation=organisation)

    response = user_client.post(
        reverse("applicants:member_role", args=[organisation.pk, membership.pk]),
        {"role": MembershipRole.ADMIN},
    )

    membership.refresh_from_db()
    assert membership.role == MembershipRole.ADMIN
    assert "a désormais le rôle « Administrateur »" in page_text(
        user_client.get(response["Location"])
    )


def test_member_role_of_the_last_admin_is_refused_clearly(
    user_client: Client, user: User, organisation: Organisation
) -> None:
    mine = Membership.objects.get(user=user, organisation=organisation)

    response = user_client.post(
        reverse("applicants:member_role", args=[organisation.pk, mine.pk]),
        {"role": MembershipRole.MEMBER},
        follow=True,
    )

    mine.refresh_from_db()
    assert mine.role == MembershipRole.ADMIN
    assert "est le dernier administrateur" in page_text(response)
    assert "nommez d'abord un autre administrateur" in page_text(response)


def test_member_remove_by_an_admin(user_client: Client, organisation: Organisation) -> None:
    membership = MembershipFactory(organisation=organisation)

    response = user_client.post(
        reverse("applicants:member_remove", args=[organisation.pk, membership.pk]), follow=True
    )

    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert "ne fait plus partie de l'organisation." in page_text(response)


def test_member_remove_of_the_last_admin_is_refused_clearly(
    user_client: Client, user: User, organisation: Organisation
) -> None:
    mine = Membership.objects.get(user=user, organisation=organisation)

    response = user_client.post(
        reverse("applicants:member_remove", args=[organisation.pk, mine.pk]), follow=True
    )

    assert Membership.objects.filter(pk=mine.pk).exists()
    assert "l'organisation doit en garder au moins un" in page_text(response)


def test_a_member_may_leave(client: Client) -> None:
    membership = MembershipFactory()
    login(client, membership.user)

    response = client.post(
        reverse("applicants:member_remove", args=[membership.organisation.pk, membership.pk])
    )

    assert response["Location"] == reverse("applicants:list")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_invitation_revoke_by_an_admin(
    user_client: Client, user: User, organisation: Organisation
) -> None:
    invitation = invitation_create(organisation=organisation, email="paul@example.fr", by=user)

    response = user_client.post(reverse("applicants:invitation_revoke", args=[invitation.pk]))

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert response["Location"] == reverse("applicants:detail", args=[organisation.pk])


# --- answering an invitation --------------------------------------------------------


@pytest.fixture
def invited() -> tuple[Invitation, User]:
    organisation = OrganisationFactory(name="Cnam Bourgogne")
    admin = MembershipFactory(organisation=organisation, role=MembershipRole.ADMIN).user
    invitee = UserFactory(email="paul@example.fr")
    invitation = invitation_create(organisation=organisation, email=invitee.email, by=admin)
    return invitation, invitee


def test_invitation_page_sends_anonymous_visitors_to_sign_in_and_back(
    client: Client, invited: tuple[Invitation, User]
) -> None:
    invitation, _invitee = invited
    url = reverse("applicants:invitation", args=[invitation.token])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/compte/connexion/?next={url}"


def test_invitation_page_shows_the_organisation_and_the_buttons(
    client: Client, invited: tuple[Invitation, User]
) -> None:
    invitation, invitee = invited
    login(client, invitee)

    response = client.get(reverse("applicants:invitation", args=[invitation.token]))

    text = page_text(response)
    assert "vous invite à rejoindre « Cnam Bourgogne » avec le rôle « Membre »." in text
    assert "Accepter l’invitation" in text
    assert "Décliner" in text


def test_invitation_accept_from_the_page_makes_me_a_member(
    client: Client, invited: tuple[Invitation, User]
) -> None:
    invitation, invitee = invited
    login(client, invitee)

    response = client.post(
        reverse("applicants:invitation", args=[invitation.token]), {"answer": "accept"}
    )

    assert response["Location"] == reverse("applicants:detail", args=[invitation.organisation_id])
    assert Membership.objects.filter(user=invitee, organisation=invitation.organisation).exists()
    assert "Bienvenue dans « Cnam Bourgogne »." in page_text(client.get(response["Location"]))


def test_invitation_decline_from_the_page(client: Client, invited: tuple[Invitation, User]) -> None:
    invitation, invitee = invited
    login(client, invitee)

    response = client.post(
        reverse("applicants:invitation", args=[invitation.token]),
        {"answer": "decline"},
        follow=True,
    )

    invitation.refresh_from_db()
    assert invitation.declined_at is not None
    assert not Membership.objects.filter(user=invitee).exists()
    assert "Vous avez décliné l'invitation." in page_text(response)


def test_invitation_page_for_another_account_explains_and_accept_is_refused(
    client: Client, invited: tuple[Invitation, User]
) -> None:
    invitation, _invitee = invited
    other = UserFactory(email="jeanne@example.fr")
    login(client, other)
    url = reverse("applicants:invitation", args=[invitation.token])

    page = client.get(url)
    answer = client.post(url, {"answer": "accept"}, follow=True)

    expected = (
        "Cette invitation a été envoyée à paul@example.fr, mais vous êtes connecté·e avec "
        "jeanne@example.fr."
    )
    assert expected in page_text(page)
    assert "Accepter l’invitation" not in page_text(page)
    assert expected in page_text(answer)
    assert not Membership.objects.filter(user=other).exists()


def test_invitation_page_of_an_unknown_token_is_404(user_client: Client) -> None:
    response = user_client.get(reverse("applicants:invitation", args=["nope"]))

    assert response.status_code == 404


# --- co-editors of one application ----------------------------------------------------


def test_invite_collaborator_emails_a_link_and_accepting_opens_the_application(
    user_client: Client,
    user: User,
    organisation: Organisation,
    client_factory: Callable[[], Client],
) -> None:
    application = ApplicationFactory(organisation=organisation, title="Jumeau numérique")
    url = reverse("applicants:invite_collaborator", args=[application.pk])

    response = user_client.post(url, {"email": "partenaire@universite.example"})

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.application == application
    assert mail.outbox[0].subject == "Invitation à co-rédiger la candidature « Jumeau numérique »"
    partner = UserFactory(email="partenaire@universite.example")
    partner_client = login(client_factory(), partner)
    partner_client.post(
        reverse("applicants:invitation", args=[invitation.token]), {"answer": "accept"}
    )
    assert ApplicationCollaborator.objects.filter(application=application, user=partner).exists()
    assert partner.has_perm("applications.view_application", application)
    page = user_client.get(url)
    assert "partenaire@universite.example" in page_text(page)


def test_invite_collaborator_page_lists_collaborators_and_pending_invitations(
    user_client: Client, user: User, organisation: Organisation
) -> None:
    application = ApplicationFactory(organisation=organisation)
    ApplicationCollaborator.objects.create(
        application=application, user=UserFactory(email="deja@example.fr")
    )
    invitation_create(
        organisation=organisation, application=application, email="bientot@example.fr", by=user
    )

    response = user_client.get(reverse("applicants:invite_collaborator", args=[application.pk]))

    text = page_text(response)
    assert "deja@example.fr" in text
    assert "bientot@example.fr" in text
    assert application.title in text


def test_collaborator_remove_by_a_member(user_client: Client, organisation: Organisation) -> None:
    application = ApplicationFactory(organisation=organisation)
    collaborator = ApplicationCollaborator.objects.create(
        application=application, user=UserFactory()
    )

    user_client.post(reverse("applicants:collaborator_remove", args=[collaborator.pk]))

    assert not ApplicationCollaborator.objects.filter(pk=collaborator.pk).exists()


@pytest.fixture
def client_factory() -> Callable[[], Client]:
    return Client


def test_valid_siret_factory_is_not_the_campus_siret() -> None:
    # The registration tests rely on "130 025 265 00013" being free.
    assert "13002526500013" not in {valid_siret(n) for n in range(5)}


# --- admin --------------------------------------------------------------------------


def test_admin_lists_invitations_and_collaborators_read_only(client: Client) -> None:
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    login(client, admin_user)
    organisation = OrganisationFactory()
    invitation = invitation_create(
        organisation=organisation, email="invite@example.fr", by=admin_user
    )
    collaborator = ApplicationCollaborator.objects.create(
        application=ApplicationFactory(organisation=organisation),
        user=UserFactory(email="coredacteur@example.fr"),
    )

    pages = {
        "applicants_invitation": (invitation, "invite@example.fr"),
        "applicants_applicationcollaborator": (collaborator, "coredacteur@example.fr"),
    }
    for prefix, (obj, text) in pages.items():
        changelist = client.get(reverse(f"admin:{prefix}_changelist"))
        assert text in page_text(changelist), prefix
        change = client.get(reverse(f"admin:{prefix}_change", args=[obj.pk]))
        assert change.status_code == 200, prefix
    assert client.get(reverse("admin:applicants_invitation_add")).status_code == 403
    assert (
        invitation.token
        not in client.get(
            reverse("admin:applicants_invitation_change", args=[invitation.pk])
        ).content.decode()
    )
