"""Eligibility rules, evaluated on plain values: no ORM here.

``Facts`` is what is known about one application (and the names it needs to
explain itself); ``Rule`` one rule of the call, with its parameters as stored
(JSON). ``evaluate(rules, facts)`` gives one ``RuleResult`` per active rule, with
a French sentence saying why it passed or failed.

Parameters are validated per kind by ``parse_parameters`` (typed dataclasses;
``ParameterError`` with a message for the manager) and stored back as JSON by
``parameters_json``: amounts as strings of euros with cents, dates in ISO format.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from laureat.applicants.enums import OrganisationKind
from laureat.core.money import ZERO, format_eur, to_money
from laureat.eligibility.enums import RuleKind

REGION_CODE = re.compile(r"^[0-9]{2}$")
DEPARTMENT_CODE = re.compile(r"^([0-9]{2}|2A|2B|97[1-6])$")


class ParameterError(ValueError):
    """The parameters of a rule are not valid; ``str(error)`` says why, for the manager."""


# --- parameters, one dataclass per kind ---------------------------------------


@dataclass(frozen=True)
class HolderKinds:
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Territory:
    regions: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class FunderRequest:
    funder_id: int
    minimum: Decimal = ZERO
    maximum: Decimal | None = None


@dataclass(frozen=True)
class RequiredAttachments:
    question_ids: tuple[int, ...] = ()
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Learners:
    minimum: int = 1


@dataclass(frozen=True)
class BudgetBalanced:
    pass


@dataclass(frozen=True)
class StartDateWindow:
    earliest: date | None = None
    latest: date | None = None


Parameters = (
    HolderKinds
    | Territory
    | FunderRequest
    | RequiredAttachments
    | Learners
    | BudgetBalanced
    | StartDateWindow
)


def _strings(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ParameterError(_("Le paramètre « %s » doit être une liste de textes.") % key)
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _ints(raw: Mapping[str, Any], key: str) -> tuple[int, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list | tuple):
        raise ParameterError(_("Le paramètre « %s » doit être une liste de numéros.") % key)
    try:
        numbers = [int(v) for v in value]
    except (TypeError, ValueError):
        raise ParameterError(
            _("Le paramètre « %s » doit être une liste de numéros.") % key
        ) from None
    return tuple(dict.fromkeys(numbers))


def _money(value: Any, what: str) -> Decimal:
    if isinstance(value, float | bool):
        raise ParameterError(_("Le montant %s n'est pas valide.") % what)
    try:
        amount = to_money(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ParameterError(_("Le montant %s n'est pas valide.") % what) from None
    if not amount.is_finite() or amount < 0:
        raise ParameterError(_("Le montant %s doit être positif ou nul.") % what)
    return amount


def _date(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ParameterError(_("La date %s n'est pas valide.") % what) from None


def parse_parameters(kind: str, raw: Mapping[str, Any] | None) -> Parameters:
    """The typed parameters of a rule of ``kind``; ``ParameterError`` when they are not valid."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise ParameterError(_("Les paramètres de la règle sont mal formés."))
    if kind == RuleKind.HOLDER_KINDS:
        kinds = _strings(raw, "kinds")
        if not kinds:
            raise ParameterError(_("Choisissez au moins un type de structure admis."))
        unknown = [k for k in kinds if k not in OrganisationKind.values]
        if unknown:
            raise ParameterError(_("Types de structure inconnus : %s.") % ", ".join(unknown))
        return HolderKinds(kinds=tuple(k for k in OrganisationKind.values if k in kinds))
    if kind == RuleKind.TERRITORY:
        regions = _strings(raw, "regions")
        departments = tuple(d.upper() for d in _strings(raw, "departments"))
        if not regions and not departments:
            raise ParameterError(_("Choisissez au moins une région ou un département."))
        bad = [r for r in regions if not REGION_CODE.match(r)]
        bad += [d for d in departments if not DEPARTMENT_CODE.match(d)]
        if bad:
            raise ParameterError(_("Codes INSEE non valides : %s.") % ", ".join(bad))
        return Territory(regions=tuple(sorted(regions)), departments=tuple(sorted(departments)))
    if kind == RuleKind.FUNDER_REQUEST:
        try:
            funder_id = int(raw.get("funder_id") or 0)
        except (TypeError, ValueError):
            funder_id = 0
        if funder_id <= 0:
            raise ParameterError(_("Choisissez le cofinanceur concerné."))
        minimum = _money(raw.get("min") or "0", _("minimum"))
        maximum_raw = raw.get("max")
        maximum = None if maximum_raw in (None, "") else _money(maximum_raw, _("maximum"))
        if maximum is not None and maximum < minimum:
            raise ParameterError(
                _("Le maximum (%(max)s) est inférieur au minimum (%(min)s).")
                % {"max": format_eur(maximum), "min": format_eur(minimum)}
            )
        if minimum == ZERO and maximum is None:
            raise ParameterError(_("Indiquez un minimum, un maximum, ou les deux."))
        return FunderRequest(funder_id=funder_id, minimum=minimum, maximum=maximum)
    if kind == RuleKind.REQUIRED_ATTACHMENTS:
        questions = _ints(raw, "question_ids")
        labels = _strings(raw, "labels")
        if not questions and not labels:
            raise ParameterError(
                _("Choisissez au moins une question « fichier » ou nommez une pièce attendue.")
            )
        return RequiredAttachments(question_ids=tuple(sorted(questions)), labels=labels)
    if kind == RuleKind.LEARNERS:
        value = raw.get("min", 1)
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ParameterError(_("Le nombre minimal d'apprenants doit être un entier."))
        try:
            least = int(value)
        except ValueError:
            raise ParameterError(_("Le nombre minimal d'apprenants doit être un entier.")) from None
        if least < 1:
            raise ParameterError(_("Le nombre minimal d'apprenants doit être au moins 1."))
        return Learners(minimum=least)
    if kind == RuleKind.BUDGET_BALANCED:
        return BudgetBalanced()
    if kind == RuleKind.START_DATE:
        earliest = _date(raw.get("earliest"), _("de début"))
        latest = _date(raw.get("latest"), _("de fin"))
        if earliest is None and latest is None:
            raise ParameterError(_("Indiquez la première date admise, la dernière, ou les deux."))
        if earliest is not None and latest is not None and latest < earliest:
            raise ParameterError(_("La fenêtre se termine avant de commencer."))
        return StartDateWindow(earliest=earliest, latest=latest)
    raise ParameterError(_("Type de règle inconnu : %s.") % kind)


