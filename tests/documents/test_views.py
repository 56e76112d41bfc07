"""The attachments page and downloads: only people who may see the application get its files."""

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from laureat.accounts.models import User
from laureat.applications.models import Application
from laureat.documents.domain import attachment_add
from laureat.documents.models import Attachment
from laureat.programmes.models import Funder
from tests.documents import samples
from tests.documents.conftest import upload
from tests.factories import PASSWORD, ResourceLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client_for(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def _content(response: Any) -> bytes:
    # Reading the stream to its end closes the file (the test client then calls
    # response.close() itself, without the request_finished signal that would
    # otherwise close the database connection of the test's transaction).
    return b"".join(response.streaming_content)


def _status(client: Client, url: str) -> int:
    """GET ``url`` and close the response (a download holds its file open until then)."""
    response = client.get(url)
    if response.streaming:
        _content(response)
    return int(response.status_code)


@pytest.fixture
def pdf(draft: Application, user: User) -> Attachment:
    return attachment_add(
        application=draft, by=user, upload=upload("Budget prévisionnel.pdf", samples.pdf_bytes())
    )


def test_download_by_a_member_streams_the_file_safely(user: User, pdf: Attachment) -> None:
    response = _client_for(user).get(reverse("documents:download", args=[pdf.pk]))
    assert response.status_code == 200
    assert _content(response) == samples.pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Budget%20pr%C3%A9visionnel.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"


def test_download_by_the_programme_manager(manager: User, pdf: Attachment) -> None:
    response = _client_for(manager).get(reverse("documents:download", args=[pdf.pk]))
    assert response.status_code == 200
    assert _content(response) == samples.pdf_bytes()


def test_download_by_another_applicant_is_not_found(other_applicant: User, pdf: Attachment) -> None:
    response = _client_for(other_applicant).get(reverse("documents:download", args=[pdf.pk]))
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_download_by_a_person_without_any_role_is_not_found(pdf: Attachment) -> None:
    response = _client_for(UserFactory()).get(reverse("documents:download", args=[pdf.pk]))
    assert response.status_code == 404


def test_download_by_an_anonymous_visitor_redirects_to_sign_in(pdf: Attachment) -> None:
    url = reverse("documents:download", args=[pdf.pk])
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_download_by_a_funder_agent_only_once_submitted(
    draft: Application, pdf: Attachment, open_call_setup: Any
) -> None:
    funder: Funder = open_call_setup.etat
    agent = UserFactory()
    funder.agents.add(agent)
    ResourceLineFactory(application=draft, funder=funder)
    url = reverse("documents:download", args=[pdf.pk])
    assert _status(_client_for(agent), url) == 404
    Application.objects.filter(pk=draft.pk).update(state="submitted", submitted_at=draft.created_at)
    assert _status(_client_for(agent), url) == 200


def test_download_of_a_removed_attachment_is_not_found(user: User, pdf: Attachment) -> None:
    client = _client_for(user)
    client.post(reverse("documents:delete", args=[pdf.pk]))
    response = client.get(reverse("documents:download", args=[pdf.pk]))
    assert response.status_code == 404


def test_download_of_a_tricky_name_gives_a_quoted_plain_name(
    draft: Application, user: User
) -> None:
    attachment = attachment_add(
        application=draft, by=user, upload=upload('../../etc/passwd "x".pdf', samples.pdf_bytes())
    )
    response = _client_for(user).get(reverse("documents:download", args=[attachment.pk]))
    _content(response)
    assert response["Content-Disposition"] == (
        'attachment; filename="passwd \\"x\\".pdf"; filename*=UTF-8\'\'passwd%20%22x%22.pdf'
    )


def test_media_files_are_not_served_by_url(user: User, pdf: Attachment) -> None:
    response = _client_for(user).get("/media/" + pdf.file.name)
    assert response.status_code == 404


# --- the attachments page -----------------------------------------------------------


def test_attachments_page_upload_lists_the_file(draft: Application, user: User) -> None:
    client = _client_for(user)
    url = reverse("documents:application_attachments", args=[draft.pk])
    response = client.post(
        url, {"label": "Plan du plateau", "file": upload("plan.png", samples.png_bytes())}
    )
    assert response.status_code == 302
    assert response["Location"] == url
    page = client.get(url)
    attachment = Attachment.objects.get()
    assert attachment.label == "Plan du plateau"
    assert reverse("documents:download", args=[attachment.pk]) in page.content.decode()
    assert "Le fichier « plan.png » a été ajouté aux pièces jointes." in page.content.decode()


def test_attachments_page_refused_upload_shows_the_message(draft: Application, user: User) -> None:
    response = _client_for(user).post(
        reverse("documents:application_attachments", args=[draft.pk]),
        {"file": upload("faux.pdf", b"pas un pdf")},
    )
    assert response.status_code == 200
    assert (
        "Le fichier « faux.pdf » n&#x27;est pas d&#x27;un type accepté" in response.content.decode()
    )
    assert Attachment.objects.count() == 0


def test_attachments_page_redirects_to_a_safe_next_only(draft: Application, user: User) -> None:
    client = _client_for(user)
    url = reverse("documents:application_attachments", args=[draft.pk])
    response = client.post(
        url, {"file": upload("a.pdf", samples.pdf_bytes()), "next": "https://evil.example/"}
    )
    assert response["Location"] == url
    response = client.post(
        url, {"file": upload("b.pdf", samples.pdf_bytes()), "next": "/candidatures/1/"}
    )
    assert response["Location"] == "/candidatures/1/"


def test_attachments_page_of_another_applicant_is_not_found(
    draft: Application, other_applicant: User
) -> None:
    client = _client_for(other_applicant)
    url = reverse("documents:application_attachments", args=[draft.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"file": upload("a.pdf", samples.pdf_bytes())}).status_code == 404
    assert Attachment.objects.count() == 0


def test_attachments_page_manager_reads_but_may_not_upload(
    draft: Application, manager: User, pdf: Attachment
) -> None:
    client = _client_for(manager)
    url = reverse("documents:application_attachments", args=[draft.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Ajouter le fichier" not in page.content.decode()
    assert "Budget prévisionnel.pdf" in page.content.decode()
    response = client.post(url, {"file": upload("a.pdf", samples.pdf_bytes())})
    assert response.status_code == 403
    assert Attachment.objects.count() == 1


def test_attachments_page_remove_by_another_applicant_is_not_found(
    other_applicant: User, pdf: Attachment
) -> None:
    response = _client_for(other_applicant).post(reverse("documents:delete", args=[pdf.pk]))
    assert response.status_code == 404
    pdf.refresh_from_db()
    assert pdf.deleted_at is None


@pytest.mark.parametrize("count", [1, 3])
def test_attachments_page_query_count_does_not_grow(
    draft: Application,
    user: User,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    for index in range(count):
        attachment_add(
            application=draft, by=user, upload=upload(f"f{index}.pdf", samples.pdf_bytes())
        )
    client = _client_for(user)
    url = reverse("documents:application_attachments", args=[draft.pk])
    client.get(url)  # warm the session and the content types
    with django_assert_num_queries(_ATTACHMENTS_PAGE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("fr-link--download") == count


_ATTACHMENTS_PAGE_QUERIES = 7  # the header's roles query (web.context.nav_roles) included


def test_attachments_include_renders_on_its_own_for_the_wizard(
    draft: Application, user: User, pdf: Attachment, rf: Any
) -> None:
    request = rf.get("/candidatures/1/etapes/pieces/")
    request.user = user
    html = render_to_string(
        "documents/_application_attachments.html",
        {"application": draft, "user": user},
        request=request,
    )
    assert reverse("documents:download", args=[pdf.pk]) in html
    assert 'name="next" value="/candidatures/1/etapes/pieces/"' in html
    assert "Ajouter le fichier" in html
