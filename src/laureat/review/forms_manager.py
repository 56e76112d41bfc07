"""Forms of the manager's review pages. The rules themselves are in domain.py."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from laureat.applications.models import Application
from laureat.programmes.models import Call
from laureat.review.domain import REVIEWABLE_STATES
from laureat.review.enums import ReviewerState
from laureat.review.models import Reviewer


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ReviewSettingsForm(DsfrBaseForm):
    reviewers_per_application = forms.IntegerField(
        label=_("Évaluateurs par candidature"),
        min_value=1,
        max_value=20,
        error_messages={"min_value": _("Il faut au moins un évaluateur par candidature.")},
    )
    min_load = forms.IntegerField(
        label=_("Charge minimale par évaluateur"), min_value=0, max_value=500
    )
    max_load = forms.IntegerField(
        label=_("Charge maximale par évaluateur"), min_value=1, max_value=500
    )
    opens_at = forms.DateTimeField(
        label=_("Début de l'évaluation"),
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
    closes_at = forms.DateTimeField(
        label=_("Fin de l'évaluation"),
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Les évaluateurs qui n'ont pas tout rendu 3 jours avant sont en retard."),
    )
    show_other_scores = forms.BooleanField(
        label=_("Montrer les autres notes à l'évaluateur après qu'il a rendu la sienne"),
        required=False,
    )
    anonymise_applicants = forms.BooleanField(
        label=_("Anonymiser les porteurs pour les évaluateurs"), required=False
    )
    conflict_same_department = forms.BooleanField(
        label=_("Conflit d'intérêts si l'évaluateur est du même département"), required=False
    )
    normalise_scores = forms.BooleanField(
        label=_("Normaliser la sévérité des évaluateurs dans le classement"), required=False
    )
    disagreement_threshold = forms.DecimalField(
        label=_("Seuil de désaccord (écart type, sur 20)"),
        min_value=Decimal(0),
        max_value=Decimal(20),
        max_digits=5,
        decimal_places=2,
        localize=True,
        error_messages={"invalid": _("Saisissez un nombre, par exemple 3 ou 2,5.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_load"), data.get("max_load")
        if low is not None and high is not None and high < low:
            self.add_error(
                "max_load",
                _("La charge maximale doit être au moins égale à la charge minimale."),
            )
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens is not None and closes is not None and closes <= opens:
            self.add_error("closes_at", _("La fin de l'évaluation doit suivre son début."))
        return data


class InviteReviewerForm(DsfrBaseForm):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        help_text=_("Format attendu : prenom.nom@exemple.fr"),
        error_messages={
            "invalid": _(
                "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."
            ),
            "required": _("Indiquez l'adresse électronique de la personne à inviter."),
        },
    )
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)
    expertise = forms.CharField(
        label=_("Expertise (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ApplicationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} — {obj.title}"


class ReviewerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user)


class _CallChoicesForm(DsfrBaseForm):
    """A form choosing an application and a reviewer of one call."""

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        application = self.fields["application"]
        assert isinstance(application, forms.ModelChoiceField)
        application.queryset = Application.objects.filter(
            call=call, state__in=REVIEWABLE_STATES
        ).order_by("reference")
        reviewer = self.fields["reviewer"]
        assert isinstance(reviewer, forms.ModelChoiceField)
        reviewer.queryset = self.reviewer_queryset(call)

    def reviewer_queryset(self, call: Call) -> Any:
        return Reviewer.objects.filter(call=call).select_related("user")


class ConflictAddForm(_CallChoicesForm):
    reviewer = ReviewerChoiceField(
        label=_("Évaluateur"),
        queryset=Reviewer.objects.none(),
        empty_label=_("Choisissez un évaluateur"),
        error_messages={"required": _("Choisissez un évaluateur.")},
    )
    application = ApplicationChoiceField(
        label=_("Candidature"),
        queryset=Application.objects.none(),
        empty_label=_("Choisissez une candidature"),
        error_messages={"required": _("Choisissez une candidature.")},
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=500,
        error_messages={"required": _("Indiquez la nature du conflit d'intérêts.")},
    )


class ForcePairForm(_CallChoicesForm):
    application = ApplicationChoiceField(
        label=_("Candidature"),
        queryset=Application.objects.none(),
        empty_label=_("Choisissez une candidature"),
        error_messages={"required": _("Choisissez une candidature.")},
    )
    reviewer = ReviewerChoiceField(
        label=_("Évaluateur"),
        queryset=Reviewer.objects.none(),
        empty_label=_("Choisissez un évaluateur"),
        error_messages={"required": _("Choisissez un évaluateur.")},
    )

    def reviewer_queryset(self, call: Call) -> Any:
        return Reviewer.objects.filter(call=call, state=ReviewerState.ACTIVE).select_related("user")


class UnlockForm(DsfrBaseForm):
    reason = forms.CharField(
        label=_("Motif de la réouverture"),
        max_length=500,
        error_messages={"required": _("Indiquez pourquoi l'évaluation est rouverte.")},
    )
