"""Build the demonstration programme through the domain functions.

``build_demo(seed=...)`` is idempotent: when the programme already exists it
builds nothing and returns what is there. Fictional organisations and
applications are marked ``is_fictional``; every SIRET in the demo is generated
(valid checksum, not a real establishment's number).
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from stdnum import luhn

from laureat.accounts.models import User
from laureat.applicants.domain import organisation_register
from laureat.applicants.enums import OrganisationKind
from laureat.applicants.models import Organisation
from laureat.applications.budget import Expense, Resource
from laureat.applications.domain import (
    application_create_draft,
    application_submit,
    application_update_draft,
)
from laureat.applications.enums import ResourceKind
from laureat.applications.models import Application
from laureat.demo import facts
from laureat.demo.eligibility import build_eligibility
from laureat.demo.review import REVIEWER_NAMES, build_review
from laureat.demo.selection import (
    DemoStage,
    SelectionSummary,
    advance_to,
    demo_stage,
    selection_summary,
)
from laureat.programmes.domain import (
    CallSpec,
    CriterionSpec,
    EnvelopeSpec,
    call_create,
    call_publish,
    call_question_add,
    funder_agent_add,
    funder_create,
    programme_create,
    programme_role_grant,
    theme_create,
)
from laureat.programmes.enums import ExpenseCategory, ProgrammeRoleKind
from laureat.programmes.models import Call, Funder, Programme, QuestionKind, Technology, Theme
from laureat.territories.models import Commune

DEMO_PASSWORD = "laureat-demo"
DEMO_DOMAIN = "laureat.example"  # reserved TLD: no real mailbox


@dataclass
class DemoAccount:
    email: str
    role: str


@dataclass
class DemoResult:
    created: bool
    accounts: list[DemoAccount] = field(default_factory=list)
    applications: int = 0
    regions: int = 0
    stage: DemoStage = DemoStage.SUBMITTED
    advanced: bool = False  # an existing demo taken on to a later stage
    selection: SelectionSummary | None = None


def demo_siret(index: int) -> str:
    """A generated SIRET with valid SIREN and SIRET checksums (``index`` >= 0)."""
    siren_body = f"99{index:06d}"
    siren = siren_body + luhn.calc_check_digit(siren_body)
    nic_body = siren + "0001"
    return nic_body + luhn.calc_check_digit(nic_body)


@cache
def _demo_password_hash() -> str:
    # Hash once: the password hasher is deliberately slow, and the demo has 67 accounts.
    return make_password(DEMO_PASSWORD)


def _user(email: str, first: str, last: str, *, superuser: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(
            email=email,
            first_name=first,
            last_name=last,
            is_staff=superuser,
            is_superuser=superuser,
            password=_demo_password_hash(),
        )
        user.save()
    return user


_KIND_NAMES: dict[str, tuple[str, ...]] = {
    OrganisationKind.EMPLOYER_FEDERATION: (
        "Fédération des industries de {dept}",
        "Union patronale de la métallurgie — {dept}",
    ),
    OrganisationKind.CCI: ("CCI {dept}", "Chambre de commerce et d'industrie de {commune}"),
    OrganisationKind.CNAM: ("Cnam {region} — centre de {commune}",),
    OrganisationKind.UNIVERSITY: (
        "Université de {commune} — IUT",
        "Université de {commune} — UFR Sciences et techniques",
    ),
    OrganisationKind.ENGINEERING_SCHOOL: (
        "École d'ingénieurs de {commune}",
        "Institut polytechnique de {commune}",
    ),
    OrganisationKind.ASSOCIATION: (
        "Association pour la formation industrielle de {dept}",
        "Campus des métiers de l'industrie de {commune}",
    ),
    OrganisationKind.TRAINING_CENTRE: (
        "Centre de formation industrielle de {commune}",
        "Pôle formation des industries de {dept}",
    ),
    OrganisationKind.SCHOOL: ("Lycée des métiers de l'industrie de {commune}",),
}
_KIND_WEIGHTS = {
    OrganisationKind.EMPLOYER_FEDERATION: 7,
    OrganisationKind.CCI: 6,
    OrganisationKind.CNAM: 3,
    OrganisationKind.UNIVERSITY: 6,
    OrganisationKind.ENGINEERING_SCHOOL: 4,
    OrganisationKind.ASSOCIATION: 4,
    OrganisationKind.TRAINING_CENTRE: 7,
    OrganisationKind.SCHOOL: 3,
}
_TITLES = (
    "Plateau technique {tech} pour les industriels de {commune}",
    "Usine-école 4.0 de {commune}",
    "Former aux métiers de demain : {tech} en {region}",
    "Parcours {tech} pour les PME industrielles de {dept}",
    "Ligne pédagogique connectée et {tech}",
    "Campus industrie du futur — {commune}",
    "Atelier mobile {tech} au service du territoire de {commune}",
    "Certification {tech} pour les opérateurs et techniciens de {dept}",
)
_SUMMARIES = (
    "Moderniser le plateau technique de {org} pour former aux technologies {techs}.",
    "Créer une formation nouvelle en {techs} répondant aux besoins des industriels de {dept}.",
    "Doter {org} d'équipements pédagogiques innovants ({techs}) ouverts aux entreprises.",
)


def _pick_communes(rng: random.Random, region_code: str, count: int) -> list[Commune]:
    candidates = list(
        Commune.objects.filter(department__region_id=region_code)
        .select_related("department__region")
        .order_by("-population", "code")[:25]
    )
    return rng.sample(candidates, count)


def _budget(rng: random.Random, bdt: Funder, state: Funder) -> tuple[list[Expense], list[Resource]]:
    """A realistic balanced budget: studies, investment, start-up; requests within categories."""

    def amount(low: int, high: int) -> Decimal:
        return Decimal(rng.randrange(low, high, 500))

    engineering = amount(20_000, 110_000)
    investment = amount(120_000, 700_000)
    startup = amount(20_000, 150_000)
    expenses = [
        Expense(ExpenseCategory.ENGINEERING, engineering, "Études d'ingénierie et de faisabilité"),
        Expense(ExpenseCategory.INVESTMENT, investment, "Équipements et aménagements"),
        Expense(ExpenseCategory.STARTUP, startup, "Amorçage : ingénierie pédagogique, personnel"),
    ]
    bdt_request = (engineering * Decimal(rng.choice((50, 60, 70, 80))) / 100).quantize(Decimal(1))
    state_request = ((investment + startup) * Decimal(rng.choice((35, 40, 45, 50))) / 100).quantize(
        Decimal(1)
    )
    total = engineering + investment + startup
    other_public = (total * Decimal(rng.choice((0, 10, 15, 20))) / 100).quantize(Decimal(1))
    own = total - bdt_request - state_request - other_public
    resources = [
        Resource(ResourceKind.FUNDER, bdt_request, bdt.pk, "Demande à la Banque des Territoires"),
        Resource(ResourceKind.FUNDER, state_request, state.pk, "Demande à l'État (FAIIT)"),
        Resource(ResourceKind.OWN_FUNDS, own, None, "Autofinancement"),
    ]
    if other_public:
        resources.append(
            Resource(ResourceKind.OTHER_PUBLIC, other_public, None, "Région (sollicitée)")
        )
    return expenses, resources


def _submit(
    *,
    call: Call,
    organisation: Organisation,
    user: User,
    when: datetime,
    title: str,
    values: dict[str, object],
    themes: list[Theme],
    technologies: list[Technology],
    budget: tuple[list[Expense], list[Resource]],
    fictional: bool,
) -> Application:
    application = application_create_draft(
        call=call,
        organisation=organisation,
        title=title,
        by=user,
        now=when,
        is_fictional=fictional,
    )
    application = application_update_draft(
        application=application,
        by=user,
        expected_version=application.version,
        values=values,
        themes=themes,
        technologies=technologies,
        expenses=budget[0],
        resources=budget[1],
    )
    return application_submit(application=application, by=user, now=when, notify=False)


def _accounts() -> list[DemoAccount]:
    return [
        DemoAccount(f"admin@{DEMO_DOMAIN}", "administrateur (Django admin)"),
        DemoAccount(f"gestionnaire@{DEMO_DOMAIN}", "gestionnaire du programme"),
        *[
            DemoAccount(f"evaluateur{i}@{DEMO_DOMAIN}", "évaluateur / membre du comité")
            for i in range(1, 5)
        ],
        DemoAccount(
            f"evaluateur5@{DEMO_DOMAIN} … evaluateur{len(REVIEWER_NAMES)}@{DEMO_DOMAIN}",
            "évaluateurs",
        ),
        DemoAccount(f"agent.bdt@{DEMO_DOMAIN}", "agent de la Banque des Territoires"),
        DemoAccount(f"agent.etat@{DEMO_DOMAIN}", "agent de l'État"),
        DemoAccount(f"porteur.cnam@{DEMO_DOMAIN}", "porteur : Cnam Chalon-sur-Saône"),
        DemoAccount(f"porteur.cesi@{DEMO_DOMAIN}", "porteur : CESI Nanterre"),
        DemoAccount(f"porteur.ensam@{DEMO_DOMAIN}", "porteur : Ensam Bordeaux"),
        DemoAccount(f"porteur01@{DEMO_DOMAIN} … porteur56@{DEMO_DOMAIN}", "porteurs fictifs"),
        DemoAccount(
            APPLICANT_EMAIL, "candidat : un brouillon et une candidature déposée (appel ouvert)"
        ),
    ]


@transaction.atomic
def build_demo(*, seed: int = 2022, stage: DemoStage = DemoStage.REVIEWED) -> DemoResult:
    """Build the programme, its calls, accounts and the 59 applications of the TI 4.0 call,
    up to ``stage``: submitted, reviewed (the default), selected (the optimiser's
    proposal kept) or published (the committee's decisions published).

    On an existing demo, builds only the stages after the one reached, from reviewed on.
    """
    existing = Programme.objects.filter(slug=facts.PROGRAMME["slug"]).first()
    if existing is not None:
        _applicant_journey(existing)
        call = Call.objects.get(slug=facts.TI40_SLUG)
        manager = User.objects.get(email=f"gestionnaire@{DEMO_DOMAIN}")
        advanced = advance_to(call=call, stage=DemoStage(stage), by=manager)
        return _result(call, created=False, advanced=advanced)
    rng = random.Random(seed)

    admin = _user(f"admin@{DEMO_DOMAIN}", "Ada", "Administratrice", superuser=True)
    manager = _user(f"gestionnaire@{DEMO_DOMAIN}", "Camille", "Gestionnaire")
    reviewers = [
        _user(f"evaluateur{i}@{DEMO_DOMAIN}", first, "Évaluateur")
        for i, first in enumerate(REVIEWER_NAMES, start=1)
    ]
    agent_bdt = _user(f"agent.bdt@{DEMO_DOMAIN}", "Bérénice", "Agent BdT")
    agent_state = _user(f"agent.etat@{DEMO_DOMAIN}", "Étienne", "Agent État")

    programme = programme_create(by=admin, **facts.PROGRAMME)
    programme_role_grant(
        programme=programme, user=manager, role=ProgrammeRoleKind.MANAGER, by=admin
    )
    for reviewer in reviewers:
        programme_role_grant(
            programme=programme, user=reviewer, role=ProgrammeRoleKind.REVIEWER, by=admin
        )
    funders = {
        slug: funder_create(slug=slug, by=admin, **data) for slug, data in facts.FUNDERS.items()
    }
    funder_agent_add(funder=funders["banque-des-territoires"], user=agent_bdt, by=admin)
    funder_agent_add(funder=funders["etat-faiit"], user=agent_state, by=admin)
    themes = {
        slug: theme_create(slug=slug, name=name, description=description, by=admin)
        for slug, name, description in facts.THEMES
    }

    for earlier in facts.EARLIER_CALLS:
        old = call_create(
            programme=programme,
            spec=CallSpec(
                slug=earlier.slug,
                title=earlier.title,
                summary=earlier.summary,
                description=earlier.summary,
                opens_at=earlier.opens_at,
                closes_at=earlier.closes_at,
                budget=Decimal("0.00"),
                recorded_laureates=earlier.recorded_laureates,
            ),
            by=manager,
        )
        call_publish(call=old, by=manager)

    ti40 = facts.TI40
    call = call_create(
        programme=programme,
        spec=CallSpec(
            slug=ti40.slug,
            title=ti40.title,
            summary=ti40.summary,
            description=ti40.description,
            how_to_apply=ti40.how_to_apply,
            opens_at=ti40.opens_at,
            closes_at=ti40.closes_at,
            results_at=ti40.results_at,
            budget=ti40.budget,
            themes=list(themes.values()),
            envelopes=[
                EnvelopeSpec(
                    funder=funders[slug],
                    amount=amount,
                    categories=frozenset(ExpenseCategory(c) for c in categories),
                )
                for slug, (amount, categories) in ti40.envelopes.items()
            ],
            criteria=[CriterionSpec(c.name, c.weight, 5, c.description) for c in facts.CRITERIA],
        ),
        by=manager,
    )
    call_publish(call=call, by=manager)

    bdt, state = funders["banque-des-territoires"], funders["etat-faiit"]
    technologies = {t.slug: t for t in Technology.objects.all()}
    window = int((call.closes_at - call.opens_at).total_seconds())

    def submission_time() -> datetime:
        # Most files arrive in the last weeks: skew towards the deadline.
        return call.opens_at + timedelta(seconds=int(window * rng.random() ** 0.4))

    siret_index = 0
    for real, account in zip(facts.REAL_PROJECTS, ("cnam", "cesi", "ensam"), strict=True):
        user = _user(f"porteur.{account}@{DEMO_DOMAIN}", "Porteur", account.upper())
        commune = Commune.objects.get(code=real.commune_code)
        organisation = organisation_register(
            name=real.organisation,
            siret=demo_siret(siret_index),
            kind=real.kind,
            commune=commune,
            by=user,
        )
        siret_index += 1
        _submit(
            call=call,
            organisation=organisation,
            user=user,
            when=submission_time(),
            title=real.title,
            values={
                "acronym": real.acronym,
                "summary": real.summary,
                "description": real.description,
                "commune": commune,
                "learners_targeted": real.learners,
                "start_date": real.start_date,
            },
            themes=[themes[t] for t in real.themes],
            technologies=[technologies[t] for t in real.technologies],
            budget=_budget(rng, bdt, state),
            fictional=False,
        )

    real_regions = {
        Commune.objects.select_related("department").get(code=r.commune_code).department.region_id
        for r in facts.REAL_PROJECTS
    }
    kinds = list(_KIND_WEIGHTS)
    weights = list(_KIND_WEIGHTS.values())
    tech_list = list(technologies.values())
    theme_list = list(themes.values())
    number = 0
    for region_code, total in facts.APPLICATIONS_PER_REGION.items():
        count = total - (1 if region_code in real_regions else 0)
        for commune in _pick_communes(rng, region_code, count):
            number += 1
            kind = rng.choices(kinds, weights)[0]
            department = commune.department
            org_name = rng.choice(_KIND_NAMES[kind]).format(
                commune=commune.name, dept=department.name, region=department.region.name
            )
            user = _user(f"porteur{number:02d}@{DEMO_DOMAIN}", "Porteur", f"fictif {number:02d}")
            organisation = organisation_register(
                name=org_name,
                siret=demo_siret(siret_index),
                kind=kind,
                commune=commune,
                by=user,
                is_fictional=True,
            )
            siret_index += 1
            chosen_techs = rng.sample(tech_list, rng.randint(1, 4))
            words = {
                "tech": chosen_techs[0].name.lower(),
                "techs": ", ".join(t.name.lower() for t in chosen_techs),
                "commune": commune.name,
                "dept": department.name,
                "region": department.region.name,
                "org": org_name,
            }
            when = submission_time()
            start = (when + timedelta(days=rng.randint(150, 400))).date().replace(day=1)
            _submit(
                call=call,
                organisation=organisation,
                user=user,
                when=when,
                title=rng.choice(_TITLES).format(**words),
                values={
                    "summary": rng.choice(_SUMMARIES).format(**words),
                    "description": (
                        "Projet fictif généré pour la démonstration de Laureat. "
                        + rng.choice(_SUMMARIES).format(**words)
                    ),
                    "commune": commune,
                    "learners_targeted": rng.randrange(40, 900, 10),
                    "start_date": start,
                },
                themes=rng.sample(theme_list, rng.randint(1, 2)),
                technologies=chosen_techs,
                budget=_budget(rng, bdt, state),
                fictional=True,
            )

    if stage == DemoStage.SUBMITTED:
        _applicant_journey(programme)
        return _result(call, created=True)
    build_eligibility(call=call, by=manager)
    build_review(call=call, reviewers=reviewers, rng=rng, by=manager)
    advance_to(call=call, stage=DemoStage(stage), by=manager)
    _applicant_journey(programme)
    return _result(call, created=True)


def _result(call: Call, *, created: bool, advanced: bool = False) -> DemoResult:
    submitted = call.applications.exclude(submitted_at=None)
    return DemoResult(
        created=created,
        accounts=_accounts(),
        applications=submitted.count(),
        regions=submitted.values("commune__department__region").distinct().count(),
        stage=demo_stage(call),
        advanced=advanced,
        selection=selection_summary(call),
    )


# --- the applicant journey: an open demonstration call --------------------------

JOURNEY_CALL_SLUG = "territoires-industrie-2027-jumeaux-numeriques"
APPLICANT_EMAIL = f"candidat@{DEMO_DOMAIN}"


def _applicant_journey(programme: Programme) -> None:
    """An open fictional call and an applicant with one draft and one submitted application.

    Dates are relative to now (open 30 days ago, closing in 60 days), so the journey
    can be tried at once. Idempotent: does nothing when the call exists.
    """
    if Call.objects.filter(slug=JOURNEY_CALL_SLUG).exists():
        return
    now = timezone.now()
    manager = User.objects.get(email=f"gestionnaire@{DEMO_DOMAIN}")
    bdt = Funder.objects.get(slug="banque-des-territoires")
    state = Funder.objects.get(slug="etat-faiit")
    themes = list(Theme.objects.filter(slug__in=[t[0] for t in facts.THEMES]).order_by("slug"))
    call = call_create(
        programme=programme,
        spec=CallSpec(
            slug=JOURNEY_CALL_SLUG,
            title="Territoires d'industrie 2027 : jumeaux numériques pour la formation",
            summary=(
                "Appel de démonstration, fictif : il sert à essayer le dépôt d'une candidature "
                "dans Laureat. Aucun financement réel n'est attribué."
            ),
            description=(
                "Appel fictif créé par la démonstration de Laureat. Il soutient, pour l'exemple, "
                "des plateaux de formation qui utilisent des jumeaux numériques."
            ),
            how_to_apply=(
                "Connectez-vous avec le compte de démonstration candidat@laureat.example "
                "(mot de passe laureat-demo), puis cliquez sur « Candidater »."
            ),
            opens_at=now - timedelta(days=30),
            closes_at=now + timedelta(days=60),
            budget=Decimal("4000000.00"),
            themes=themes,
            envelopes=[
                EnvelopeSpec(bdt, Decimal("1000000.00"), frozenset({ExpenseCategory.ENGINEERING})),
                EnvelopeSpec(
                    state,
                    Decimal("3000000.00"),
                    frozenset({ExpenseCategory.INVESTMENT, ExpenseCategory.STARTUP}),
                ),
            ],
            criteria=[
                CriterionSpec("Pertinence pour les métiers du territoire", Decimal("50")),
                CriterionSpec("Qualité pédagogique du jumeau numérique", Decimal("30")),
                CriterionSpec("Solidité du plan de financement", Decimal("20")),
            ],
        ),
        by=manager,
    )
    call_question_add(
        call=call,
        label="Le projet associe-t-il des entreprises industrielles du territoire ?",
        kind=QuestionKind.YES_NO,
        required=True,
        by=manager,
    )
    call_question_add(
        call=call,
        label="Niveau de formation principalement visé",
        kind=QuestionKind.SINGLE_CHOICE,
        choices=[
            "CAP / Bac pro",
            "BTS / BUT",
            "Licence / Master / Ingénieur",
            "Formation continue",
        ],
        required=True,
        by=manager,
    )
    call_question_add(
        call=call,
        label="Partenaires du projet",
        kind=QuestionKind.LONG_TEXT,
        help_text="Entreprises, établissements, collectivités : qui fait quoi.",
        by=manager,
    )
    call_publish(call=call, by=manager)

    applicant = _user(APPLICANT_EMAIL, "Claude", "Candidat")
    organisation = organisation_register(
        name="Campus fictif des industries du Val de Saône",
        siret=demo_siret(900),
        kind=OrganisationKind.TRAINING_CENTRE,
        commune=Commune.objects.filter(code="71076").first(),
        by=applicant,
        is_fictional=True,
    )
    questions = list(call.questions.order_by("position"))
    submitted = application_create_draft(
        call=call,
        organisation=organisation,
        title="Jumeau numérique d'une ligne d'assemblage pour les apprentis",
        by=applicant,
        is_fictional=True,
    )
    submitted = application_update_draft(
        application=submitted,
        by=applicant,
        expected_version=submitted.version,
        values={
            "acronym": "JUMEAU-71",
            "summary": (
                "Projet fictif de démonstration : une ligne d'assemblage pédagogique et son "
                "jumeau numérique, partagés entre lycée professionnel, IUT et entreprises."
            ),
            "commune": Commune.objects.filter(code="71076").first(),
            "learners_targeted": 240,
            "start_date": (now + timedelta(days=200)).date().replace(day=1),
        },
        themes=themes[:1],
        technologies=list(Technology.objects.order_by("name")[:2]),
        expenses=[
            Expense(ExpenseCategory.ENGINEERING, Decimal("60000.00"), "Étude de faisabilité"),
            Expense(ExpenseCategory.INVESTMENT, Decimal("320000.00"), "Ligne et logiciels"),
            Expense(ExpenseCategory.STARTUP, Decimal("40000.00"), "Ingénierie pédagogique"),
        ],
        resources=[
            Resource(ResourceKind.FUNDER, Decimal("30000.00"), bdt.pk),
            Resource(ResourceKind.FUNDER, Decimal("180000.00"), state.pk),
            Resource(ResourceKind.OWN_FUNDS, Decimal("210000.00"), None, "Autofinancement"),
        ],
        answers={
            questions[0]: True,
            questions[1]: "BTS / BUT",
            questions[2]: "Trois entreprises de la plasturgie et l'IUT (fictifs).",
        },
    )
    application_submit(application=submitted, by=applicant, notify=False)
    application_create_draft(
        call=call,
        organisation=organisation,
        title="Atelier de maintenance prédictive (brouillon)",
        by=applicant,
        is_fictional=True,
    )
