from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposée")
    ELIGIBLE = "eligible", _("Recevable")
    INELIGIBLE = "ineligible", _("Irrecevable")
    IN_REVIEW = "in_review", _("En évaluation")
    LAUREATE = "laureate", _("Lauréate")
    WAITING_LIST = "waiting_list", _("Liste d'attente")
    REJECTED = "rejected", _("Non retenue")
    AGREEMENT_SIGNED = "agreement_signed", _("Convention signée")
    IN_PROGRESS = "in_progress", _("En cours")
    COMPLETED = "completed", _("Terminée")
    WITHDRAWN = "withdrawn", _("Retirée")


# Named groups of states, so that queries and rules say what they mean.
SUBMITTED_STATES: frozenset[str] = frozenset(
    set(ApplicationState.values) - {ApplicationState.DRAFT, ApplicationState.WITHDRAWN}
)
DECIDED_STATES: frozenset[str] = frozenset(
    {
        ApplicationState.LAUREATE,
        ApplicationState.WAITING_LIST,
        ApplicationState.REJECTED,
        ApplicationState.AGREEMENT_SIGNED,
        ApplicationState.IN_PROGRESS,
        ApplicationState.COMPLETED,
    }
)
FUNDED_STATES: frozenset[str] = frozenset(
    {
        ApplicationState.LAUREATE,
        ApplicationState.AGREEMENT_SIGNED,
        ApplicationState.IN_PROGRESS,
        ApplicationState.COMPLETED,
    }
)
EDITABLE_STATES: frozenset[str] = frozenset({ApplicationState.DRAFT})


class ResourceKind(models.TextChoices):
    FUNDER = "funder", _("Demande à un cofinanceur de l'appel")
    OWN_FUNDS = "own_funds", _("Fonds propres")
    OTHER_PUBLIC = "other_public", _("Autres financements publics")
    OTHER_PRIVATE = "other_private", _("Autres financements privés")


class Actor(models.TextChoices):
    """Who may make a transition (see ``applications.transitions``)."""

    APPLICANT = "applicant", _("porteur de projet")
    MANAGER = "manager", _("gestionnaire du programme")
    FUNDER = "funder", _("cofinanceur")
