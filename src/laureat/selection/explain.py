"""The optimiser's explanations, in the interface's words (French source strings).

The optimiser writes English messages for logs; the committee reads these, rendered
from the fields a kept run (``SelectionRun.result["explanations"]``) carries.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from laureat.core.money import format_eur, to_money


def _eur(value: float | int | None) -> str:
    return format_eur(to_money(Decimal(str(round(float(value or 0), 2)))))


def _score(value: float | None) -> str:
    return "—" if value is None else f"{float(value):.2f}".replace(".", ",")


def _blocked(name: str) -> str:
    if name == "call budget":
        return _("le budget de l'appel")
    if name.startswith("envelope of "):
        return _("l'enveloppe de %s") % name.removeprefix("envelope of ")
    return name


def explanation_text(explanation: Mapping[str, Any]) -> str:
    """One sentence saying why an application is in or out of the proposal."""
    code = explanation.get("code", "")
    rank = explanation.get("rank")
    of = explanation.get("of")
    where = _("rang %(rank)s sur %(of)s") % {"rank": rank, "of": of} if rank else ""
    score = _score(explanation.get("score"))
    if code in ("selected", "forced_in"):
        head = _("Retenue") if code == "selected" else _("Retenue d'office par le comité")
        text = _("%(head)s (%(where)s) : %(amount)s attribués") % {
            "head": head,
            "where": where,
            "amount": _eur(explanation.get("award")),
        }
        fraction = explanation.get("fraction")
        if fraction is not None and float(fraction) < 0.9995:
            text += _(", soit %s %% de la demande") % round(float(fraction) * 100)
        return text + "."
    if code == "forced_out":
        return _("Écartée d'office par le comité.")
    if code == "ineligible":
        return _("Non sélectionnable : irrecevable ou sans évaluation rendue.")
    if code == "below_min_score":
        return _("Score %(score)s sous le score minimal de %(min)s.") % {
            "score": score,
            "min": _score(explanation.get("min_score")),
        }
    if explanation.get("needed_score") is not None:
        tail = " " + _("Il lui aurait fallu un score de %(needed)s (elle a %(score)s).") % {
            "needed": _score(explanation["needed_score"]),
            "score": score,
        }
    elif explanation.get("needed_computed"):
        tail = " " + _("Elle ne peut être retenue à aucun score.")
    else:
        tail = ""
    if code == "budget":
        blocked = explanation.get("blocked_by") or []
        left = explanation.get("left") or []
        parts = [
            _("%(what)s (reste %(left)s)") % {"what": _blocked(name), "left": _eur(amount)}
            for name, amount in zip(blocked, left, strict=False)
        ]
        return (
            _("Hors budget (%(where)s) : l'ajouter (%(asked)s) dépasserait %(parts)s.")
            % {
                "where": where,
                "asked": _eur(explanation.get("asked")),
                "parts": _(" et ").join(parts) or _("le budget"),
            }
            + tail
        )
    if code == "region_cap":
        return (
            _("Plafond régional atteint (%(where)s) pour la région %(region)s.")
            % {
                "where": where,
                "region": explanation.get("region_name") or explanation.get("region"),
            }
            + tail
        )
    return str(explanation.get("message", ""))
