from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "laureat.documents"
    label = "documents"
    verbose_name = _("Pièces jointes et demandes de compléments")
