"""The GET form that filters the list of laureates."""

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laureat.applicants.enums import OrganisationKind
from laureat.programmes.models import Call, Technology, Theme
from laureat.reporting.queries import (
    ResultFilters,
    collation_key,
    published_laureate_decisions,
)
from laureat.territories.models import Region

ALL_F = ("", _("Toutes"))
ALL_M = ("", _("Tous"))


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "fr-select"})


class ResultsFilterForm(forms.Form):
    """Region, theme, technology and holder kind; every field optional.

    Themes offered are the call's and those of its laureates; technologies are those
    of its laureates. An unknown value makes that field invalid: the view ignores
    it (``filters``) and says so (``ignored``).
    """

    region = forms.ChoiceField(label=_("Région"), required=False, widget=_select())
    theme = forms.ChoiceField(label=_("Thème"), required=False, widget=_select())
    technology = forms.ChoiceField(label=_("Technologie"), required=False, widget=_select())
    kind = forms.ChoiceField(label=_("Type de porteur"), required=False, widget=_select())

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        laureate_applications = published_laureate_decisions(call).values("application_id")
        regions = sorted(Region.objects.all(), key=lambda r: (r.overseas, collation_key(r.name)))
        themes = Theme.objects.filter(
            Q(calls=call) | Q(applications__in=laureate_applications)
        ).distinct()
        technologies = Technology.objects.filter(applications__in=laureate_applications).distinct()
        self._set_choices("region", ALL_F, [(r.code, r.name) for r in regions], sort=False)
        self._set_choices("theme", ALL_M, [(t.slug, t.name) for t in themes])
        self._set_choices("technology", ALL_F, [(t.slug, t.name) for t in technologies])
        self._set_choices("kind", ALL_M, list(OrganisationKind.choices), sort=False)

    def _set_choices(
        self,
        name: str,
        empty: tuple[str, Any],
        choices: list[tuple[str, Any]],
        *,
        sort: bool = True,
    ) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        if sort:
            choices = sorted(choices, key=lambda c: collation_key(str(c[1])))
        field.choices = [empty, *choices]

    @property
    def filters(self) -> ResultFilters:
        """The valid choices only: an invalid field is left out of ``cleaned_data``."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ResultFilters(
            region=data.get("region") or None,
            theme=data.get("theme") or None,
            technology=data.get("technology") or None,
            kind=data.get("kind") or None,
        )

    @property
    def ignored(self) -> list[str]:
        """Labels of the filters ignored because their value is unknown."""
        self.is_valid()
        return [str(self.fields[name].label) for name in self.errors]
