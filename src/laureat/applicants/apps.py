from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicantsConfig(AppConfig):
    name = "laureat.applicants"
    label = "applicants"
    verbose_name = _("Porteurs de projet")
