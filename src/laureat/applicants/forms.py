"""Forms of the organisation pages. Checks that need the database stay in ``domain.py``."""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from dsfr.forms import DsfrBaseForm

from laureat.applicants.enums import MembershipRole, OrganisationKind
from laureat.applicants.models import LegalCategory
from laureat.applicants.siret import clean_siret
from laureat.territories.models import Commune
from laureat.territories.normalise import normalise_name
from laureat.territories.queries import commune_by_code, communes_search

# Level I of the INSEE nomenclature: the first digit of a level III code.
LEGAL_CATEGORY_GROUPS = {
    "1": gettext_lazy("Entrepreneur individuel"),
    "2": gettext_lazy("Groupement de droit privé non doté de la personnalité morale"),
    "3": gettext_lazy("Personne morale de droit étranger"),
    "4": gettext_lazy("Personne morale de droit public soumise au droit commercial"),
    "5": gettext_lazy("Société commerciale"),
    "6": gettext_lazy("Autre personne morale immatriculée au RCS"),
    "7": gettext_lazy("Personne morale et organisme soumis au droit administratif"),
    "8": gettext_lazy("Organisme privé spécialisé"),
    "9": gettext_lazy("Groupement de droit privé"),
}

# "Chalon-sur-Saône (71076)": the value the autocomplete proposes.
_CODE_IN_PARENTHESES = re.compile(r"\(\s*([0-9]{5}|2[AB][0-9]{3})\s*\)\s*$", re.IGNORECASE)
_INSEE_CODE = re.compile(r"[0-9]{5}|2[AB][0-9]{3}", re.IGNORECASE)
_POSTAL_CODE = re.compile(r"\b([0-9]{5})\b")


def commune_label(commune: Commune) -> str:
    """What the autocomplete puts in the field, and what ``resolve_commune`` reads back."""
    return f"{commune.name} ({commune.code})"


def _first_postal_code(commune: Commune) -> str:
    return (commune.postal_codes.split() or [commune.code])[0]


def _describe(communes: list[Commune]) -> str:
    shown = ", ".join(
        f"{c.name} ({c.postal_codes.split()[0] if c.postal_codes else c.code}, {c.department.name})"
        for c in communes[:6]
    )
    return shown + (" …" if len(communes) > 6 else "")


def resolve_commune(text: str) -> Commune:
    """The commune that ``text`` designates, or a ``ValidationError`` that says how to be precise.

    Accepted: the autocomplete's "Name (INSEE code)", an INSEE code, a postal code
    served by a single commune, a postal code and a name ("71100 Chalon-sur-Saône"),
    or a name that only one commune bears.
    """
    text = text.strip()
    match = _CODE_IN_PARENTHESES.search(text)
    if match or _INSEE_CODE.fullmatch(text):
        code = match.group(1) if match else text
        commune = commune_by_code(code)
        if commune is not None:
            return commune
        if match:
            raise ValidationError(
                _("Aucune commune n'a le code INSEE %(code)s.") % {"code": code.upper()}
            )
    postal = _POSTAL_CODE.search(text)
    if postal:
        code = postal.group(1)
        name = normalise_name(text.replace(code, " "))
        candidates = [
            c
            for c in communes_search(code, limit=100)
            if (c.code == code and not name) or code in c.postal_codes.split()
        ]
        if name:
            candidates = [c for c in candidates if c.search_name.startswith(name)]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ValidationError(
                _("Aucune commune ne correspond à « %(text)s ». Vérifiez le code postal et le nom.")
                % {"text": text}
            )
        raise ValidationError(
            _(
                "Plusieurs communes correspondent à « %(text)s » : %(communes)s. "
                "Ajoutez le nom de la commune ou choisissez-la dans la liste proposée."
            )
            % {"text": text, "communes": _describe(candidates)}
        )
    name = normalise_name(text)
    found = communes_search(text, limit=50) if name else []
    exact = [c for c in found if c.search_name == name]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise ValidationError(
            _(
                "Plusieurs communes s'appellent « %(text)s » : %(communes)s. "
                "Précisez le code postal (par exemple « %(example)s ») "
                "ou choisissez la commune dans la liste proposée."
            )
            % {
                "text": text,
                "communes": _describe(exact),
                "example": f"{_first_postal_code(exact[0])} {exact[0].name}",
            }
        )
    if found:
        raise ValidationError(
            _(
                "Aucune commune ne s'appelle exactement « %(text)s ». "
                "Vouliez-vous dire : %(communes)s ?"
            )
            % {"text": text, "communes": _describe(found)}
        )
    raise ValidationError(
        _(
            "Aucune commune ne correspond à « %(text)s ». "
            "Saisissez son nom, son code postal ou son code INSEE."
        )
        % {"text": text}
    )


