"""The account pages: sign-up, confirmation, sign-in throttling, password reset, profile."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from laureat.accounts import tokens
from laureat.accounts.models import LoginThrottle, User
from laureat.accounts.throttle import EMAIL_LIMIT
from laureat.core.models import AuditLog
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-nouveau-secret-2026"


def page_html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def page_text(response: object) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", page_html(response)))
    return text.replace("&#x27;", "'").replace("&quot;", '"')


def link_in(message: mail.EmailMessage) -> str:
    """The path of the first link of this site in an email."""
    match = re.search(r"http://testserver(/\S+)", str(message.body))
    assert match is not None, message.body
    return match.group(1)


def sign_up(client: Client, email: str = "alex@example.fr", **extra: str) -> object:
    data = {
        "email": email,
        "first_name": "Alex",
        "last_name": "Dupont",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }
    return client.post(reverse("accounts:signup"), data, follow=True)


def login(client: Client, email: str, password: str) -> object:
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


# --- sign-up ----------------------------------------------------------------


def test_signup_page_shows_the_form(client: Client) -> None:
    response = client.get(reverse("accounts:signup"))

    html = page_html(response)
    assert response.status_code == 200
    assert "Créer un compte sur Laureat" in page_text(response)
    for name in ("email", "first_name", "last_name", "password1", "password2"):
        assert f'name="{name}"' in html
    assert 'autocomplete="new-password"' in html


def test_signup_sends_one_email_whose_link_confirms_and_signs_in(client: Client) -> None:
    response = sign_up(client, next="/appels/")

    assert response.redirect_chain == [(reverse("accounts:signup_done"), 302)]  # type: ignore[attr-defined]
    assert "Un message vient d’être envoyé à alex@example.fr." in page_text(response)
    assert "Le lien est valable 3 jours." in page_text(response)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alex@example.fr"]
    assert not client.get(reverse("web:home")).context["user"].is_authenticated

    confirmed = client.get(link_in(mail.outbox[0]))

    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/appels/"
    user = User.objects.get(email="alex@example.fr")
    assert user.is_active is True
    home = client.get(reverse("web:home"))
    assert home.context["user"] == user
    assert "Votre adresse électronique est confirmée" in page_text(home)


def test_signup_ignores_an_unsafe_next(client: Client) -> None:
    sign_up(client, next="https://evil.example/")

    confirmed = client.get(link_in(mail.outbox[0]))

    assert confirmed["Location"] == reverse("web:home")


def test_signup_with_an_existing_email_answers_the_same_and_warns_the_owner(
    client: Client,
) -> None:
    UserFactory(email="camille@example.fr")

    response = sign_up(client, email="camille@example.fr")

    assert response.redirect_chain == [(reverse("accounts:signup_done"), 302)]  # type: ignore[attr-defined]
    assert "Un message vient d’être envoyé à camille@example.fr." in page_text(response)
    assert User.objects.count() == 1
    assert [m.subject for m in mail.outbox] == ["Laureat : vous avez déjà un compte"]


def test_signup_refuses_different_passwords_and_keeps_the_input(client: Client) -> None:
    response = sign_up(client, password2="autre-chose-entierement")

    assert response.status_code == 200
    assert "Les deux mots de passe ne sont pas identiques." in page_text(response)
    assert 'value="alex@example.fr"' in page_html(response)
    assert User.objects.count() == 0
    assert mail.outbox == []


def test_signup_refuses_a_weak_password_with_django_validators(client: Client) -> None:
    response = sign_up(client, password1="12345678", password2="12345678")

    text = page_text(response)
    assert "Ce mot de passe est trop courant." in text
    assert "Ce mot de passe est entièrement numérique." in text
    assert User.objects.count() == 0


def test_signup_redirects_a_signed_in_person_to_the_profile(user_client: Client) -> None:
    response = user_client.get(reverse("accounts:signup"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")


# --- confirmation -----------------------------------------------------------


def test_confirm_with_a_tampered_link_explains_and_offers_a_new_one(client: Client) -> None:
    sign_up(client)
    link = link_in(mail.outbox[0])
    tampered = link[:-5] + ("xx" if link[-3:-1] != "xx" else "yy") + "/"

    response = client.get(tampered)

    assert response.status_code == 400
    text = page_text(response)
    assert "Ce lien est incomplet ou a été modifié" in text
    assert f'action="{reverse("accounts:resend_confirmation")}"' in page_html(response)
    assert User.objects.get().is_active is False


def test_confirm_with_an_expired_link_offers_a_new_one_for_the_address(client: Client) -> None:
    sign_up(client)
    link = link_in(mail.outbox[0])
    # The same token as if it had been issued three days and a minute ago.
    issued = tokens.read_confirmation_token(link.split("/")[-2], now=timezone.now())
    assert issued.email == "alex@example.fr"
    old = tokens.make_confirmation_token(
        user_id=issued.user_id,
        email=issued.email,
        next_url="",
        now=timezone.now() - timedelta(days=3, minutes=1),
    )

    response = client.get(reverse("accounts:confirm", args=[old]))

    assert response.status_code == 400
    assert "Ce lien a expiré" in page_text(response)
    assert "Les liens de confirmation sont valables 3 jours." in page_text(response)
    assert 'value="alex@example.fr"' in page_html(response)

    resent = client.post(
        reverse("accounts:resend_confirmation"), {"email": "alex@example.fr"}, follow=True
    )

    assert resent.redirect_chain == [(reverse("accounts:signup_done"), 302)]  # type: ignore[attr-defined]
    assert len(mail.outbox) == 2
    client.get(link_in(mail.outbox[1]))
    assert User.objects.get().is_active is True


def test_confirm_twice_does_not_sign_in_again(client: Client) -> None:
    sign_up(client)
    link = link_in(mail.outbox[0])
    client.get(link)
    other = Client()

    response = other.get(link, follow=True)

    assert response.redirect_chain == [(reverse("accounts:login"), 302)]  # type: ignore[attr-defined]
    assert not response.context["user"].is_authenticated
    assert "déjà confirmée" in page_text(response)


def test_resend_for_an_unknown_address_answers_the_same(client: Client) -> None:
    response = client.post(
        reverse("accounts:resend_confirmation"), {"email": "personne@example.fr"}, follow=True
    )

    assert response.redirect_chain == [(reverse("accounts:signup_done"), 302)]  # type: ignore[attr-defined]
    assert mail.outbox == []


# --- sign-in ----------------------------------------------------------------


def test_login_of_an_unconfirmed_account_offers_a_new_link(client: Client) -> None:
    sign_up(client)
    mail.outbox.clear()

    response = login(client, "alex@example.fr", PASSWORD)

    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Votre adresse électronique n'est pas encore confirmée" in page_text(response)
    html = page_html(response)
    assert f'action="{reverse("accounts:resend_confirmation")}"' in html
    assert '<input type="hidden" name="email" value="alex@example.fr">' in html
    assert not LoginThrottle.objects.exists()


def test_login_of_an_unconfirmed_account_with_a_wrong_password_says_nothing_more(
    client: Client,
) -> None:
    sign_up(client)

    response = login(client, "alex@example.fr", "pas-le-bon")

    text = page_text(response)
    assert "Adresse électronique ou mot de passe incorrect." in text
    assert "pas encore confirmée" not in text


def test_login_locks_the_address_after_five_failures(client: Client) -> None:
    user = UserFactory(email="camille@example.fr")
    for _ in range(EMAIL_LIMIT - 1):
        response = login(client, "camille@example.fr", "faux")
        assert "Adresse électronique ou mot de passe incorrect." in page_text(response)

    fifth = login(client, "camille@example.fr", "faux")
    sixth = login(client, "camille@example.fr", PASSWORD)

    for response in (fifth, sixth):
        assert "Trop de tentatives de connexion échouées." in page_text(response)
    assert "réessayez dans 15 minutes" in page_text(fifth)
    assert not sixth.context["user"].is_authenticated  # type: ignore[attr-defined]
    assert AuditLog.objects.for_object(user).get().action == "user.login_locked"


def test_login_works_again_once_the_lock_has_passed(client: Client) -> None:
    user = UserFactory(email="camille@example.fr")
    for _ in range(EMAIL_LIMIT):
        login(client, "camille@example.fr", "faux")
    # Move the stored lock into the past, as if 15 minutes had gone by.
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))

    response = client.post(
        reverse("accounts:login"),
        {"username": "camille@example.fr", "password": PASSWORD},
        follow=True,
    )

    assert response.context["user"] == user
    assert not LoginThrottle.objects.filter(scope="email").exists()


def test_login_success_resets_the_failure_count(client: Client) -> None:
    UserFactory(email="camille@example.fr")
    for _ in range(EMAIL_LIMIT - 1):
        login(client, "camille@example.fr", "faux")

    login(client, "camille@example.fr", PASSWORD)
    client.logout()
    response = login(client, "camille@example.fr", "faux")

    assert "Adresse électronique ou mot de passe incorrect." in page_text(response)
    assert LoginThrottle.objects.get(scope="email").failures == 1


def test_login_page_links_to_signup_and_password_reset(client: Client) -> None:
    html = page_html(client.get(reverse("accounts:login")))

    assert f'href="{reverse("accounts:signup")}"' in html
    assert f'href="{reverse("accounts:password_reset")}"' in html


# --- password reset ---------------------------------------------------------


def test_password_reset_full_flow_through_the_outbox(client: Client) -> None:
    user = UserFactory(email="camille@example.fr")

    sent = client.post(
        reverse("accounts:password_reset"), {"email": "Camille@example.fr"}, follow=True
    )

    assert sent.redirect_chain == [(reverse("accounts:password_reset_done"), 302)]  # type: ignore[attr-defined]
    assert "Si un compte existe avec cette adresse" in page_text(sent)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["camille@example.fr"]
    assert mail.outbox[0].subject == "Laureat : choisissez un nouveau mot de passe"

    form_page = client.get(link_in(mail.outbox[0]), follow=True)
    assert "Choisir un nouveau mot de passe" in page_text(form_page)
    assert 'name="new_password1"' in page_html(form_page)
    set_url = form_page.redirect_chain[-1][0]  # type: ignore[attr-defined]

    done = client.post(
        set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )

    assert done.redirect_chain == [(reverse("accounts:password_reset_complete"), 302)]  # type: ignore[attr-defined]
    assert "Votre nouveau mot de passe est enregistré." in page_text(done)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditLog.objects.for_object(user).get().data == {"how": "reset"}
    reused = client.get(link_in(mail.outbox[0]), follow=True)
    assert "Ce lien n’est plus valable" in page_text(reused)


def test_password_reset_for_an_unknown_address_answers_the_same(client: Client) -> None:
    response = client.post(
        reverse("accounts:password_reset"), {"email": "personne@example.fr"}, follow=True
    )

    assert response.redirect_chain == [(reverse("accounts:password_reset_done"), 302)]  # type: ignore[attr-defined]
    assert mail.outbox == []


# --- profile ----------------------------------------------------------------


def test_profile_redirects_an_anonymous_visitor_to_login(client: Client) -> None:
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse('accounts:profile')}"


def test_profile_shows_the_email_and_the_names(user_client: Client, user: User) -> None:
    response = user_client.get(reverse("accounts:profile"))

    text = page_text(response)
    assert user.email in text
    assert f'value="{user.last_name}"' in page_html(response)
    assert f'href="{reverse("accounts:password_change")}"' in page_html(response)


def test_profile_edit_saves_the_names(user_client: Client, user: User) -> None:
    response = user_client.post(
        reverse("accounts:profile"),
        {"first_name": "Dominique", "last_name": "Lefèvre"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("accounts:profile"), 302)]  # type: ignore[attr-defined]
    assert "Votre profil est enregistré." in page_text(response)
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Dominique", "Lefèvre")


def test_profile_edit_refuses_an_empty_name(user_client: Client, user: User) -> None:
    response = user_client.post(
        reverse("accounts:profile"), {"first_name": "Dominique", "last_name": ""}
    )

    assert response.status_code == 200
    assert "Ce champ est obligatoire." in page_text(response)
    user.refresh_from_db()
    assert user.first_name == "Camille"


def test_password_change_needs_the_old_password_and_keeps_the_session(
    user_client: Client, user: User
) -> None:
    wrong = user_client.post(
        reverse("accounts:password_change"),
        {"old_password": "faux", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Votre ancien mot de passe est incorrect." in page_text(wrong)

    response = user_client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("accounts:password_change_done"), 302)]  # type: ignore[attr-defined]
    assert response.context["user"] == user
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


# --- header -----------------------------------------------------------------


def test_header_offers_signup_to_visitors_and_account_to_members(user_client: Client) -> None:
    anonymous = page_html(Client().get(reverse("web:home")))
    member = page_html(user_client.get(reverse("web:home")))

    assert f'href="{reverse("accounts:signup")}?next=/"' in anonymous
    assert reverse("accounts:profile") not in anonymous
    assert f'href="{reverse("accounts:profile")}"' in member
    assert reverse("accounts:signup") not in member
