"""The reviewer's forms: profile, conflict check, decline, and the scoring grid."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laureat.programmes.models import Call, Criterion, Technology, Theme
from laureat.review.domain import ScoreInput
from laureat.review.enums import Recommendation
from laureat.territories.models import Region


class ProfileForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Thèmes sur lesquels vous êtes compétent"),
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    technologies = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Technologies de l'industrie 4.0 que vous connaissez"),
        queryset=Technology.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    expertise = forms.CharField(
        label=gettext_lazy("Votre expertise"),
        help_text=gettext_lazy("Domaines, métiers, expériences utiles à l'évaluation."),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "fr-input"}),
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Région"),
        queryset=Region.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("— Aucune —"),
        widget=forms.Select(attrs={"class": "fr-select"}),
    )

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = call.themes.order_by("name")  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    """A reason, for a declared conflict of interest or a declined assignment."""

    reason = forms.CharField(
        label=gettext_lazy("Motif"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "fr-input"}),
    )

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label


class ScoreForm(forms.Form):
    """One mark and one comment per criterion, an overall comment, a recommendation.

    ``submitting`` (set by the view from the button pressed) makes every mark and the
    recommendation required, so that each missing one gets its own message.
    """

    overall_comment = forms.CharField(
        label=gettext_lazy("Appréciation générale"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "fr-input"}),
    )
    recommendation = forms.ChoiceField(
        label=gettext_lazy("Recommandation"),
        required=False,
        choices=[("", gettext_lazy("— Choisir —")), *Recommendation.choices],
        widget=forms.Select(attrs={"class": "fr-select"}),
    )

    def __init__(
        self, *args: Any, criteria: list[Criterion], submitting: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.submitting = submitting
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.DecimalField(
                label=_("Note (sur %s)") % criterion.scale_max,
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(criterion.scale_max),
                max_digits=5,
                decimal_places=2,
                localize=True,
                widget=forms.TextInput(attrs={"class": "fr-input", "inputmode": "decimal"}),
                error_messages={
                    "min_value": _("La note ne peut pas être négative."),
                    "max_value": _("La note est au plus %s.") % criterion.scale_max,
                    "invalid": _("Indiquez un nombre, par exemple 3,5."),
                },
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Commentaire"),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "fr-input"}),
            )

    def rows(self) -> list[tuple[Criterion, Any, Any]]:
        """Each criterion with its bound mark and comment fields."""
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for criterion in self.criteria:
            score_name = f"score_{criterion.pk}"
            if score_name in self.errors:
                continue
            value = data.get(score_name)
            if value is None:
                if self.submitting:
                    self.add_error(score_name, _("Notez ce critère avant de rendre l'évaluation."))
                elif data.get(f"comment_{criterion.pk}", "").strip():
                    self.add_error(score_name, _("Donnez une note pour garder ce commentaire."))
        if self.submitting and not data.get("recommendation"):
            self.add_error(
                "recommendation", _("Indiquez votre recommandation avant de rendre l'évaluation.")
            )
        return data

    def scores(self) -> list[ScoreInput]:
        data = self.cleaned_data
        return [
            ScoreInput(
                criterion_id=c.pk,
                value=data[f"score_{c.pk}"],
                comment=(data.get(f"comment_{c.pk}") or "").strip(),
            )
            for c in self.criteria
            if data.get(f"score_{c.pk}") is not None
        ]
