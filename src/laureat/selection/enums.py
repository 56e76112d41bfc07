from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionOutcome(models.TextChoices):
    """What the committee decides for one application (pending until published)."""

    LAUREATE = "laureate", _("Lauréate")
    WAITING_LIST = "waiting_list", _("Liste d'attente")
    REJECTED = "rejected", _("Non retenue")
