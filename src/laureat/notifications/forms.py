"""Forms of the outbox pages."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from laureat.notifications.enums import MessageKind, MessageState


class NotificationSettingsForm(DsfrBaseForm):
    share_score_summary_with_rejected = forms.BooleanField(
        label=_("Joindre un résumé des notes aux courriers des projets non retenus"),
        help_text=_(
            "La note moyenne du projet, la note du dernier projet retenu et les moyennes par "
            "critère. Jamais le nom des évaluateurs."
        ),
        required=False,
    )
    signatory_name = forms.CharField(label=_("Nom du signataire"), max_length=200, required=False)
    signatory_title = forms.CharField(
        label=_("Qualité du signataire"),
        max_length=200,
        required=False,
        help_text=_("Par exemple « Directrice du programme »."),
    )
    contact_email = forms.EmailField(
        label=_("Adresse de contact"),
        required=False,
        help_text=_("Indiquée dans chaque courrier pour les questions des porteurs."),
        error_messages={
            "invalid": _(
                "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."
            )
        },
    )
    laureate_next_steps = forms.CharField(
        label=_("Prochaines étapes pour les lauréats"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
        help_text=_(
            "Ajouté au courrier des lauréats après la liste des conventions à signer "
            "(contacts, calendrier, pièces à fournir)."
        ),
    )


class OutboxFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Nature"), choices=[("", _("Toutes")), *MessageKind.choices], required=False
    )
    state = forms.ChoiceField(
        label=_("État"), choices=[("", _("Tous")), *MessageState.choices], required=False
    )
