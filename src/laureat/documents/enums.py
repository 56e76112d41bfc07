from django.db import models
from django.utils.translation import gettext_lazy as _


class Section(models.TextChoices):
    """The sections of the application form (the wizard's steps) a manager may reopen."""

    PROJECT = "project", _("Projet")
    TERRITORY = "territory", _("Territoire")
    THEMES = "themes", _("Thèmes et technologies")
    LEARNERS = "learners", _("Apprenants")
    BUDGET = "budget", _("Budget")
    RESOURCES = "resources", _("Ressources")
    QUESTIONS = "questions", _("Questions de l'appel")
    ATTACHMENTS = "attachments", _("Pièces jointes")
