"""Answers to a call's own questions: checking a value against its question, and display.

A value is stored as JSON: a string (short and long text, single choice, a date
in ISO format), a number written as a string (no float rounding), a boolean, a
list of strings (multiple choice), or for a file ``{"name", "sha256", "size"}``.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from laureat.programmes.models import CallQuestion, QuestionKind

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 10_000


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def clean_answer(question: CallQuestion, value: Any) -> Any:
    """The JSON value to store for ``value``, or ``DomainError``-ready ``ValueError``."""
    if is_blank(value):
        return None
    kind = question.kind
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        text = str(value).strip()
        limit = SHORT_TEXT_MAX if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
        if len(text) > limit:
            raise ValueError(
                _("« %(q)s » : %(n)d caractères au plus.") % {"q": question.label, "n": limit}
            )
        return text or None
    if kind == QuestionKind.NUMBER:
        try:
            number = Decimal(str(value).replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            raise ValueError(_("« %s » : indiquez un nombre.") % question.label) from None
        if not number.is_finite():
            raise ValueError(_("« %s » : indiquez un nombre.") % question.label)
        return str(number.normalize()) if number != number.to_integral() else str(int(number))
    if kind == QuestionKind.YES_NO:
        if isinstance(value, bool):
            return value
        raise ValueError(_("« %s » : répondez par oui ou par non.") % question.label)
    if kind == QuestionKind.SINGLE_CHOICE:
        if value not in question.choices:
            raise ValueError(_("« %s » : choisissez une réponse proposée.") % question.label)
        return value
    if kind == QuestionKind.MULTIPLE_CHOICE:
        chosen = list(value) if isinstance(value, list | tuple) else [value]
        if any(c not in question.choices for c in chosen):
            raise ValueError(
                _("« %s » : choisissez parmi les réponses proposées.") % question.label
            )
        return [c for c in question.choices if c in chosen]
    if kind == QuestionKind.DATE:
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("« %s » : indiquez une date valide.") % question.label) from None
    if kind == QuestionKind.FILE:
        if isinstance(value, dict) and {"name", "sha256"} <= set(value):
            return {"name": str(value["name"]), "sha256": str(value["sha256"]), **value}
        raise ValueError(_("« %s » : joignez un fichier.") % question.label)
    raise ValueError(_("Type de question inconnu : %s.") % kind)


def display_answer(kind: str, value: Any) -> str:
    """An answer as a reader sees it (the application page, the receipt)."""
    if is_blank(value):
        return "—"
    if kind == QuestionKind.YES_NO:
        return _("Oui") if value else _("Non")
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return ", ".join(value)
    if kind == QuestionKind.NUMBER:
        return number_format(Decimal(value), force_grouping=True)
    if kind == QuestionKind.DATE:
        return date_format(date.fromisoformat(value), "DATE_FORMAT")
    if kind == QuestionKind.FILE:
        return _("%(name)s (SHA-256 %(sha)s)") % {"name": value["name"], "sha": value["sha256"]}
    return str(value)
