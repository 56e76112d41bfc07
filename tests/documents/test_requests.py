"""Requests for information: the manager asks (and may reopen sections), the applicant answers."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from laureat.accounts.models import User
from laureat.applicants.enums import MembershipRole
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.documents.domain import (
    information_reply,
    information_request_close,
    information_request_send,
)
from laureat.documents.models import Attachment, InformationRequest
from tests.documents import samples
from tests.documents.conftest import upload
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client_for(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def colleague(submitted: Application) -> User:
    person = UserFactory(email="collegue@example.fr")
    MembershipFactory(user=person, organisation=submitted.organisation, role=MembershipRole.MEMBER)
    return person


def test_request_send_with_reopen_moves_back_to_draft_naming_the_sections(
    submitted: Application,
    manager: User,
    user: User,
    colleague: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request = information_request_send(
            application=submitted,
            by=manager,
            message="Le budget ne mentionne pas le devis de la plateforme.",
            sections=["budget", "attachments", "budget"],
            reopen=True,
        )
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.DRAFT
    assert (request.sections, request.reopened) == (["budget", "attachments"], True)
    transition = AuditLog.objects.for_object(submitted).get(action="application.transition")
    assert (transition.data["from"], transition.data["to"]) == ("submitted", "draft")
    assert transition.data["reason"] == (
        "Demande de compléments ; sections à corriger : Budget, Pièces jointes. "
        "Le budget ne mentionne pas le devis de la plateforme."
    )
    assert transition.actor == manager
    sent = AuditLog.objects.for_object(submitted).get(action="information_request.send")
    assert sent.data == {
        "request": request.pk,
        "sections": ["budget", "attachments"],
        "reopened": True,
    }
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([user.email, colleague.email])
    assert "Le budget ne mentionne pas le devis de la plateforme." in mail.outbox[0].body
    assert "Sections rouvertes pour correction : Budget, Pièces jointes." in mail.outbox[0].body


def test_request_send_without_reopen_keeps_the_state(submitted: Application, manager: User) -> None:
    information_request_send(application=submitted, by=manager, message="Précisez le calendrier.")
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.SUBMITTED
    assert (
        not AuditLog.objects.for_object(submitted).filter(action="application.transition").exists()
    )


def test_request_send_refused_to_an_applicant(submitted: Application, user: User) -> None:
    with pytest.raises(DomainError) as refused:
        information_request_send(application=submitted, by=user, message="Moi-même ?")
    assert str(refused.value) == (
        "Seuls les gestionnaires du programme peuvent demander des compléments."
    )
    assert InformationRequest.objects.count() == 0


def test_request_send_reopen_needs_sections(submitted: Application, manager: User) -> None:
    with pytest.raises(DomainError) as refused:
        information_request_send(application=submitted, by=manager, message="x", reopen=True)
    assert str(refused.value) == "Choisissez les sections à rouvrir pour correction."
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.SUBMITTED


def test_request_send_refused_on_a_draft_never_submitted(draft: Application, manager: User) -> None:
    with pytest.raises(DomainError):
        information_request_send(application=draft, by=manager, message="Trop tôt.")


def test_request_send_refuses_unknown_sections(submitted: Application, manager: User) -> None:
    with pytest.raises(DomainError) as refused:
        information_request_send(
            application=submitted, by=manager, message="x", sections=["secret"]
        )
    assert str(refused.value) == "Sections inconnues : secret."


def test_reply_with_text_and_files_notifies_the_manager(
    submitted: Application,
    manager: User,
    user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    request = information_request_send(application=submitted, by=manager, message="Le devis ?")
    with django_capture_on_commit_callbacks(execute=True):
        reply = information_reply(
            request=request,
            by=user,
            message="Voici le devis signé.",
            files=[upload("devis.pdf", samples.pdf_bytes())],
        )
    attachment = Attachment.objects.get()
    assert (attachment.reply, attachment.application) == (reply, submitted)
    assert mail.outbox[-1].to == [manager.email]
    assert "Voici le devis signé." in mail.outbox[-1].body
    entry = AuditLog.objects.for_object(submitted).get(action="information_request.reply")
    assert entry.data == {"request": request.pk, "reply": reply.pk, "files": 1}


def test_reply_with_a_refused_file_saves_nothing(
    submitted: Application, manager: User, user: User
) -> None:
    request = information_request_send(application=submitted, by=manager, message="Le devis ?")
    with pytest.raises(DomainError):
        information_reply(
            request=request,
            by=user,
            message="Voici.",
            files=[upload("ok.pdf", samples.pdf_bytes()), upload("ko.pdf", b"texte")],
        )
    assert request.replies.count() == 0
    assert Attachment.objects.count() == 0


def test_reply_refused_to_another_applicant_and_after_closing(
    submitted: Application, manager: User, user: User, other_applicant: User
) -> None:
    request = information_request_send(application=submitted, by=manager, message="Le devis ?")
    with pytest.raises(DomainError):
        information_reply(request=request, by=other_applicant, message="Je m'invite.")
    information_request_close(request=request, by=manager)
    with pytest.raises(DomainError) as refused:
        information_reply(request=request, by=user, message="Trop tard.")
    assert str(refused.value) == "Cette demande est close : elle n'attend plus de réponse."
    assert (
        AuditLog.objects.for_object(submitted).filter(action="information_request.close").count()
        == 1
    )


# --- pages -----------------------------------------------------------------------


def test_manager_sends_a_request_from_the_page_and_reopens(
    submitted: Application, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("documents:request_create", args=[submitted.pk]),
            {"message": "Corrigez le budget.", "sections": ["budget"], "reopen": "on"},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:thread", args=[submitted.pk])
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.DRAFT
    page = client.get(response["Location"]).content.decode()
    assert "Corrigez le budget." in page
    assert "Rouverte pour correction" in page
    thread_link = "http://testserver" + reverse("documents:thread", args=[submitted.pk])
    assert thread_link in mail.outbox[-1].body


def test_request_page_is_forbidden_to_the_applicant_and_hidden_from_others(
    submitted: Application, user: User, other_applicant: User
) -> None:
    url = reverse("documents:request_create", args=[submitted.pk])
    assert _client_for(user).get(url).status_code == 403
    assert _client_for(other_applicant).get(url).status_code == 404
    assert _client_for(UserFactory()).post(url, {"message": "x"}).status_code == 404
    assert InformationRequest.objects.count() == 0


def test_applicant_replies_on_the_thread_with_a_file(
    submitted: Application, manager: User, user: User
) -> None:
    request = information_request_send(application=submitted, by=manager, message="Le devis ?")
    client = _client_for(user)
    response = client.post(
        reverse("documents:reply", args=[request.pk]),
        {
            f"r{request.pk}-message": "Le voici.",
            f"r{request.pk}-documents": [upload("devis.pdf", samples.pdf_bytes())],
        },
    )
    thread_url = reverse("documents:thread", args=[submitted.pk])
    assert response["Location"] == f"{thread_url}#demande-{request.pk}"
    attachment = Attachment.objects.get()
    page = client.get(thread_url).content.decode()
    assert "Le voici." in page
    assert reverse("documents:download", args=[attachment.pk]) in page
    # The manager downloads the reply's file; another applicant may not.
    download = reverse("documents:download", args=[attachment.pk])
    response = _client_for(manager).get(download)
    b"".join(response.streaming_content)  # reading to the end closes the file
    assert response.status_code == 200


def test_reply_with_a_refused_file_keeps_the_text_and_shows_why(
    submitted: Application, manager: User, user: User
) -> None:
    request = information_request_send(application=submitted, by=manager, message="Le devis ?")
    response = _client_for(user).post(
        reverse("documents:reply", args=[request.pk]),
        {
            f"r{request.pk}-message": "Mon texte précieux.",
            f"r{request.pk}-documents": [upload("devis.pdf", b"pas un pdf")],
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Mon texte précieux." in page
    assert "Le fichier « devis.pdf » n&#x27;est pas d&#x27;un type accepté" in page


def test_thread_is_hidden_from_another_applicant_and_from_outsiders(
    submitted: Application, manager: User, other_applicant: User
) -> None:
    request = information_request_send(application=submitted, by=manager, message="Le devis ?")
    url = reverse("documents:thread", args=[submitted.pk])
    assert _client_for(other_applicant).get(url).status_code == 404
    assert _client_for(UserFactory()).get(url).status_code == 404
    reply_url = reverse("documents:reply", args=[request.pk])
    response = _client_for(other_applicant).post(reply_url, {f"r{request.pk}-message": "x"})
    assert response.status_code == 404
    assert request.replies.count() == 0


def test_reply_attachment_is_not_downloadable_by_another_applicant(
    submitted: Application, manager: User, user: User, other_applicant: User
) -> None:
    request = information_request_send(application=submitted, by=manager, message="Le devis ?")
    information_reply(
        request=request, by=user, message="Ci-joint.", files=[upload("d.pdf", samples.pdf_bytes())]
    )
    attachment = Attachment.objects.get()
    url = reverse("documents:download", args=[attachment.pk])
    assert _client_for(other_applicant).get(url).status_code == 404
    assert Client().get(url).status_code == 302


@pytest.mark.parametrize("count", [1, 3])
def test_thread_page_query_count_does_not_grow(
    submitted: Application,
    manager: User,
    user: User,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    for index in range(count):
        request = information_request_send(
            application=submitted, by=manager, message=f"Question {index}"
        )
        information_reply(
            request=request,
            by=user,
            message=f"Réponse {index}",
            files=[upload(f"r{index}.pdf", samples.pdf_bytes())],
        )
    client = _client_for(user)
    url = reverse("documents:thread", args=[submitted.pk])
    client.get(url)
    with django_assert_num_queries(_THREAD_PAGE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("fr-link--download") == count


_THREAD_PAGE_QUERIES = 10  # the header's roles query (web.context.nav_roles) included
