"""The outbox: prepare the letters once decisions are published, send each once, record failures."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend

from laureat.accounts.models import User
from laureat.applicants.models import ApplicationCollaborator, Membership
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.core.money import format_eur
from laureat.notifications.domain import (
    decision_letters_prepare,
    notification_settings_update,
    outbox_cancel,
    outbox_send,
)
from laureat.notifications.enums import MessageKind, MessageState
from laureat.notifications.models import OutboxMessage
from laureat.selection.enums import DecisionOutcome
from tests.factories import OpenCall, UserFactory
from tests.notifications.builders import PublishedCall, make_decision, publish_call
from tests.notifications.pdftext import pdf_text

pytestmark = pytest.mark.django_db

REFUSED = "refuse@refuse.example"


class FailingBackend(EmailBackend):
    """The in-memory backend, except that a message to ``REFUSED`` raises."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            if REFUSED in message.recipients():
                raise ConnectionRefusedError("le serveur de courriel refuse le destinataire")
        return super().send_messages(messages)


@pytest.fixture
def published(open_call_setup: OpenCall) -> PublishedCall:
    return publish_call(open_call_setup)


def _drafts(published: PublishedCall) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(call=published.call, state=MessageState.DRAFT).order_by(
            "application__reference"
        )
    )


# --- prepare --------------------------------------------------------------------


def test_prepare_refused_while_decisions_are_pending(
    open_call_setup: OpenCall, manager: User
) -> None:
    make_decision(open_call_setup.call, DecisionOutcome.LAUREATE, published=False)

    with pytest.raises(DomainError, match="pas encore publiées"):
        decision_letters_prepare(call=open_call_setup.call, by=manager)

    assert OutboxMessage.objects.count() == 0


def test_prepare_refused_without_decisions(open_call_setup: OpenCall, manager: User) -> None:
    with pytest.raises(DomainError, match="aucune décision"):
        decision_letters_prepare(call=open_call_setup.call, by=manager)


def test_prepare_refused_to_a_non_manager(published: PublishedCall) -> None:
    with pytest.raises(DomainError, match="gestionnaires"):
        decision_letters_prepare(call=published.call, by=UserFactory())


def test_prepare_creates_one_draft_per_decision(published: PublishedCall, manager: User) -> None:
    application = published.laureate.application
    collaborator = UserFactory(email="co-redactrice@example.fr")
    ApplicationCollaborator.objects.create(application=application, user=collaborator)
    member = Membership.objects.get(organisation=application.organisation).user

    count = decision_letters_prepare(call=published.call, by=manager, base_url="https://x.fr/")

    assert count == 3
    drafts = {m.application_id: m for m in _drafts(published)}
    laureate = drafts[application.pk]
    assert laureate.kind == MessageKind.DECISION_LAUREATE
    assert laureate.recipients == sorted([member.email, "co-redactrice@example.fr"])
    assert application.reference in laureate.subject
    assert f"https://x.fr/candidatures/{application.pk}/" in laureate.body
    assert format_eur(Decimal("150000")) in laureate.body
    assert laureate.attachment_name == f"decision-{application.reference}.pdf"
    assert bytes(laureate.attachment)[:5] == b"%PDF-"
    assert laureate.created_by == manager
    assert drafts[published.waiting.application_id].kind == MessageKind.DECISION_WAITING
    assert drafts[published.rejected.application_id].kind == MessageKind.DECISION_REJECTED
    assert AuditLog.objects.filter(action="notifications.letters_prepare").count() == 1


def test_prepare_again_replaces_drafts(published: PublishedCall, manager: User) -> None:
    decision_letters_prepare(call=published.call, by=manager)
    first = {m.pk for m in _drafts(published)}

    count = decision_letters_prepare(call=published.call, by=manager)

    assert count == 3
    assert OutboxMessage.objects.count() == 3
    assert {m.pk for m in _drafts(published)}.isdisjoint(first)


