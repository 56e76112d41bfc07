"""SIRET checks with python-stdnum, and messages a person can act on."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.fr import siret as stdnum_siret
from stdnum.util import clean


def clean_siret(value: str) -> str:
    """Return the 14 digits of a valid SIRET, or raise ``ValidationError`` saying what is wrong.

    Spaces, dots and dashes are accepted and removed ("130 025 265 00013").
    """
    compact = clean(value or "", " .-/").strip()
    if not compact:
        raise ValidationError(_("Saisissez le numéro SIRET (14 chiffres)."), code="required")
    if not compact.isdigit():
        raise ValidationError(
            _("Le SIRET ne contient que des chiffres : « %(value)s » n'en est pas un.")
            % {"value": value},
            code="format",
        )
    if len(compact) != 14:
        raise ValidationError(
            _(
                "Un SIRET compte 14 chiffres (9 pour le SIREN et 5 pour l'établissement) ; "
                "vous en avez saisi %(count)d."
            )
            % {"count": len(compact)},
            code="length",
        )
    try:
        return str(stdnum_siret.validate(compact))
    except stdnum_errors.InvalidChecksum as error:
        raise ValidationError(
            _(
                "Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas. "
                "Vérifiez chaque chiffre sur l'avis de situation au répertoire SIRENE."
            ),
            code="checksum",
        ) from error
    except stdnum_errors.ValidationError as error:
        raise ValidationError(_("Ce SIRET n'est pas valide."), code="invalid") from error


def siren_of(siret: str) -> str:
    return stdnum_siret.to_siren(siret)
