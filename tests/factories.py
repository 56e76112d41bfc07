"""Factories shared by the whole test suite.

Factories write rows directly: they build the state a test starts from. The
convenience functions at the end (``make_open_call_with_envelopes``,
``make_complete_draft``) build realistic data, the draft through the domain
functions, so that ``application_submit`` accepts it.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from stdnum import luhn
from stdnum.fr import siret as stdnum_siret

from laureat.accounts.models import User
from laureat.applicants.enums import MembershipRole, OrganisationKind
from laureat.applicants.models import Membership, Organisation
from laureat.applications.budget import Expense, Resource
from laureat.applications.domain import application_create_draft, application_update_draft
from laureat.applications.enums import ApplicationState, ResourceKind
from laureat.applications.models import Application, BudgetLine, ResourceLine
from laureat.core.money import money_sum
from laureat.programmes.enums import CallState, ExpenseCategory, ProgrammeRoleKind
from laureat.programmes.models import (
    Call,
    Criterion,
    Envelope,
    EnvelopeCategory,
    Funder,
    Programme,
    ProgrammeRole,
    Theme,
)
from laureat.territories.models import Commune

PASSWORD = "motdepasse-solide-42"

# States in which the database requires ``submitted_at`` (see Application.Meta.constraints).
_STATES_WITHOUT_SUBMISSION = {ApplicationState.DRAFT, ApplicationState.WITHDRAWN}


def valid_siret(n: int) -> str:
    """A 14-digit SIRET that python-stdnum accepts, different for each ``n`` (0 <= n < 10**8).

    The SIREN is the 8 digits of ``n`` plus its Luhn check digit; the
    establishment number is "0001" followed by the first digit that makes stdnum
    accept the whole SIRET (the Luhn key, or La Poste's digit-sum rule for
    SIREN 356000000).
    """
    if not 0 <= n < 10**8:
        raise ValueError(f"valid_siret(n) needs 0 <= n < 10**8, got {n}")
    siren8 = f"{n:08d}"
    body = siren8 + luhn.calc_check_digit(siren8) + "0001"
    return next(body + d for d in "0123456789" if stdnum_siret.is_valid(body + d))


def commune(code: str) -> Commune:
    """A commune of the reference geography loaded by migration (e.g. "71076")."""
    return Commune.objects.select_related("department__region").get(code=code)


# --- people -----------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    """A person who signs in with ``email`` and the password ``PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    is_active = True

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


# --- programmes and calls ---------------------------------------------------


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    slug = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Programme {n}")


class ProgrammeRoleFactory(DjangoModelFactory):
    class Meta:
        model = ProgrammeRole

    programme = factory.SubFactory(ProgrammeFactory)
    user = factory.SubFactory(UserFactory)
    role = ProgrammeRoleKind.MANAGER


class FunderFactory(DjangoModelFactory):
    class Meta:
        model = Funder
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"cofinanceur-{n}")
    name = factory.Sequence(lambda n: f"Cofinanceur {n}")
    short_name = factory.LazyAttribute(lambda o: o.name)


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"Thème {n}")


class CallFactory(DjangoModelFactory):
    """A published call, open now (opened 10 days ago, closes in 20 days).

    ``CallFactory(closed=True)`` closed 10 days ago; ``CallFactory(upcoming=True)``
    opens in 10 days; ``CallFactory(draft=True)`` is still in preparation.
    ``CallFactory(themes=[...])`` sets its themes.
    """

    class Meta:
        model = Call
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    slug = factory.Sequence(lambda n: f"appel-{n}")
    title = factory.Sequence(lambda n: f"Appel à projets {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))
    budget = Decimal("10000000.00")
    state = CallState.PUBLISHED

    class Params:
        closed = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=40)),
            closes_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=10)),
        )
        upcoming = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=10)),
            closes_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=40)),
        )
        draft = factory.Trait(state=CallState.DRAFT)

    @factory.post_generation
    def themes(obj: Call, create: bool, extracted: list[Theme] | None, **kwargs: object) -> None:
        if create and extracted:
            obj.themes.set(extracted)


class EnvelopeFactory(DjangoModelFactory):
    """An envelope funding every expense category unless ``categories=[...]`` says otherwise."""

    class Meta:
        model = Envelope
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    funder = factory.SubFactory(FunderFactory)
    amount = Decimal("1000000.00")

    @factory.post_generation
    def categories(
        obj: Envelope, create: bool, extracted: list[str] | None, **kwargs: object
    ) -> None:
        if not create:
            return
        chosen = ExpenseCategory.values if extracted is None else extracted
        EnvelopeCategory.objects.bulk_create(
            EnvelopeCategory(envelope=obj, category=c) for c in sorted(chosen)
        )


