"""The outbox pages are the managers'; a sent letter is its applicant's, and no one else's."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse

from laureat.accounts.models import User
from laureat.notifications.domain import decision_letters_prepare, outbox_send
from laureat.notifications.enums import MessageState
from laureat.notifications.models import OutboxMessage
from laureat.programmes.enums import ProgrammeRoleKind
from laureat.selection.enums import DecisionOutcome
from tests.factories import (
    PASSWORD,
    CallFactory,
    OpenCall,
    ProgrammeRoleFactory,
    UserFactory,
)
from tests.notifications.builders import PublishedCall, make_decision, publish_call

pytestmark = pytest.mark.django_db


def _client_for(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def published(open_call_setup: OpenCall) -> PublishedCall:
    return publish_call(open_call_setup)


@pytest.fixture
def manager_client(manager: User) -> Client:
    return _client_for(manager)


@pytest.fixture
def prepared(published: PublishedCall, manager: User) -> list[OutboxMessage]:
    decision_letters_prepare(call=published.call, by=manager)
    return list(OutboxMessage.objects.order_by("application__reference"))


def _applicant(published: PublishedCall) -> User:
    return published.laureate.application.organisation.memberships.get().user


def _laureate_message(published: PublishedCall) -> OutboxMessage:
    return OutboxMessage.objects.get(application=published.laureate.application)


def _manager_urls(published: PublishedCall, message: OutboxMessage) -> dict[str, str]:
    slug = published.call.slug
    return {
        "outbox": reverse("notifications:outbox", kwargs={"slug": slug}),
        "settings": reverse("notifications:settings", kwargs={"slug": slug}),
        "preview": reverse("notifications:preview", kwargs={"slug": slug, "pk": message.pk}),
        "letter_pdf": reverse("notifications:letter_pdf", kwargs={"slug": slug, "pk": message.pk}),
    }


# --- access -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["applicant", "reviewer", "nobody"])
def test_manager_pages_forbidden_to_others(
    published: PublishedCall, prepared: list[OutboxMessage], who: str
) -> None:
    people: dict[str, Callable[[], User]] = {
        "applicant": lambda: _applicant(published),
        "reviewer": lambda: (
            ProgrammeRoleFactory(
                programme=published.call.programme, role=ProgrammeRoleKind.REVIEWER
            ).user
        ),
        "nobody": UserFactory,
    }
    client = _client_for(people[who]())
    urls = _manager_urls(published, _laureate_message(published))

    statuses = {name: client.get(url).status_code for name, url in urls.items()}
    prepare = client.post(reverse("notifications:prepare", kwargs={"slug": published.call.slug}))

    assert statuses == dict.fromkeys(urls, 403)
    assert prepare.status_code == 403


def test_manager_pages_redirect_anonymous_to_sign_in(
    published: PublishedCall, prepared: list[OutboxMessage]
) -> None:
    urls = _manager_urls(published, _laureate_message(published))

    for url in urls.values():
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_message_of_another_call_is_not_found(
    published: PublishedCall, prepared: list[OutboxMessage], manager_client: Client
) -> None:
    other_call = CallFactory(programme=published.call.programme)
    url = reverse(
        "notifications:preview",
        kwargs={"slug": other_call.slug, "pk": _laureate_message(published).pk},
    )

    assert manager_client.get(url).status_code == 404


# --- manager pages ----------------------------------------------------------------


def test_prepare_button_creates_drafts(published: PublishedCall, manager_client: Client) -> None:
    response = manager_client.post(
        reverse("notifications:prepare", kwargs={"slug": published.call.slug}), follow=True
    )

    assert OutboxMessage.objects.filter(state=MessageState.DRAFT).count() == 3
    assert "3 courriers préparés" in response.content.decode()


def test_prepare_before_publication_shows_the_reason(
    open_call_setup: OpenCall, manager_client: Client
) -> None:
    make_decision(open_call_setup.call, DecisionOutcome.REJECTED, published=False)

    response = manager_client.post(
        reverse("notifications:prepare", kwargs={"slug": open_call_setup.call.slug}), follow=True
    )

    assert "ne sont pas encore publiées" in response.content.decode()
    assert OutboxMessage.objects.count() == 0


def test_outbox_lists_messages_with_counts(
    published: PublishedCall, prepared: list[OutboxMessage], manager_client: Client
) -> None:
    body = manager_client.get(
        reverse("notifications:outbox", kwargs={"slug": published.call.slug})
    ).content.decode()

    for decision in published.decisions:
        assert decision.application.reference in body
    assert "Brouillon : 3" in body
    assert "Envoyé : 0" in body
    assert "Envoyer tous les brouillons (3)" in body


def test_outbox_filters_by_kind(
    published: PublishedCall, prepared: list[OutboxMessage], manager_client: Client
) -> None:
    response = manager_client.get(
        reverse("notifications:outbox", kwargs={"slug": published.call.slug}),
        {"kind": "decision_rejected", "state": "draft"},
    )

    assert [m.application_id for m in response.context["outbox"]] == [
        published.rejected.application_id
    ]


def test_outbox_queries_do_not_grow_with_messages(
    open_call_setup: OpenCall,
    manager: User,
    manager_client: Client,
    django_assert_num_queries: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call = open_call_setup.call
    url = reverse("notifications:outbox", kwargs={"slug": call.slug})
    make_decision(call, DecisionOutcome.REJECTED)
    decision_letters_prepare(call=call, by=manager)
    with CaptureQueriesContext(connection) as one:
        manager_client.get(url)
    make_decision(call, DecisionOutcome.REJECTED)
    make_decision(call, DecisionOutcome.LAUREATE)
    decision_letters_prepare(call=call, by=manager)
    assert OutboxMessage.objects.count() == 3

    with django_assert_num_queries(len(one)):
        manager_client.get(url)


def test_send_all_asks_confirmation_then_sends(
    published: PublishedCall,
    prepared: list[OutboxMessage],
    manager_client: Client,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = reverse("notifications:send", kwargs={"slug": published.call.slug})

    confirm = manager_client.post(url, {"scope": "all"})
    assert "3 messages vont être envoyés" in confirm.content.decode()
    assert mailoutbox == []

    ids = [str(m.pk) for m in prepared]
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(url, {"message": ids, "confirm": "1"})

    assert len(mailoutbox) == 3
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {MessageState.SENT}


def test_send_selected_only(
    published: PublishedCall,
    prepared: list[OutboxMessage],
    manager_client: Client,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = _laureate_message(published)
    url = reverse("notifications:send", kwargs={"slug": published.call.slug})

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(url, {"message": [str(message.pk)], "confirm": "1"})

    assert [e.subject for e in mailoutbox] == [message.subject]
    assert OutboxMessage.objects.filter(state=MessageState.DRAFT).count() == 2


def test_send_nothing_selected_says_so(
    published: PublishedCall, prepared: list[OutboxMessage], manager_client: Client
) -> None:
    response = manager_client.post(
        reverse("notifications:send", kwargs={"slug": published.call.slug}),
        {"message": ["abc"]},
        follow=True,
    )

    assert "Aucun message à envoyer" in response.content.decode()


def test_preview_shows_recipients_subject_body_and_pdf_link(
    published: PublishedCall, prepared: list[OutboxMessage], manager_client: Client
) -> None:
    message = _laureate_message(published)
    urls = _manager_urls(published, message)

    body = manager_client.get(urls["preview"]).content.decode()

    assert _applicant(published).email in body
    assert message.subject in body
    assert "Votre projet est lauréat." in body
    assert urls["letter_pdf"] in body


def test_letter_pdf_download_is_an_attachment(
    published: PublishedCall, prepared: list[OutboxMessage], manager_client: Client
) -> None:
    message = _laureate_message(published)

    response = manager_client.get(_manager_urls(published, message)["letter_pdf"])

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{message.attachment_name}"'
        f"; filename*=UTF-8''{message.attachment_name}"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == bytes(message.attachment)


def test_cancel_from_preview(
    published: PublishedCall, prepared: list[OutboxMessage], manager_client: Client
) -> None:
    message = _laureate_message(published)

    manager_client.post(
        reverse("notifications:cancel", kwargs={"slug": published.call.slug, "pk": message.pk})
    )

    message.refresh_from_db()
    assert message.state == MessageState.CANCELLED


def test_settings_form_saves(published: PublishedCall, manager_client: Client) -> None:
    url = reverse("notifications:settings", kwargs={"slug": published.call.slug})
    assert "Nom du signataire" in manager_client.get(url).content.decode()

    response = manager_client.post(
        url,
        {
            "share_score_summary_with_rejected": "on",
            "signatory_name": "Claire Dupont",
            "signatory_title": "Directrice",
            "contact_email": "programme@example.fr",
            "laureate_next_steps": "",
        },
    )

    assert response.status_code == 302
    saved = published.call.notification_settings
    assert (saved.share_score_summary_with_rejected, saved.signatory_name) == (
        True,
        "Claire Dupont",
    )


def test_settings_form_keeps_input_on_error(
    published: PublishedCall, manager_client: Client
) -> None:
    url = reverse("notifications:settings", kwargs={"slug": published.call.slug})

    response = manager_client.post(
        url, {"signatory_name": "Claire Dupont", "contact_email": "pas-un-mail"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="Claire Dupont"' in body
    assert "adresse électronique valide" in body


# --- the applicant's letter -------------------------------------------------------


def _send(message: OutboxMessage, manager: User, capture: Any) -> None:
    with capture(execute=True):
        outbox_send(messages=[message], by=manager)


def test_my_letter_for_the_applicant_once_sent(
    published: PublishedCall,
    prepared: list[OutboxMessage],
    manager: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = _laureate_message(published)
    client = _client_for(_applicant(published))
    url = reverse("notifications:my_letter", kwargs={"pk": message.pk})
    detail = reverse("applications:detail", kwargs={"pk": message.application_id})

    assert client.get(url).status_code == 404
    assert url not in client.get(detail).content.decode()

    _send(message, manager, django_capture_on_commit_callbacks)
    response = client.get(url)

    assert response.status_code == 200
    assert response.content == bytes(message.attachment)
    assert response["Content-Disposition"].startswith("attachment;")
    assert url in client.get(detail).content.decode()


def test_my_letter_of_another_applicant_is_not_found(
    published: PublishedCall,
    prepared: list[OutboxMessage],
    manager: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = _laureate_message(published)
    _send(message, manager, django_capture_on_commit_callbacks)
    other = published.rejected.application.organisation.memberships.get().user

    response = _client_for(other).get(reverse("notifications:my_letter", kwargs={"pk": message.pk}))

    assert response.status_code == 404


def test_my_letter_of_unknown_message_is_not_found(published: PublishedCall) -> None:
    client = _client_for(_applicant(published))

    assert client.get(reverse("notifications:my_letter", kwargs={"pk": 999})).status_code == 404