def legal_category_choices() -> list[tuple[Any, Any]]:
    """The 260 INSEE categories grouped by level I, for a ``<select>`` with ``<optgroup>``s."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, label in LegalCategory.objects.order_by("code").values_list("code", "label"):
        groups.setdefault(code[0], []).append((code, f"{code} — {label}"))
    choices: list[tuple[Any, Any]] = [("", _("Sélectionnez une catégorie juridique"))]
    for digit, options in groups.items():
        choices.append((str(LEGAL_CATEGORY_GROUPS.get(digit, digit)), options))
    return choices


EMAIL_INVALID = gettext_lazy(
    "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."
)


class OrganisationForm(DsfrBaseForm):
    name = forms.CharField(
        label=gettext_lazy("Raison sociale"),
        max_length=250,
        help_text=gettext_lazy("Telle qu'elle figure au répertoire SIRENE."),
    )
    # Longer than 14 so that "130 025 265 00013" reaches ``clean_siret``, which compacts it.
    siret = forms.CharField(
        label=gettext_lazy("Numéro SIRET"),
        max_length=30,
        help_text=gettext_lazy(
            "14 chiffres, espaces acceptés. Il figure sur l'avis de situation au répertoire SIRENE."
        ),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Type de structure"), choices=())
    legal_category = forms.ChoiceField(
        label=gettext_lazy("Catégorie juridique (nomenclature de l'INSEE)"),
        required=False,
        choices=(),
        help_text=gettext_lazy("Facultatif. Les catégories sont groupées par famille."),
    )
    address = forms.CharField(
        label=gettext_lazy("Adresse"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Numéro, voie, complément."),
    )
    commune = forms.CharField(
        label=gettext_lazy("Commune"),
        max_length=120,
        help_text=gettext_lazy(
            "Tapez le début du nom, le code postal ou le code INSEE, "
            "par exemple « 71100 Chalon-sur-Saône »."
        ),
    )
    website = forms.URLField(
        label=gettext_lazy("Site web"), required=False, assume_scheme="https", max_length=200
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", _("Sélectionnez un type de structure")), *OrganisationKind.choices]
        legal = self.fields["legal_category"]
        assert isinstance(legal, forms.ChoiceField)
        legal.choices = legal_category_choices()
        commune = self.fields["commune"]
        commune.widget.attrs.update(
            {"list": "commune-options", "autocomplete": "off", "data-commune-autocomplete": ""}
        )
        self.fields["siret"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off", "data-siret-check": ""}
        )

    def clean_siret(self) -> str:
        try:
            return clean_siret(self.cleaned_data.get("siret", ""))
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error

    def clean_commune(self) -> Commune:
        return resolve_commune(self.cleaned_data.get("commune", ""))


class InvitationForm(DsfrBaseForm):
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique de la personne à inviter"),
        help_text=gettext_lazy("Format attendu : prenom.nom@exemple.fr"),
        error_messages={"invalid": EMAIL_INVALID},
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Rôle"),
        choices=MembershipRole.choices,
        initial=MembershipRole.MEMBER,
        help_text=gettext_lazy(
            "Un administrateur peut inviter, retirer des membres et changer leur rôle."
        ),
    )


class CollaboratorInvitationForm(DsfrBaseForm):
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique de la personne à inviter"),
        help_text=gettext_lazy("Format attendu : prenom.nom@exemple.fr"),
        error_messages={"invalid": EMAIL_INVALID},
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Rôle"), choices=MembershipRole.choices)
