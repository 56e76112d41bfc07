"""Writes for the outbox: prepare the decision letters, send, cancel; the call's settings.

Messages are prepared as drafts (with their PDF), previewed by the manager, then
sent. Sending claims the drafts inside the transaction (``sending``, rows
locked) and emails them after commit: a second click finds nothing left to
claim, so a message is never sent twice.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.core.links import absolute_url
from laureat.core.money import format_eur, money_sum
from laureat.notifications.enums import (
    DECISION_KINDS,
    REPLACEABLE_STATES,
    SENDABLE_STATES,
    MessageState,
)
from laureat.notifications.letters import decision_letter_pdf, letter_filename
from laureat.notifications.models import NotificationSettings, OutboxMessage
from laureat.notifications.queries import (
    application_recipients,
    call_score_summaries,
    notification_settings_of,
)
from laureat.programmes.models import Call
from laureat.selection.enums import DecisionOutcome
from laureat.selection.models import Decision


def _require_manager(by: User, call: Call) -> None:
    if not by.has_perm("programmes.manage_programme", call):
        raise DomainError(
            _("Seuls les gestionnaires du programme gèrent les courriers de l'appel.")
        )


# --- settings -----------------------------------------------------------------

SETTINGS_FIELDS = frozenset(
    {
        "share_score_summary_with_rejected",
        "signatory_name",
        "signatory_title",
        "laureate_next_steps",
        "contact_email",
    }
)


@transaction.atomic
def notification_settings_update(*, call: Call, by: User, **values: Any) -> NotificationSettings:
    """Change what the call's letters say. Side effects: the settings row; audit entry
    ``notifications.settings_update`` (the fields changed)."""
    _require_manager(by, call)
    unknown = set(values) - SETTINGS_FIELDS
    if unknown:
        raise DomainError(_("Paramètres inconnus : %s.") % ", ".join(sorted(unknown)))
    current, _created = NotificationSettings.objects.select_for_update().get_or_create(call=call)
    changed = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed[name] = value
    try:
        current.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    current.save()
    log_action(
        actor=by,
        action="notifications.settings_update",
        obj=call,
        data={"changed": sorted(changed)},
    )
    return current


# --- preparing the letters ------------------------------------------------------


def _detail_url(decision: Decision, base_url: str) -> str:
    path = reverse("applications:detail", kwargs={"pk": decision.application_id})
    return absolute_url(base_url, path)


def _outcome_sentence(decision: Decision) -> str:
    if decision.outcome == DecisionOutcome.LAUREATE:
        total = money_sum(a.amount for a in decision.awards.all())
        return _(
            "Votre projet est lauréat. Le courrier joint détaille l'aide attribuée "
            "(%(total)s au total) et les prochaines étapes."
        ) % {"total": format_eur(total)}
    if decision.outcome == DecisionOutcome.WAITING_LIST:
        return _(
            "Votre projet est inscrit sur la liste d'attente, au rang %d. Le courrier joint "
            "explique ce que cela signifie."
        ) % (decision.waiting_rank or 0)
    return _("Votre projet n'a pas été retenu. Le courrier joint en donne les motifs.")


def decision_message_text(decision: Decision, *, base_url: str = "") -> tuple[str, str]:
    """The subject and body of the email that carries the decision letter (in French)."""
    application = decision.application
    with translation.override("fr"):
        subject = _("[Laureat] Décision sur votre candidature %(reference)s — %(call)s") % {
            "reference": application.reference,
            "call": application.call.title,
        }
        body = _(
            "Bonjour,\n\n"
            "La décision du comité de sélection de l'appel « %(call)s » sur votre candidature "
            "« %(title)s » (%(reference)s) est publiée.\n\n"
            "%(outcome)s\n\n"
            "Le courrier de décision est joint à ce message au format PDF. Vous le retrouverez "
            "aussi sur Laureat, depuis votre candidature : %(url)s\n\n"
            "— Laureat"
        ) % {
            "call": application.call.title,
            "title": application.title,
            "reference": application.reference,
            "outcome": _outcome_sentence(decision),
            "url": _detail_url(decision, base_url),
        }
    return subject, body


@transaction.atomic
def decision_letters_prepare(*, call: Call, by: User, base_url: str = "") -> int:
    """Prepare one draft message, with its PDF letter, per decided application of ``call``.

    Refused unless the call's decisions are published (all of them). Idempotent:
    the call's draft and failed decision messages are replaced; an application
    whose letter is already sent (or being sent) gets none. Returns the number of
    drafts created. ``base_url`` (scheme and host) makes the link in the email
    absolute. Side effects: ``OutboxMessage`` rows deleted and created; audit
    entry ``notifications.letters_prepare``.
    """
    _require_manager(by, call)
    Call.objects.select_for_update().filter(pk=call.pk).first()  # one preparation at a time
    decisions = (
        Decision.objects.filter(application__call=call)
        .select_related("application__organisation", "application__call__programme")
        .prefetch_related("awards__funder")
        .order_by("application__reference")
    )
    if not decisions.exists():
        raise DomainError(_("Cet appel n'a aucune décision : il n'y a pas de courrier à préparer."))
    if decisions.filter(published_at__isnull=True).exists():
        raise DomainError(
            _(
                "Les décisions de cet appel ne sont pas encore publiées : publiez-les avant de "
                "préparer les courriers."
            )
        )
    kinds = list(DECISION_KINDS.values())
    replaced, _deleted = OutboxMessage.objects.filter(
        call=call, kind__in=kinds, state__in=REPLACEABLE_STATES
    ).delete()
    done = set(
        OutboxMessage.objects.filter(
            call=call, kind__in=kinds, state__in=[MessageState.SENT, MessageState.SENDING]
        ).values_list("application_id", flat=True)
    )
    notification_settings = notification_settings_of(call)
    summaries = (
        call_score_summaries(call)
        if notification_settings.share_score_summary_with_rejected
        else {}
    )
    created = []
    for decision in decisions:
        if decision.application_id in done:
            continue
        subject, body = decision_message_text(decision, base_url=base_url)
        created.append(
            OutboxMessage(
                call=call,
                application=decision.application,
                kind=DECISION_KINDS[decision.outcome],
                recipients=application_recipients(decision.application),
                subject=subject,
                body=body,
                attachment_name=letter_filename(decision),
                attachment=decision_letter_pdf(
                    decision,
                    notification_settings=notification_settings,
                    summary=summaries.get(decision.application_id),
                ),
                created_by=by,
            )
        )
    OutboxMessage.objects.bulk_create(created)
    log_action(
        actor=by,
        action="notifications.letters_prepare",
        obj=call,
        data={"prepared": len(created), "replaced": replaced, "already_sent": len(done)},
    )
    return len(created)


# --- sending --------------------------------------------------------------------


@dataclass
class OutboxSendReport:
    """What ``outbox_send`` did. ``sent`` and ``failed`` fill in after commit."""

    claimed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=django_settings.DEFAULT_FROM_EMAIL,
        to=list(message.recipients),
    )
    if message.attachment_name:
        email.attach(message.attachment_name, bytes(message.attachment), "application/pdf")
    return email


def _deliver(ids: list[int], by: User, report: OutboxSendReport) -> None:
    """After commit: send each claimed message; a failure is recorded and the next one goes."""
    for message in OutboxMessage.objects.filter(pk__in=ids, state=MessageState.SENDING):
        try:
            _email(message).send(fail_silently=False)
        except Exception as error:
            text = f"{type(error).__name__}: {error}"[:2000]
            OutboxMessage.objects.filter(pk=message.pk).update(
                state=MessageState.FAILED, error=text
            )
            log_action(
                actor=by, action="notifications.message_fail", obj=message, data={"error": text}
            )
            report.failed.append(message.pk)
        else:
            OutboxMessage.objects.filter(pk=message.pk).update(
                state=MessageState.SENT, sent_at=timezone.now()
            )
            report.sent.append(message.pk)


@transaction.atomic
def outbox_send(*, messages: Iterable[OutboxMessage], by: User) -> OutboxSendReport:
    """Send the given messages that are drafts (or failed): each once, after commit.

    The rows are locked and claimed (state ``sending``) in the transaction; a
    message already claimed, sent or cancelled is skipped (a double click sends
    nothing more). After commit each message goes out by email with its PDF; a
    failing one is marked ``failed`` with the error and the others still go.
    A message without recipients fails at once. Side effects: states,
    ``sent_by``, ``sent_at``; audit entries ``notifications.message_send`` (and
    ``notifications.message_fail``); the emails.
    """
    ids = sorted({m.pk for m in messages})
    report = OutboxSendReport()
    locked = list(
        OutboxMessage.objects.select_for_update(of=("self",))
        .select_related("call__programme")
        .filter(pk__in=ids)
        .defer("attachment")
    )
    for call in {m.call for m in locked}:
        _require_manager(by, call)
    claimed = []
    for message in locked:
        if message.state not in SENDABLE_STATES:
            report.skipped.append(message.pk)
            continue
        if not message.recipients:
            error = _("Aucun destinataire : l'organisation n'a aucun membre actif.")
            OutboxMessage.objects.filter(pk=message.pk).update(
                state=MessageState.FAILED, error=error
            )
            log_action(
                actor=by, action="notifications.message_fail", obj=message, data={"error": error}
            )
            report.failed.append(message.pk)
            continue
        # Conditional: whatever happened since the read, only a sendable message is claimed.
        if (
            OutboxMessage.objects.filter(pk=message.pk, state__in=SENDABLE_STATES).update(
                state=MessageState.SENDING, sent_by=by, error=""
            )
            != 1
        ):
            report.skipped.append(message.pk)
            continue
        log_action(
            actor=by,
            action="notifications.message_send",
            obj=message,
            data={"recipients": list(message.recipients), "kind": message.kind},
        )
        claimed.append(message.pk)
    report.skipped.extend(sorted(set(ids) - {m.pk for m in locked}))
    report.claimed = claimed
    if claimed:
        transaction.on_commit(lambda: _deliver(claimed, by, report))
    return report


@transaction.atomic
def outbox_cancel(*, message: OutboxMessage, by: User) -> OutboxMessage:
    """Cancel a draft (or failed) message: it will not be sent. Side effects: state;
    audit entry ``notifications.message_cancel``."""
    locked = (
        OutboxMessage.objects.select_for_update(of=("self",))
        .select_related("call__programme")
        .get(pk=message.pk)
    )
    _require_manager(by, locked.call)
    if locked.state not in SENDABLE_STATES:
        raise DomainError(
            _("Ce message est « %s » : seul un brouillon ou un envoi en échec peut être annulé.")
            % locked.get_state_display()
        )
    locked.state = MessageState.CANCELLED
    locked.save(update_fields=["state", "updated_at"])
    log_action(actor=by, action="notifications.message_cancel", obj=locked)
    return locked