def parameters_json(params: Parameters) -> dict[str, Any]:
    """The parameters as stored in ``EligibilityRule.parameters`` (JSON)."""
    if isinstance(params, HolderKinds):
        return {"kinds": list(params.kinds)}
    if isinstance(params, Territory):
        return {"regions": list(params.regions), "departments": list(params.departments)}
    if isinstance(params, FunderRequest):
        return {
            "funder_id": params.funder_id,
            "min": str(params.minimum),
            "max": None if params.maximum is None else str(params.maximum),
        }
    if isinstance(params, RequiredAttachments):
        return {"question_ids": list(params.question_ids), "labels": list(params.labels)}
    if isinstance(params, Learners):
        return {"min": params.minimum}
    if isinstance(params, StartDateWindow):
        return {
            "earliest": params.earliest.isoformat() if params.earliest else None,
            "latest": params.latest.isoformat() if params.latest else None,
        }
    return {}


# --- rules, facts, results ----------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule of a call. ``id`` is the database row's (None for a rule not saved)."""

    kind: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None
    label: str = ""
    active: bool = True


@dataclass(frozen=True)
class Facts:
    """What is known about an application, and the names needed to explain a verdict.

    ``requests_by_funder`` maps a funder id to the amount asked of it;
    ``funder_names`` names every funder of the call. ``file_questions`` names the
    call's questions of kind file; ``answered_file_questions`` those answered.
    ``attachment_labels`` are the labels of the application's attachments.
    """

    holder_kind: str = ""
    region_code: str | None = None
    region_name: str = ""
    department_code: str | None = None
    department_name: str = ""
    requests_by_funder: Mapping[int, Decimal] = field(default_factory=dict)
    funder_names: Mapping[int, str] = field(default_factory=dict)
    learners_targeted: int | None = None
    start_date: date | None = None
    total_expenses: Decimal = ZERO
    total_resources: Decimal = ZERO
    file_questions: Mapping[int, str] = field(default_factory=dict)
    answered_file_questions: frozenset[int] = frozenset()
    attachment_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleResult:
    rule_id: int | None
    kind: str
    label: str
    passed: bool
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "kind": self.kind,
            "label": self.label,
            "passed": self.passed,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Names:
    """Names to describe rules without an application (the configuration page)."""

    funders: Mapping[int, str] = field(default_factory=dict)
    regions: Mapping[str, str] = field(default_factory=dict)
    departments: Mapping[str, str] = field(default_factory=dict)
    questions: Mapping[int, str] = field(default_factory=dict)


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _kind_label(kind: str) -> str:
    return str(OrganisationKind(kind).label) if kind in OrganisationKind.values else kind


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"« {v} »" for v in values)


