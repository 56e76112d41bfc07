from django.db import models
from django.utils.translation import gettext_lazy as _

from laureat.selection.enums import DecisionOutcome


class MessageKind(models.TextChoices):
    """What a message of the outbox announces. New kinds need a migration (check constraint)."""

    DECISION_LAUREATE = "decision_laureate", _("Décision : lauréat")
    DECISION_WAITING = "decision_waiting", _("Décision : liste d'attente")
    DECISION_REJECTED = "decision_rejected", _("Décision : non retenu")


DECISION_KINDS: dict[str, MessageKind] = {
    DecisionOutcome.LAUREATE: MessageKind.DECISION_LAUREATE,
    DecisionOutcome.WAITING_LIST: MessageKind.DECISION_WAITING,
    DecisionOutcome.REJECTED: MessageKind.DECISION_REJECTED,
}


class MessageState(models.TextChoices):
    """A draft is claimed (sending) inside the transaction, then sent or failed after commit.

    A message left in "sending" (the process died between the commit and the
    email) is never sent again automatically: at most once, the manager checks.
    """

    DRAFT = "draft", _("Brouillon")
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec de l'envoi")
    CANCELLED = "cancelled", _("Annulé")


# States a manager may (re)send, and those that ``decision_letters_prepare`` replaces.
SENDABLE_STATES = frozenset({MessageState.DRAFT, MessageState.FAILED})
REPLACEABLE_STATES = SENDABLE_STATES
