"""Submission: snapshot, receipt (screen, email, PDF), idempotence, deadline, withdrawal."""

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.applications.domain import application_submit, application_transition
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application, Submission
from laureat.applications.receipts import latin1, receipt_pdf
from laureat.applications.snapshot import canonical_json, snapshot_sha256
from laureat.programmes.models import Call
from tests.factories import make_complete_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(open_call: Call, user: User, organisation: Organisation) -> Application:
    return make_complete_draft(open_call, user, organisation=organisation)


def test_submit_creates_submission_with_snapshot_and_receipt(
    user_client: Client, draft: Application
) -> None:
    response = user_client.post(reverse("applications:submit", args=[draft.pk]))

    submission = Submission.objects.get()
    assert response["Location"] == reverse("applications:receipt", args=[draft.pk])
    assert submission.receipt_number == f"{draft.reference}-1"
    assert submission.sequence == 1
    assert submission.snapshot["title"] == draft.title
    assert [e["amount"] for e in submission.snapshot["expenses"]] == [
        "100000.00",
        "200000.00",
        "50000.00",
    ]
    assert submission.snapshot["attachments"] == []
    assert (
        submission.snapshot_sha256
        == hashlib.sha256(canonical_json(submission.snapshot)).hexdigest()
    )


def test_snapshot_sha256_is_canonical() -> None:
    assert snapshot_sha256({"b": 1, "a": "é"}) == snapshot_sha256({"a": "é", "b": 1})


def test_double_submit_gives_one_submission(
    user_client: Client, draft: Application, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("applications:submit", args=[draft.pk])

    with django_capture_on_commit_callbacks(execute=True):
        first = user_client.post(url)
        second = user_client.post(url)

    assert first["Location"] == second["Location"]
    assert Submission.objects.count() == 1
    assert len(mail.outbox) == 1


def test_receipt_page_shows_number_time_and_sha256(user_client: Client, draft: Application) -> None:
    user_client.post(reverse("applications:submit", args=[draft.pk]))
    submission = Submission.objects.get()

    body = user_client.get(reverse("applications:receipt", args=[draft.pk])).content.decode()

    assert submission.receipt_number in body
    assert submission.snapshot_sha256 in body
    assert "heure de Paris" in body


def test_receipt_is_emailed_with_pdf(
    user_client: Client,
    draft: Application,
    user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(reverse("applications:submit", args=[draft.pk]))
    submission = Submission.objects.get()

    (message,) = mail.outbox
    assert message.to == [user.email]
    assert message.subject == f"Récépissé de dépôt {submission.receipt_number}"
    assert submission.snapshot_sha256 in message.body
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == (f"recepisse-{submission.receipt_number}.pdf", "application/pdf")
    assert content[:5] == b"%PDF-"


def test_receipt_pdf_downloads(user_client: Client, draft: Application) -> None:
    user_client.post(reverse("applications:submit", args=[draft.pk]))

    response = user_client.get(reverse("applications:receipt_pdf", args=[draft.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-"


def test_receipt_pdf_renders_french_text(draft: Application, user: User) -> None:
    application_submit(application=draft, by=user, notify=False)

    pdf = receipt_pdf(Submission.objects.get())

    assert pdf[:5] == b"%PDF-"
    assert latin1("Récépissé — 10 000 € l’été, cœur") == "Récépissé - 10 000 EUR l'été, coeur"


def test_submit_after_deadline_refused_with_message(
    user_client: Client, draft: Application, open_call: Call
) -> None:
    Call.objects.filter(pk=open_call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))

    response = user_client.post(reverse("applications:submit", args=[draft.pk]), follow=True)

    assert "est clos depuis le" in response.content.decode()
    assert Application.objects.get(pk=draft.pk).state == ApplicationState.DRAFT
    assert Submission.objects.count() == 0


def test_resubmission_after_reopening_makes_second_submission(
    draft: Application, user: User, manager: User
) -> None:
    application_submit(application=draft, by=user, notify=False)
    reopened = application_transition(
        application=Application.objects.get(pk=draft.pk),
        target=ApplicationState.DRAFT,
        by=manager,
        reason="Pièce manquante",
    )

    application_submit(application=reopened, by=user, notify=False)

    assert list(Submission.objects.values_list("sequence", "receipt_number")) == [
        (2, f"{draft.reference}-2"),
        (1, f"{draft.reference}-1"),
    ]


def test_submitted_application_is_read_only(user_client: Client, draft: Application) -> None:
    user_client.post(reverse("applications:submit", args=[draft.pk]))
    version = Application.objects.get(pk=draft.pk).version

    user_client.post(
        reverse("applications:step", args=[draft.pk, "projet"]),
        {"version": version, "title": "Changé"},
    )

    assert Application.objects.get(pk=draft.pk).title == draft.title


def test_withdraw_submitted_application_with_reason(
    user_client: Client, draft: Application
) -> None:
    user_client.post(reverse("applications:submit", args=[draft.pk]))

    response = user_client.post(
        reverse("applications:withdraw", args=[draft.pk]), {"reason": "Projet reporté"}
    )

    assert response["Location"] == reverse("applications:detail", args=[draft.pk])
    assert Application.objects.get(pk=draft.pk).state == ApplicationState.WITHDRAWN


def test_withdraw_after_decision_refused(user_client: Client, draft: Application) -> None:
    Application.objects.filter(pk=draft.pk).update(
        state=ApplicationState.LAUREATE, submitted_at=timezone.now()
    )

    response = user_client.post(
        reverse("applications:withdraw", args=[draft.pk]), {"reason": "Trop tard"}
    )

    assert "ne peut pas passer" in response.content.decode()
    assert Application.objects.get(pk=draft.pk).state == ApplicationState.LAUREATE


def test_detail_shows_submission_history(user_client: Client, draft: Application) -> None:
    user_client.post(reverse("applications:submit", args=[draft.pk]))

    response = user_client.get(reverse("applications:detail", args=[draft.pk]))

    assert [s.receipt_number for s in response.context["submissions"]] == [f"{draft.reference}-1"]
