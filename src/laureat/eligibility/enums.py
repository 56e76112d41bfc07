from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    """The kinds of eligibility rule a manager may set on a call."""

    HOLDER_KINDS = "holder_kinds", _("Types de structure porteuse admis")
    TERRITORY = "territory", _("Territoire éligible")
    FUNDER_REQUEST = "funder_request", _("Montant demandé à un cofinanceur")
    REQUIRED_ATTACHMENTS = "required_attachments", _("Pièces obligatoires")
    LEARNERS = "learners", _("Apprenants visés")
    BUDGET_BALANCED = "budget_balanced", _("Budget équilibré")
    START_DATE = "start_date", _("Date de démarrage")


class Verdict(models.TextChoices):
    """What the list of submitted applications can be filtered on."""

    PASSED = "passed", _("Recevable selon les règles")
    FAILED = "failed", _("Non recevable selon les règles")
    NONE = "none", _("Non évaluée")