class CriterionFactory(DjangoModelFactory):
    class Meta:
        model = Criterion

    call = factory.SubFactory(CallFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Critère {n}")
    weight = Decimal("1.00")
    scale_max = 5


# --- applicants -------------------------------------------------------------


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    siret = factory.Sequence(valid_siret)
    siren = factory.LazyAttribute(lambda o: o.siret[:9])
    kind = OrganisationKind.COMPANY
    is_fictional = True


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.MEMBER


# --- applications -----------------------------------------------------------


class ApplicationFactory(DjangoModelFactory):
    """A draft in an open call. Other states get ``submitted_at`` as the database requires."""

    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"TEST-{n:06d}")
    title = factory.Sequence(lambda n: f"Projet {n}")
    state = ApplicationState.DRAFT
    submitted_at = factory.LazyAttribute(
        lambda o: None if o.state in _STATES_WITHOUT_SUBMISSION else timezone.now()
    )


class BudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = BudgetLine

    application = factory.SubFactory(ApplicationFactory)
    category = ExpenseCategory.ENGINEERING
    label = factory.Sequence(lambda n: f"Dépense {n}")
    amount = Decimal("10000.00")


class ResourceLineFactory(DjangoModelFactory):
    """Own funds by default; ``ResourceLineFactory(funder=f)`` is a request to ``f``."""

    class Meta:
        model = ResourceLine

    application = factory.SubFactory(ApplicationFactory)
    funder = None
    kind = factory.LazyAttribute(
        lambda o: ResourceKind.OWN_FUNDS if o.funder is None else ResourceKind.FUNDER
    )
    label = ""
    amount = Decimal("10000.00")


# --- scenarios --------------------------------------------------------------


@dataclass(frozen=True)
class OpenCall:
    """An open call with two co-funders, as ``make_open_call_with_envelopes`` builds it."""

    call: Call
    banque_des_territoires: Funder
    etat: Funder
    theme: Theme


def make_open_call_with_envelopes(**call_fields: object) -> OpenCall:
    """A published call open now, with two envelopes, one theme and two criteria.

    "Banque des Territoires" funds engineering (3 M€); "État" funds investment
    and startup (7 M€). ``call_fields`` go to ``CallFactory``.
    """
    theme = ThemeFactory()
    call = CallFactory(themes=[theme], **call_fields)
    bdt = FunderFactory(
        slug="banque-des-territoires",
        name="Banque des Territoires",
        short_name="Banque des Territoires",
    )
    etat = FunderFactory(slug="etat", name="État", short_name="État")
    EnvelopeFactory(
        call=call,
        funder=bdt,
        amount=Decimal("3000000.00"),
        categories=[ExpenseCategory.ENGINEERING],
    )
    EnvelopeFactory(
        call=call,
        funder=etat,
        amount=Decimal("7000000.00"),
        categories=[ExpenseCategory.INVESTMENT, ExpenseCategory.STARTUP],
    )
    CriterionFactory(call=call, name="Qualité du projet", weight=Decimal("2.00"))
    CriterionFactory(call=call, name="Ancrage territorial", weight=Decimal("1.00"))
    return OpenCall(call=call, banque_des_territoires=bdt, etat=etat, theme=theme)


# The expenses of a complete draft: 350 000,00 € in all.
COMPLETE_DRAFT_EXPENSES = (
    Expense(ExpenseCategory.ENGINEERING, Decimal("100000.00"), "Études préalables"),
    Expense(ExpenseCategory.INVESTMENT, Decimal("200000.00"), "Équipements"),
    Expense(ExpenseCategory.STARTUP, Decimal("50000.00"), "Amorçage"),
)


def make_complete_draft(
    call: Call,
    user: User,
    *,
    organisation: Organisation | None = None,
    commune_code: str = "71076",
    title: str = "Campus de l'industrie du futur",
) -> Application:
    """A draft that ``application_submit`` accepts, built through the domain functions.

    ``user`` becomes an administrator of a new organisation unless
    ``organisation`` (of which ``user`` must be a member) is given. Each of the
    call's funders is asked for half of the expenses in the categories it
    funds; own funds balance the rest. The draft uses the call's first theme
    (one is created when the call has none).
    """
    if organisation is None:
        organisation = OrganisationFactory()
        MembershipFactory(user=user, organisation=organisation, role=MembershipRole.ADMIN)
    theme = call.themes.first()
    if theme is None:
        theme = ThemeFactory()
        call.themes.add(theme)
    application = application_create_draft(
        call=call, organisation=organisation, title=title, by=user
    )
    requests = []
    for envelope in call.envelopes.prefetch_related("categories"):
        fundable = money_sum(
            e.amount for e in COMPLETE_DRAFT_EXPENSES if e.category in envelope.category_values
        )
        if fundable > 0:
            requests.append(
                Resource(
                    ResourceKind.FUNDER,
                    (fundable / 2).quantize(Decimal("0.01")),
                    envelope.funder_id,
                )
            )
    own_funds = money_sum(e.amount for e in COMPLETE_DRAFT_EXPENSES) - money_sum(
        r.amount for r in requests
    )
    return application_update_draft(
        application=application,
        by=user,
        expected_version=application.version,
        values={
            "summary": "Un plateau technique partagé entre lycées, université et entreprises.",
            "commune": commune(commune_code),
            "learners_targeted": 120,
            "start_date": date(2026, 9, 1),
        },
        themes=[theme],
        expenses=list(COMPLETE_DRAFT_EXPENSES),
        resources=[*requests, Resource(ResourceKind.OWN_FUNDS, own_funds, label="Fonds propres")],
    )
