from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm


class LoginForm(DsfrBaseForm, AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Adresse électronique ou mot de passe incorrect. "
            "Vérifiez votre saisie ; le mot de passe tient compte des majuscules."
        ),
        "inactive": _("Ce compte est désactivé."),
    }
