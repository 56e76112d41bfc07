from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewerState(models.TextChoices):
    INVITED = "invited", _("Invité")
    ACTIVE = "active", _("Actif")
    DECLINED = "declined", _("A décliné")


class ConflictSource(models.TextChoices):
    DECLARED = "declared", _("Déclaré par l'évaluateur")
    SAME_ORGANISATION = "same_organisation", _("Même organisation")
    SAME_SIREN = "same_siren", _("Même entreprise (SIREN)")
    SAME_DEPARTMENT = "same_department", _("Même département")


COMPUTED_SOURCES = frozenset(
    {ConflictSource.SAME_ORGANISATION, ConflictSource.SAME_SIREN, ConflictSource.SAME_DEPARTMENT}
)


class AssignmentState(models.TextChoices):
    PROPOSED = "proposed", _("Proposée")
    CONFIRMED = "confirmed", _("Confirmée")
    DECLINED = "declined", _("Déclinée")


class Recommendation(models.TextChoices):
    FUND = "fund", _("À financer")
    FUND_IF = "fund_if", _("À financer sous réserve")
    REJECT = "reject", _("À ne pas financer")