def describe(kind: str, parameters: Mapping[str, Any], names: Names | None = None) -> str:
    """A short sentence saying what the rule requires (its label)."""
    names = names or Names()
    try:
        params = parse_parameters(kind, parameters)
    except ParameterError:
        return str(RuleKind(kind).label) if kind in RuleKind.values else kind
    if isinstance(params, HolderKinds):
        return _("Structure porteuse : %s") % ", ".join(_kind_label(k) for k in params.kinds)
    if isinstance(params, Territory):
        if names.regions and set(params.regions) >= set(names.regions):
            return _("Projet situé en France (toutes les régions)")
        parts = [names.regions.get(r, r) for r in params.regions]
        parts += [f"{names.departments.get(d, d)} ({d})" for d in params.departments]
        return _("Projet situé en : %s") % ", ".join(parts)
    if isinstance(params, FunderRequest):
        funder = names.funders.get(params.funder_id, _("cofinanceur n° %d") % params.funder_id)
        if params.maximum is None:
            return _("Demande à %(funder)s d'au moins %(min)s") % {
                "funder": funder,
                "min": format_eur(params.minimum),
            }
        if params.minimum == ZERO:
            return _("Demande à %(funder)s d'au plus %(max)s") % {
                "funder": funder,
                "max": format_eur(params.maximum),
            }
        return _("Demande à %(funder)s entre %(min)s et %(max)s") % {
            "funder": funder,
            "min": format_eur(params.minimum),
            "max": format_eur(params.maximum),
        }
    if isinstance(params, RequiredAttachments):
        wanted = [names.questions.get(q, _("question n° %d") % q) for q in params.question_ids]
        wanted += list(params.labels)
        return _("Pièces obligatoires : %s") % _quoted(wanted)
    if isinstance(params, Learners):
        return _("Au moins %d apprenant(s) visé(s)") % params.minimum
    if isinstance(params, BudgetBalanced):
        return _("Budget équilibré (dépenses = ressources)")
    if params.earliest and params.latest:
        return _("Démarrage entre le %(start)s et le %(end)s") % {
            "start": _day(params.earliest),
            "end": _day(params.latest),
        }
    if params.earliest:
        return _("Démarrage à partir du %s") % _day(params.earliest)
    assert params.latest is not None
    return _("Démarrage au plus tard le %s") % _day(params.latest)


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def _check(params: Parameters, facts: Facts) -> tuple[bool, str]:
    """(passed, reason) of one rule with valid parameters."""
    if isinstance(params, HolderKinds):
        kind = _kind_label(facts.holder_kind) if facts.holder_kind else _("non renseigné")
        if facts.holder_kind in params.kinds:
            return True, _("La structure porteuse (%s) est d'un type admis.") % kind
        return False, _(
            "La structure porteuse est de type « %(kind)s », que l'appel n'admet pas "
            "(types admis : %(allowed)s)."
        ) % {"kind": kind, "allowed": ", ".join(_kind_label(k) for k in params.kinds)}
    if isinstance(params, Territory):
        if facts.region_code is None and facts.department_code is None:
            return False, _("La commune du projet n'est pas renseignée.")
        place = _("%(department)s (%(code)s), %(region)s") % {
            "department": facts.department_name or facts.department_code or "—",
            "code": facts.department_code or "—",
            "region": facts.region_name or facts.region_code or "—",
        }
        if facts.region_code in params.regions or facts.department_code in params.departments:
            return True, _("Le projet se situe dans le territoire éligible : %s.") % place
        return False, _("Le projet se situe hors du territoire éligible : %s.") % place
    if isinstance(params, FunderRequest):
        name = facts.funder_names.get(params.funder_id, _("cofinanceur n° %d") % params.funder_id)
        amount = to_money(facts.requests_by_funder.get(params.funder_id, ZERO))
        values = {
            "funder": name,
            "amount": format_eur(amount),
            "min": format_eur(params.minimum),
            "max": format_eur(params.maximum),
        }
        if amount == ZERO and params.minimum > ZERO:
            return False, _(
                "Aucune demande à %(funder)s, alors qu'un montant d'au moins %(min)s est attendu."
            ) % values
        if amount < params.minimum:
            return False, _(
                "La demande à %(funder)s (%(amount)s) est inférieure au plancher de %(min)s."
            ) % values
        if params.maximum is not None and amount > params.maximum:
            return False, _(
                "La demande à %(funder)s (%(amount)s) dépasse le plafond de %(max)s."
            ) % values
        return True, _("La demande à %(funder)s (%(amount)s) respecte les limites.") % values
    if isinstance(params, RequiredAttachments):
        missing = [
            facts.file_questions.get(q, _("question n° %d") % q)
            for q in params.question_ids
            if q not in facts.answered_file_questions
        ]
        labels = [_normalised(label) for label in facts.attachment_labels]
        missing += [
            wanted
            for wanted in params.labels
            if not any(_normalised(wanted) in label for label in labels)
        ]
        if missing:
            return False, _("Pièces manquantes : %s.") % _quoted(missing)
        return True, _("Les pièces obligatoires sont présentes.")
    if isinstance(params, Learners):
        if facts.learners_targeted is None:
            return False, _("Le nombre d'apprenants visés n'est pas renseigné.")
        if facts.learners_targeted < params.minimum:
            return False, _(
                "Le projet vise %(n)d apprenant(s), moins que le minimum de %(min)d."
            ) % {"n": facts.learners_targeted, "min": params.minimum}
        return True, _("Le projet vise %d apprenant(s).") % facts.learners_targeted
    if isinstance(params, BudgetBalanced):
        expenses, resources = to_money(facts.total_expenses), to_money(facts.total_resources)
        if expenses == ZERO:
            return False, _("Le budget ne comporte aucune dépense.")
        if expenses != resources:
            return False, _(
                "Le budget n'est pas équilibré : %(expenses)s de dépenses pour %(resources)s "
                "de ressources (écart de %(gap)s)."
            ) % {
                "expenses": format_eur(expenses),
                "resources": format_eur(resources),
                "gap": format_eur(abs(resources - expenses)),
            }
        return True, _("Le budget est équilibré (%s).") % format_eur(expenses)
    start = facts.start_date
    if start is None:
        return False, _("La date de démarrage n'est pas renseignée.")
    if params.earliest is not None and start < params.earliest:
        return False, _(
            "Le projet démarre le %(start)s, avant le %(limit)s, première date admise."
        ) % {"start": _day(start), "limit": _day(params.earliest)}
    if params.latest is not None and start > params.latest:
        return False, _(
            "Le projet démarre le %(start)s, après le %(limit)s, dernière date admise."
        ) % {"start": _day(start), "limit": _day(params.latest)}
    return True, _("Le projet démarre le %s, dans la fenêtre admise.") % _day(start)


def evaluate(rules: Sequence[Rule], facts: Facts) -> list[RuleResult]:
    """One result per active rule, in the order given. A misconfigured rule fails, saying so."""
    results: list[RuleResult] = []
    for rule in rules:
        if not rule.active:
            continue
        label = rule.label or describe(rule.kind, rule.parameters)
        try:
            params = parse_parameters(rule.kind, rule.parameters)
        except ParameterError as error:
            results.append(
                RuleResult(
                    rule.id,
                    rule.kind,
                    label,
                    False,
                    _("Règle mal configurée : %s") % error,
                )
            )
            continue
        passed, reason = _check(params, facts)
        results.append(RuleResult(rule.id, rule.kind, label, passed, reason))
    return results


def verdict(results: Iterable[RuleResult]) -> bool:
    """Eligible by the rules when every rule passed (no rule: eligible)."""
    return all(r.passed for r in results)