def test_prepare_again_never_touches_sent_messages(
    published: PublishedCall, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    decision_letters_prepare(call=published.call, by=manager)
    sent = OutboxMessage.objects.get(application=published.laureate.application)
    with django_capture_on_commit_callbacks(execute=True):
        outbox_send(messages=[sent], by=manager)

    count = decision_letters_prepare(call=published.call, by=manager)

    assert count == 2
    sent.refresh_from_db()
    assert sent.state == MessageState.SENT
    assert OutboxMessage.objects.filter(application=published.laureate.application).count() == 1


def test_prepare_uses_the_call_settings(published: PublishedCall, manager: User) -> None:
    notification_settings_update(call=published.call, by=manager, signatory_name="Claire Dupont")
    decision_letters_prepare(call=published.call, by=manager)

    message = OutboxMessage.objects.get(application=published.rejected.application)
    text = pdf_text(bytes(message.attachment))
    assert "Claire Dupont" in text
    assert "Le plan de financement ne démontre pas la pérennité du projet." in text


# --- send -----------------------------------------------------------------------


def test_send_emails_each_draft_with_its_pdf(
    published: PublishedCall,
    manager: User,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    decision_letters_prepare(call=published.call, by=manager)
    drafts = _drafts(published)

    with django_capture_on_commit_callbacks(execute=True):
        report = outbox_send(messages=drafts, by=manager)

    assert len(mailoutbox) == 3
    assert sorted(report.sent) == sorted(m.pk for m in drafts)
    assert report.failed == []
    laureate = next(m for m in drafts if m.application_id == published.laureate.application_id)
    email = next(e for e in mailoutbox if e.subject == laureate.subject)
    assert email.to == laureate.recipients
    assert email.body == laureate.body
    assert email.attachments == [
        (laureate.attachment_name, bytes(laureate.attachment), "application/pdf")
    ]
    states = set(OutboxMessage.objects.values_list("state", "sent_by"))
    assert states == {(MessageState.SENT, manager.pk)}
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    assert AuditLog.objects.filter(action="notifications.message_send").count() == 3


def test_send_nothing_before_commit(
    published: PublishedCall,
    manager: User,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    decision_letters_prepare(call=published.call, by=manager)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = outbox_send(messages=_drafts(published), by=manager)

    assert len(callbacks) == 1
    assert mailoutbox == []
    assert len(report.claimed) == 3
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {MessageState.SENDING}


def test_send_twice_sends_once(
    published: PublishedCall,
    manager: User,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    decision_letters_prepare(call=published.call, by=manager)
    drafts = _drafts(published)

    with django_capture_on_commit_callbacks(execute=True):
        outbox_send(messages=drafts, by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        second = outbox_send(messages=drafts, by=manager)

    assert len(mailoutbox) == 3
    assert second.claimed == []
    assert sorted(second.skipped) == sorted(m.pk for m in drafts)


def test_send_failure_marks_failed_and_goes_on(
    published: PublishedCall,
    manager: User,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.test_domain.FailingBackend"
    decision_letters_prepare(call=published.call, by=manager)
    refused = OutboxMessage.objects.get(application=published.waiting.application)
    refused.recipients = [REFUSED]
    refused.save(update_fields=["recipients"])

    with django_capture_on_commit_callbacks(execute=True):
        report = outbox_send(messages=_drafts(published), by=manager)

    assert report.failed == [refused.pk]
    assert len(report.sent) == 2
    assert len(mailoutbox) == 2
    refused.refresh_from_db()
    assert refused.state == MessageState.FAILED
    assert refused.error == "ConnectionRefusedError: le serveur de courriel refuse le destinataire"
    assert refused.sent_at is None
    assert AuditLog.objects.filter(action="notifications.message_fail").count() == 1


def test_send_failed_message_again_once_fixed(
    published: PublishedCall,
    manager: User,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    decision_letters_prepare(call=published.call, by=manager)
    message = OutboxMessage.objects.get(application=published.waiting.application)
    OutboxMessage.objects.filter(pk=message.pk).update(state=MessageState.FAILED, error="panne")

    with django_capture_on_commit_callbacks(execute=True):
        report = outbox_send(messages=[message], by=manager)

    assert report.sent == [message.pk]
    message.refresh_from_db()
    assert (message.state, message.error) == (MessageState.SENT, "")


def test_send_without_recipients_fails_at_once(
    published: PublishedCall,
    manager: User,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    decision_letters_prepare(call=published.call, by=manager)
    message = OutboxMessage.objects.get(application=published.rejected.application)
    message.recipients = []
    message.save(update_fields=["recipients"])

    with django_capture_on_commit_callbacks(execute=True):
        report = outbox_send(messages=[message], by=manager)

    assert report.failed == [message.pk]
    assert mailoutbox == []
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    assert "Aucun destinataire" in message.error


def test_send_refused_to_a_non_manager(published: PublishedCall, manager: User) -> None:
    decision_letters_prepare(call=published.call, by=manager)

    with pytest.raises(DomainError, match="gestionnaires"):
        outbox_send(messages=_drafts(published), by=UserFactory())

    assert OutboxMessage.objects.filter(state=MessageState.DRAFT).count() == 3


# --- cancel and settings ----------------------------------------------------------


def test_cancel_draft_then_send_skips_it(
    published: PublishedCall,
    manager: User,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    decision_letters_prepare(call=published.call, by=manager)
    message = _drafts(published)[0]

    outbox_cancel(message=message, by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        report = outbox_send(messages=[message], by=manager)

    message.refresh_from_db()
    assert message.state == MessageState.CANCELLED
    assert report.skipped == [message.pk]
    assert mailoutbox == []


def test_cancel_sent_message_refused(
    published: PublishedCall, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    decision_letters_prepare(call=published.call, by=manager)
    message = _drafts(published)[0]
    with django_capture_on_commit_callbacks(execute=True):
        outbox_send(messages=[message], by=manager)

    with pytest.raises(DomainError, match="seul un brouillon"):
        outbox_cancel(message=message, by=manager)


def test_settings_update_saves_and_logs(published: PublishedCall, manager: User) -> None:
    saved = notification_settings_update(
        call=published.call,
        by=manager,
        share_score_summary_with_rejected=True,
        signatory_name="  Claire Dupont ",
    )

    assert (saved.share_score_summary_with_rejected, saved.signatory_name) == (
        True,
        "Claire Dupont",
    )
    entry = AuditLog.objects.get(action="notifications.settings_update")
    assert entry.data == {"changed": ["share_score_summary_with_rejected", "signatory_name"]}


def test_settings_update_refuses_unknown_field_and_bad_email(
    published: PublishedCall, manager: User
) -> None:
    with pytest.raises(DomainError, match="inconnus"):
        notification_settings_update(call=published.call, by=manager, colour="bleu")
    with pytest.raises(DomainError):
        notification_settings_update(call=published.call, by=manager, contact_email="pas-un-mail")
