"""Writes for programmes and calls. Each function is atomic and audit-logged."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.core.money import format_eur, money_sum, to_money
from laureat.programmes.enums import CallState, ExpenseCategory, ProgrammeRoleKind
from laureat.programmes.models import (
    CHOICE_KINDS,
    Call,
    CallQuestion,
    Criterion,
    Envelope,
    EnvelopeCategory,
    Funder,
    Programme,
    ProgrammeRole,
    QuestionKind,
    Theme,
)


@dataclass(frozen=True)
class EnvelopeSpec:
    funder: Funder
    amount: Decimal
    categories: frozenset[ExpenseCategory]


@dataclass(frozen=True)
class CriterionSpec:
    name: str
    weight: Decimal
    scale_max: int = 5
    description: str = ""


@dataclass(frozen=True)
class CallSpec:
    slug: str
    title: str
    opens_at: datetime
    closes_at: datetime
    budget: Decimal
    summary: str = ""
    description: str = ""
    how_to_apply: str = ""
    results_at: date | None = None
    themes: Sequence[Theme] = ()
    envelopes: Sequence[EnvelopeSpec] = ()
    criteria: Sequence[CriterionSpec] = ()
    recorded_applications: int | None = None
    recorded_laureates: int | None = None


@transaction.atomic
def programme_create(
    *, slug: str, name: str, description: str = "", website: str = "", by: User | None
) -> Programme:
    """Create a programme. Side effects: audit entry ``programme.create``."""
    if Programme.objects.filter(slug=slug).exists():
        raise DomainError(_("Un programme utilise déjà l'identifiant « %s ».") % slug)
    programme = Programme.objects.create(
        slug=slug, name=name, description=description, website=website
    )
    log_action(actor=by, action="programme.create", obj=programme, data={"slug": slug})
    return programme


@transaction.atomic
def programme_role_grant(
    *, programme: Programme, user: User, role: ProgrammeRoleKind, by: User | None
) -> ProgrammeRole:
    """Give ``user`` a role in ``programme`` (idempotent). Side effects: audit entry."""
    grant, created = ProgrammeRole.objects.get_or_create(programme=programme, user=user, role=role)
    if created:
        log_action(
            actor=by,
            action="programme.role_grant",
            obj=programme,
            data={"user": user.email, "role": str(role)},
        )
    return grant


@transaction.atomic
def funder_create(
    *, slug: str, name: str, short_name: str, description: str = "", by: User | None
) -> Funder:
    """Create a co-funder. Side effects: audit entry ``funder.create``."""
    if Funder.objects.filter(slug=slug).exists():
        raise DomainError(_("Un cofinanceur utilise déjà l'identifiant « %s ».") % slug)
    funder = Funder.objects.create(
        slug=slug, name=name, short_name=short_name, description=description
    )
    log_action(actor=by, action="funder.create", obj=funder, data={"slug": slug})
    return funder


@transaction.atomic
def funder_agent_add(*, funder: Funder, user: User, by: User | None) -> None:
    """Let ``user`` act for ``funder`` (idempotent). Side effects: audit entry."""
    if not funder.agents.filter(pk=user.pk).exists():
        funder.agents.add(user)
        log_action(actor=by, action="funder.agent_add", obj=funder, data={"user": user.email})


@transaction.atomic
def theme_create(*, slug: str, name: str, description: str = "", by: User | None) -> Theme:
    theme = Theme.objects.create(slug=slug, name=name, description=description)
    log_action(actor=by, action="theme.create", obj=theme, data={"slug": slug})
    return theme


def _check_call_spec(spec: CallSpec) -> None:
    if spec.closes_at <= spec.opens_at:
        raise DomainError(_("La date de clôture doit être postérieure à la date d'ouverture."))
    if spec.results_at is not None and spec.results_at < spec.closes_at.date():
        raise DomainError(_("Les résultats ne peuvent être annoncés avant la clôture."))
    if to_money(spec.budget) < 0:
        raise DomainError(_("Le budget ne peut pas être négatif."))
    funders = [e.funder.pk for e in spec.envelopes]
    if len(set(funders)) != len(funders):
        raise DomainError(_("Un cofinanceur ne peut avoir qu'une enveloppe par appel."))
    for envelope in spec.envelopes:
        if not envelope.categories:
            raise DomainError(
                _("L'enveloppe de %s doit financer au moins une catégorie de dépense.")
                % envelope.funder
            )
        if to_money(envelope.amount) < 0:
            raise DomainError(_("Le montant d'une enveloppe ne peut pas être négatif."))
    envelopes_total = money_sum(to_money(e.amount) for e in spec.envelopes)
    if envelopes_total > to_money(spec.budget):
        raise DomainError(
            _(
                "Les enveloppes des cofinanceurs (%(total)s) dépassent "
                "le budget de l'appel (%(budget)s)."
            )
            % {"total": format_eur(envelopes_total), "budget": format_eur(spec.budget)}
        )
    names = [c.name for c in spec.criteria]
    if len(set(names)) != len(names):
        raise DomainError(_("Deux critères d'évaluation portent le même nom."))
    for criterion in spec.criteria:
        if criterion.weight <= 0 or criterion.scale_max < 1:
            raise DomainError(
                _("Le critère « %s » doit avoir une pondération et une note maximale positives.")
                % criterion.name
            )


@transaction.atomic
def call_create(*, programme: Programme, spec: CallSpec, by: User | None) -> Call:
    """Create a call in draft, with its envelopes, criteria and themes.

    Side effects: audit entry ``call.create``.
    """
    _check_call_spec(spec)
    if Call.objects.filter(slug=spec.slug).exists():
        raise DomainError(_("Un appel utilise déjà l'identifiant « %s ».") % spec.slug)
    call = Call.objects.create(
        programme=programme,
        slug=spec.slug,
        title=spec.title,
        summary=spec.summary,
        description=spec.description,
        how_to_apply=spec.how_to_apply,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        results_at=spec.results_at,
        budget=to_money(spec.budget),
        state=CallState.DRAFT,
        recorded_applications=spec.recorded_applications,
        recorded_laureates=spec.recorded_laureates,
    )
    call.themes.set(spec.themes)
    for envelope_spec in spec.envelopes:
        envelope = Envelope.objects.create(
            call=call, funder=envelope_spec.funder, amount=to_money(envelope_spec.amount)
        )
        EnvelopeCategory.objects.bulk_create(
            EnvelopeCategory(envelope=envelope, category=c)
            for c in sorted(envelope_spec.categories)
        )
    Criterion.objects.bulk_create(
        Criterion(
            call=call,
            position=i,
            name=c.name,
            description=c.description,
            weight=c.weight,
            scale_max=c.scale_max,
        )
        for i, c in enumerate(spec.criteria, start=1)
    )
    log_action(
        actor=by,
        action="call.create",
        obj=call,
        data={
            "slug": spec.slug,
            "budget": str(to_money(spec.budget)),
            "envelopes": {
                e.funder.slug: {
                    "amount": str(to_money(e.amount)),
                    "categories": sorted(e.categories),
                }
                for e in spec.envelopes
            },
        },
    )
    return call


@transaction.atomic
def call_publish(*, call: Call, by: User | None) -> Call:
    """Make a draft call public. Side effects: audit entry ``call.publish``."""
    if call.state != CallState.DRAFT:
        raise DomainError(_("Seul un appel en préparation peut être publié."))
    if not call.criteria.exists() and not call.is_historical:
        raise DomainError(_("Définissez au moins un critère d'évaluation avant de publier."))
    call.state = CallState.PUBLISHED
    call.save(update_fields=["state", "updated_at"])
    log_action(actor=by, action="call.publish", obj=call)
    return call


@transaction.atomic
def call_question_add(
    *,
    call: Call,
    label: str,
    kind: str,
    by: User | None,
    required: bool = False,
    help_text: str = "",
    choices: Sequence[str] = (),
) -> CallQuestion:
    """Add one of the call's own questions, after the existing ones.

    Choice questions need at least two distinct choices; other kinds take none.
    Side effects: audit entry ``call.question_add``.
    """
    label = label.strip()
    if not label:
        raise DomainError(_("Rédigez l'intitulé de la question."))
    if kind not in QuestionKind.values:
        raise DomainError(_("Type de question inconnu : %s.") % kind)
    cleaned = [c.strip() for c in choices if c.strip()]
    if kind in CHOICE_KINDS:
        if len(cleaned) < 2 or len(set(cleaned)) != len(cleaned):
            raise DomainError(_("Une question à choix propose au moins deux réponses différentes."))
    elif cleaned:
        raise DomainError(_("Seules les questions à choix proposent des réponses."))
    if call.questions.filter(label=label).exists():
        raise DomainError(_("L'appel pose déjà la question « %s ».") % label)
    last = call.questions.order_by("-position").values_list("position", flat=True).first()
    question = CallQuestion.objects.create(
        call=call,
        position=(last or 0) + 1,
        label=label,
        help_text=help_text,
        kind=kind,
        required=required,
        choices=cleaned,
    )
    log_action(
        actor=by,
        action="call.question_add",
        obj=call,
        data={"label": label, "kind": kind, "required": required, "choices": cleaned},
    )
    return question
