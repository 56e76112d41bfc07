"""Forms of the eligibility pages: one per kind of rule, the decision, the bulk actions.

Each rule form gives ``parameters()`` in the shape ``rules_engine.parse_parameters``
takes; the domain function checks them again (and against the call).
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from laureat.applicants.enums import OrganisationKind
from laureat.applications.enums import ApplicationState
from laureat.eligibility.enums import RuleKind, Verdict
from laureat.eligibility.queries import LISTED_STATES
from laureat.eligibility.rules_engine import Names


class RuleForm(DsfrBaseForm):
    """Base of the rule forms. ``names`` are the call's funders, regions and questions."""

    kind: RuleKind

    def __init__(self, *args: Any, names: Names, **kwargs: Any) -> None:
        self.names = names
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_from(cls, parameters: dict[str, Any]) -> dict[str, Any]:
        return dict(parameters)

    def parameters(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class HolderKindsForm(RuleForm):
    kind = RuleKind.HOLDER_KINDS
    kinds = forms.MultipleChoiceField(
        label=_("Types de structure admis"),
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un type de structure.")},
    )


class TerritoryForm(RuleForm):
    kind = RuleKind.TERRITORY
    regions = forms.MultipleChoiceField(
        label=_("Régions éligibles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    departments = forms.CharField(
        label=_("Départements éligibles (codes INSEE)"),
        help_text=_("Séparés par des virgules ou des espaces, par exemple : 71, 21, 2A."),
        required=False,
        max_length=1000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = sorted(
            self.names.regions.items(), key=lambda item: item[1]
        )

    @classmethod
    def initial_from(cls, parameters: dict[str, Any]) -> dict[str, Any]:
        return {
            "regions": parameters.get("regions", []),
            "departments": ", ".join(parameters.get("departments", [])),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("regions") and not (cleaned.get("departments") or "").strip():
            raise forms.ValidationError(_("Choisissez au moins une région ou un département."))
        return cleaned

    def parameters(self) -> dict[str, Any]:
        text = self.cleaned_data.get("departments") or ""
        return {
            "regions": list(self.cleaned_data.get("regions") or []),
            "departments": [c for c in text.replace(",", " ").split() if c],
        }


class FunderRequestForm(RuleForm):
    kind = RuleKind.FUNDER_REQUEST
    funder = forms.TypedChoiceField(
        label=_("Cofinanceur"),
        coerce=int,
        error_messages={"required": _("Choisissez le cofinanceur.")},
    )
    minimum = forms.DecimalField(
        label=_("Montant minimum demandé (€)"),
        required=False,
        min_value=Decimal(0),
        max_digits=15,
        decimal_places=2,
    )
    maximum = forms.DecimalField(
        label=_("Montant maximum demandé (€)"),
        required=False,
        min_value=Decimal(0),
        max_digits=15,
        decimal_places=2,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["funder"].choices = [
            ("", _("Choisir un cofinanceur")),
            *sorted(self.names.funders.items(), key=lambda item: item[1]),
        ]

    @classmethod
    def initial_from(cls, parameters: dict[str, Any]) -> dict[str, Any]:
        return {
            "funder": parameters.get("funder_id"),
            "minimum": parameters.get("min"),
            "maximum": parameters.get("max"),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("minimum"), cleaned.get("maximum")
        if not low and high is None and not self.errors:
            raise forms.ValidationError(_("Indiquez un minimum, un maximum, ou les deux."))
        if low is not None and high is not None and high < low:
            self.add_error("maximum", _("Le maximum est inférieur au minimum."))
        return cleaned

    def parameters(self) -> dict[str, Any]:
        low, high = self.cleaned_data.get("minimum"), self.cleaned_data.get("maximum")
        return {
            "funder_id": self.cleaned_data.get("funder"),
            "min": str(low) if low is not None else "0",
            "max": str(high) if high is not None else None,
        }


class RequiredAttachmentsForm(RuleForm):
    kind = RuleKind.REQUIRED_ATTACHMENTS
    questions = forms.TypedMultipleChoiceField(
        label=_("Questions « fichier » de l'appel à avoir remplies"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    labels = forms.CharField(
        label=_("Pièces jointes attendues (une par ligne)"),
        help_text=_(
            "Au moins une pièce jointe dont le libellé contient ce texte, par exemple « Statuts »."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["questions"].choices = list(self.names.questions.items())

    @classmethod
    def initial_from(cls, parameters: dict[str, Any]) -> dict[str, Any]:
        return {
            "questions": parameters.get("question_ids", []),
            "labels": "\n".join(parameters.get("labels", [])),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("questions") and not (cleaned.get("labels") or "").strip():
            raise forms.ValidationError(
                _("Choisissez au moins une question « fichier » ou nommez une pièce attendue.")
            )
        return cleaned

    def parameters(self) -> dict[str, Any]:
        return {
            "question_ids": list(self.cleaned_data.get("questions") or []),
            "labels": [
                line.strip()
                for line in (self.cleaned_data.get("labels") or "").splitlines()
                if line.strip()
            ],
        }


class LearnersForm(RuleForm):
    kind = RuleKind.LEARNERS
    minimum = forms.IntegerField(
        label=_("Nombre minimal d'apprenants visés"),
        min_value=1,
        initial=1,
        error_messages={
            "required": _("Indiquez le nombre minimal d'apprenants."),
            "min_value": _("Le nombre minimal d'apprenants doit être au moins 1."),
            "invalid": _("Saisissez un nombre entier."),
        },
    )

    @classmethod
    def initial_from(cls, parameters: dict[str, Any]) -> dict[str, Any]:
        return {"minimum": parameters.get("min", 1)}

    def parameters(self) -> dict[str, Any]:
        return {"min": self.cleaned_data["minimum"]}


class BudgetBalancedForm(RuleForm):
    kind = RuleKind.BUDGET_BALANCED

    def parameters(self) -> dict[str, Any]:
        return {}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class StartDateForm(RuleForm):
    kind = RuleKind.START_DATE
    earliest = forms.DateField(
        label=_("Première date de démarrage admise"), required=False, widget=DateInput()
    )
    latest = forms.DateField(
        label=_("Dernière date de démarrage admise"), required=False, widget=DateInput()
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        early, late = cleaned.get("earliest"), cleaned.get("latest")
        if early is None and late is None and not self.errors:
            raise forms.ValidationError(
                _("Indiquez la première date admise, la dernière, ou les deux.")
            )
        if early and late and late < early:
            self.add_error("latest", _("La fenêtre se termine avant de commencer."))
        return cleaned

    def parameters(self) -> dict[str, Any]:
        early, late = self.cleaned_data.get("earliest"), self.cleaned_data.get("latest")
        return {
            "earliest": early.isoformat() if early else None,
            "latest": late.isoformat() if late else None,
        }


RULE_FORMS: dict[str, type[RuleForm]] = {
    form.kind: form
    for form in (
        HolderKindsForm,
        TerritoryForm,
        FunderRequestForm,
        RequiredAttachmentsForm,
        LearnersForm,
        BudgetBalancedForm,
        StartDateForm,
    )
}


class DecisionForm(DsfrBaseForm):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[
            ("eligible", _("Déclarer recevable")),
            ("ineligible", _("Déclarer irrecevable (le porteur est prévenu par courriel)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez la décision.")},
    )
    reason = forms.CharField(
        label=_("Motif"),
        help_text=_(
            "Obligatoire pour déclarer irrecevable, ou pour aller contre le verdict des règles."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class FilterForm(forms.Form):
    """The list's filters (GET). Unknown values are ignored rather than refused."""

    verdict = forms.ChoiceField(
        label=_("Verdict des règles"),
        choices=[("", _("Tous")), *Verdict.choices],
        required=False,
    )
    state = forms.ChoiceField(
        label=_("État"),
        choices=[("", _("Tous"))]
        + [(s.value, s.label) for s in ApplicationState if s.value in LISTED_STATES],
        required=False,
    )
    region = forms.ChoiceField(label=_("Région"), required=False)
    kind = forms.ChoiceField(
        label=_("Type de structure"),
        choices=[("", _("Tous")), *OrganisationKind.choices],
        required=False,
    )
    q = forms.CharField(label=_("Rechercher (titre, organisation)"), required=False, max_length=200)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Toutes")), *regions]  # type: ignore[attr-defined]


BULK_ACTIONS = (
    ("eligible", _("Confirmer recevables")),
    ("ineligible", _("Déclarer irrecevables et prévenir")),
    ("review", _("Mettre en évaluation")),
)
