from django.db import models
from django.utils.translation import gettext_lazy as _


class CallState(models.TextChoices):
    """The state a manager sets. Whether a published call is open is read from its dates."""

    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publié")
    RESULTS_PUBLISHED = "results_published", _("Résultats publiés")
    ARCHIVED = "archived", _("Archivé")


class CallPhase(models.TextChoices):
    """What a visitor sees: computed from the state and the dates (``Call.phase``)."""

    DRAFT = "draft", _("En préparation")
    UPCOMING = "upcoming", _("À venir")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Clôturé")
    RESULTS = "results", _("Résultats publiés")
    ARCHIVED = "archived", _("Archivé")


class ExpenseCategory(models.TextChoices):
    ENGINEERING = "engineering", _("Études d'ingénierie")
    INVESTMENT = "investment", _("Investissement")
    STARTUP = "startup", _("Amorçage")


class ProgrammeRoleKind(models.TextChoices):
    MANAGER = "manager", _("Gestionnaire du programme")
    REVIEWER = "reviewer", _("Évaluateur / membre du comité")
