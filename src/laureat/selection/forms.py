"""Forms of the selection pages. The rules themselves are checked in domain.py."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from laureat.accounts.models import User
from laureat.programmes.models import Call, Envelope
from laureat.selection.domain import meeting_member_choices
from laureat.selection.enums import DecisionOutcome
from laureat.selection.models import CommitteeMeeting, SelectionSettings
from laureat.selection.optimiser import Objective, ScoreScale

HUNDRED = Decimal(100)

OBJECTIVE_CHOICES = [
    (
        Objective.MERIT_MONEY.value,
        _(
            "Montant pondéré par le mérite (score × aide) : l'argent suit le mérite, "
            "les projets les mieux notés sont financés même s'ils sont coûteux."
        ),
    ),
    (
        Objective.TOTAL_SCORE.value,
        _(
            "Somme des scores : favorise le nombre de lauréats, donc les petits projets, "
            "même moins bien notés."
        ),
    ),
]
SCALE_CHOICES = [
    (ScoreScale.RAW.value, _("Scores bruts : la moyenne des notes sur 20, telle quelle.")),
    (
        ScoreScale.NORMALISED.value,
        _(
            "Scores normalisés : le plus faible score sélectionnable compte 0, le plus fort 1 "
            "(les écarts comptent plus que le niveau)."
        ),
    ),
]


def _score_field(label: Any, help_text: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=0,
        max_value=20,
        decimal_places=2,
        max_digits=5,
    )


def _percent_field(label: Any, help_text: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=Decimal("0.1"),
        max_value=100,
        decimal_places=1,
        max_digits=4,
    )


class SelectionSettingsForm(DsfrBaseForm):
    """The call's policy in plain words; shares are typed as percentages."""

    objective = forms.ChoiceField(
        label=_("Ce que la proposition maximise"),
        choices=OBJECTIVE_CHOICES,
        widget=forms.RadioSelect,
    )
    score_scale = forms.ChoiceField(
        label=_("Scores utilisés"), choices=SCALE_CHOICES, widget=forms.RadioSelect
    )
    min_score = _score_field(
        _("Score minimal sur 20 (facultatif)"),
        _("En dessous, une candidature n'est jamais proposée, sauf si le comité la retient."),
    )
    region_floor = forms.IntegerField(
        label=_("Lauréats minimum par région candidate"),
        help_text=_(
            "Chaque région ayant au moins une candidature assez bien notée reçoit ce nombre "
            "de lauréats (0 : pas de minimum)."
        ),
        min_value=0,
        max_value=1000,
    )
    region_floor_score = _score_field(
        _("Score plancher pour ce minimum régional (facultatif)"),
        _("Seules les candidatures au moins à ce score comptent pour le minimum régional."),
    )
    region_cap_count = forms.IntegerField(
        label=_("Lauréats maximum par région (facultatif)"),
        required=False,
        min_value=0,
        max_value=1000,
    )
    region_cap_percent = _percent_field(
        _("Part maximale du budget par région, en % (facultatif)"),
        _("Par exemple 25 : aucune région ne reçoit plus du quart du budget."),
    )
    partial_percent = _percent_field(
        _("Financement partiel : part minimale de la demande, en % (facultatif)"),
        _(
            "Vide : chaque lauréat reçoit toute sa demande. 60 : un lauréat peut recevoir de "
            "60 à 100 % de sa demande, chaque cofinanceur dans la même proportion."
        ),
    )

    @classmethod
    def initial_from(cls, policy: SelectionSettings) -> dict[str, Any]:
        def percent(value: Decimal | None) -> Decimal | None:
            if value is None:
                return None
            shown = (value * HUNDRED).quantize(Decimal("0.1"))
            return shown.to_integral_value() if shown == shown.to_integral_value() else shown

        return {
            "objective": policy.objective,
            "score_scale": policy.score_scale,
            "min_score": policy.min_score,
            "region_floor": policy.region_floor,
            "region_floor_score": policy.region_floor_score,
            "region_cap_count": policy.region_cap_count,
            "region_cap_percent": percent(policy.region_cap_share),
            "partial_percent": percent(policy.partial_min),
        }

    def domain_values(self) -> dict[str, Any]:
        data = self.cleaned_data

        def share(value: Decimal | None) -> Decimal | None:
            return None if value is None else value / HUNDRED

        return {
            "objective": data["objective"],
            "score_scale": data["score_scale"],
            "min_score": data["min_score"],
            "region_floor": data["region_floor"],
            "region_floor_score": data["region_floor_score"],
            "region_cap_count": data["region_cap_count"],
            "region_cap_share": share(data["region_cap_percent"]),
            "partial_min": share(data["partial_percent"]),
        }


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        name = user.get_full_name() if hasattr(user, "get_full_name") else ""
        return f"{name} ({user.email})" if name else str(user.email)


class MeetingForm(DsfrBaseForm):
    held_on = forms.DateTimeField(
        label=_("Date et heure de la séance"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"invalid": _("Indiquez une date et une heure valides.")},
    )
    place = forms.CharField(
        label=_("Lieu ou lien de visioconférence"), max_length=300, required=False
    )
    members = MemberChoiceField(
        label=_("Membres présents"),
        help_text=_("Les personnes du programme et le vivier d'évaluateurs de l'appel."),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    quorum = forms.IntegerField(
        label=_("Quorum"),
        help_text=_("Le nombre de membres présents requis pour délibérer."),
        min_value=1,
        max_value=1000,
        initial=1,
    )
    minutes = forms.CharField(
        label=_("Procès-verbal"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=50000,
    )

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = meeting_member_choices(call)

    @classmethod
    def initial_from(cls, meeting: CommitteeMeeting) -> dict[str, Any]:
        return {
            "held_on": meeting.held_on,
            "place": meeting.place,
            "members": list(meeting.members.all()),
            "quorum": meeting.quorum,
            "minutes": meeting.minutes,
        }


class MeetingAttachmentForm(DsfrBaseForm):
    label = forms.CharField(label=_("Libellé (facultatif)"), max_length=200, required=False)
    file = forms.FileField(
        label=_("Fichier"),
        error_messages={
            "required": _("Choisissez un fichier."),
            "empty": _("Le fichier choisi est vide."),
        },
    )


class DecisionForm(DsfrBaseForm):
    """One decision; one amount field per co-funder of the call (``award_<funder id>``)."""

    outcome = forms.ChoiceField(label=_("Décision"), choices=DecisionOutcome.choices)
    waiting_rank = forms.IntegerField(
        label=_("Rang sur la liste d'attente"),
        help_text=_("Seulement pour la liste d'attente ; vide : en dernier."),
        required=False,
        min_value=1,
        max_value=10000,
    )
    reason = forms.CharField(
        label=_("Motifs"),
        help_text=_("Obligatoires pour une candidature non retenue ; communiqués au porteur."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args: Any, envelopes: list[Envelope], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.envelopes = envelopes
        for envelope in envelopes:
            self.fields[f"award_{envelope.funder_id}"] = forms.DecimalField(
                label=_("Montant attribué par %s (€)") % envelope.funder,
                required=False,
                min_value=0,
                decimal_places=2,
                max_digits=15,
            )

    def awards(self) -> dict[int, Decimal] | None:
        """The amounts typed (laureates), or None to keep the current ones."""
        amounts = {
            e.funder_id: self.cleaned_data.get(f"award_{e.funder_id}") for e in self.envelopes
        }
        if all(value is None for value in amounts.values()):
            return None
        return {f: value or Decimal(0) for f, value in amounts.items()}
